// The fake activities an orchestration harness runs: one handler per activity name, set by each test,
// and every call recorded (input, virtual time, how many of its kind were running, the run's custom
// status when it came). The harness app registers a function per activity that calls into this module.

import type { ActivityInput, ActivityName, ActivityOutput } from "../../orchestrations/contracts.ts";

export type ActivityFake<K extends ActivityName> = (
  input: ActivityInput<K>,
) => Promise<ActivityOutput<K>> | ActivityOutput<K>;

export type ActivityFakes = { [K in ActivityName]?: ActivityFake<K> };

/** Replaces the fake of `name` with `wrap`, which is handed the fake it replaces to call on. */
export function wrapFake<K extends ActivityName>(
  fakes: ActivityFakes,
  name: K,
  wrap: (input: ActivityInput<K>, replaced: ActivityFake<K>) => ReturnType<ActivityFake<K>>,
): void {
  const replaced = fakes[name] as ActivityFake<K> | undefined;
  if (!replaced) throw new Error(`no fake of ${name} to wrap`);
  (fakes as Record<K, ActivityFake<K>>)[name] = (input) => wrap(input, replaced);
}

export interface ActivityCall {
  readonly name: ActivityName;
  readonly input: unknown;
  /** Virtual epoch milliseconds when it began and ended. */
  readonly startedAt: number;
  endedAt?: number;
  /** Calls of this activity running when it began, itself included. */
  readonly inFlight: number;
  /** The run's custom status when it was called: the stage its orchestrator had reached. */
  readonly customStatus: unknown;
  outcome?: "completed" | "failed";
}

/** What the harness tells the fakes about the run under way. */
export interface RunObserver {
  now(): number;
  customStatus(): Promise<unknown>;
}

class FakeActivities {
  private fakes: ActivityFakes = {};
  private observer: RunObserver | undefined;
  private readonly running = new Map<ActivityName, number>();
  calls: ActivityCall[] = [];

  /** Replaces every fake and forgets earlier calls: an activity without a fake fails when called. */
  reset(fakes: ActivityFakes, observer: RunObserver): void {
    this.fakes = fakes;
    this.observer = observer;
    this.calls = [];
  }

  async invoke<K extends ActivityName>(name: K, input: ActivityInput<K>): Promise<ActivityOutput<K>> {
    const fake = this.fakes[name] as ActivityFake<K> | undefined;
    const observer = this.observer;
    if (!fake || !observer) throw new Error(`no fake for the activity "${name}" in this test`);
    const inFlight = (this.running.get(name) ?? 0) + 1;
    this.running.set(name, inFlight);
    const call: ActivityCall = {
      name,
      input,
      startedAt: observer.now(),
      inFlight,
      customStatus: await observer.customStatus(),
    };
    this.calls.push(call);
    try {
      const output = await fake(input);
      call.outcome = "completed";
      return output;
    } catch (error) {
      call.outcome = "failed";
      throw error;
    } finally {
      call.endedAt = observer.now();
      this.running.set(name, (this.running.get(name) ?? 1) - 1);
    }
  }
}

export const fakeActivities = new FakeActivities();
