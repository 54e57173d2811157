// Runs one of the product's orchestrators as Temporal's test environment runs a workflow: on the embedded
// host (the real durable-functions replay), with fake activities the test sets and virtual time that jumps
// to the next durable timer, so retries and waits cost nothing. A run ends with its status, typed output,
// custom status, every activity call, and its history as stored.
//
//   const harness = useOrchestrationHarness(); // started before the file's tests, stopped after
//   it("...", async () => {
//     const run = await harness.run("alerts-reevaluation", { noticeId: "n1" }, {
//     "decide-alerts": async () => ({ kind: "no-scan" }),
//     });
//     expect(run.output).toEqual(...); expect(run.timeline()).toEqual([...]);
//   });

import type { DurableClient } from "durable-functions";
import { afterAll, beforeAll } from "vitest";
import type { VirtualClock } from "../../local/clock.ts";
import { EventType, eventTypeName, type HistoryEvent } from "../../local/host/durable-history.ts";
import { type InstanceStatus, type RunningHost, startHost } from "../../local/host/host.ts";
import type {
  ActivityName,
  OrchestrationInput,
  OrchestrationName,
  OrchestrationOutput,
} from "../../orchestrations/contracts.ts";
import { type ActivityCall, type ActivityFakes, fakeActivities } from "./activity-fakes.ts";

const APP = new URL("./orchestration-harness-app.ts", import.meta.url).pathname;
const EVERY_STATUS = ["Pending", "Running", "Completed", "Failed", "Terminated", "Suspended"] as const;
/** Where virtual time starts unless a harness is given another instant. */
export const HARNESS_START = "2026-03-02T08:00:00Z";

export interface OrchestrationRun<K extends OrchestrationName> {
  readonly instanceId: string;
  readonly status: InstanceStatus;
  /** The result, when the run completed. */
  readonly output: OrchestrationOutput<K>;
  readonly customStatus: unknown;
  /** Every activity call of the run and its sub-orchestrations, in the order they began. */
  readonly calls: readonly ActivityCall[];
  /** The calls of one activity. */
  callsOf(name: ActivityName): readonly ActivityCall[];
  /** The history as stored, of the run or of another instance (a sub-orchestration's). */
  history(instanceId?: string): HistoryEvent[];
  /** The history read as lines ("scheduled list-fleet", "failed list-fleet", "timer fired", ...). */
  timeline(instanceId?: string): string[];
  /** The instances the run started as sub-orchestrations, in order. */
  subOrchestrations(): string[];
}

export interface OrchestrationHarness {
  readonly host: RunningHost;
  readonly clock: VirtualClock;
  readonly client: DurableClient;
  /**
   * Runs `name` with `input` until it ends, its activities answered by `fakes` (any other one fails). One
   * run at a time; virtual time goes on from where the last run left it.
   */
  run<K extends OrchestrationName>(
    name: K,
    input: OrchestrationInput<K>,
    fakes: ActivityFakes,
  ): Promise<OrchestrationRun<K>>;
  /** Instances of `name` running now (for a fake that acts on its own orchestration). */
  running(name: OrchestrationName): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startOrchestrationHarness(
  options: { start?: string } = {},
): Promise<OrchestrationHarness> {
  const host = await startHost({
    app: APP,
    port: 0,
    clock: "virtual",
    virtualStart: Date.parse(options.start ?? HARNESS_START),
    logLevel: "none",
  });
  const clock = host.clock as VirtualClock;
  const client = host.getClient();
  let runs = 0;
  const history = (instanceId: string) => host.history(instanceId);
  return {
    host,
    clock,
    client,
    async run(name, input, fakes) {
      const instanceId = `${name}:harness-${++runs}`;
      fakeActivities.reset(fakes, {
        now: () => clock.now(),
        customStatus: async () =>
          (await host.waitForInstance(instanceId, { statuses: EVERY_STATUS })).customStatus,
      });
      await client.startNew(name, { instanceId, input });
      const status = await host.waitForInstance(instanceId);
      const calls = fakeActivities.calls;
      return {
        instanceId,
        status,
        output: status.output as OrchestrationOutput<typeof name>,
        customStatus: status.customStatus,
        calls,
        callsOf: (activity) => calls.filter((call) => call.name === activity),
        history: (id = instanceId) => history(id),
        timeline: (id = instanceId) => timeline(history(id)),
        subOrchestrations: () =>
          history(instanceId)
            .filter((event) => event.EventType === EventType.SubOrchestrationInstanceCreated)
            .map((event) => event.InstanceId as string),
      };
    },
    async running(name) {
      const instances = await client.getStatusBy({});
      return instances
        .filter((instance) => instance.name === name && instance.runtimeStatus === "Running")
        .map((instance) => instance.instanceId);
    },
    stop: () => host.stop(),
  };
}

/** A harness for the calling test file: started before its tests, stopped after them. */
export function useOrchestrationHarness(options: { start?: string } = {}): OrchestrationHarness {
  let harness: OrchestrationHarness | undefined;
  beforeAll(async () => {
    harness = await startOrchestrationHarness(options);
  });
  afterAll(() => harness?.stop());
  const started = (): OrchestrationHarness => {
    if (!harness) throw new Error("the orchestration harness is used before the file's tests run");
    return harness;
  };
  return {
    get host() {
      return started().host;
    },
    get clock() {
      return started().clock;
    },
    get client() {
      return started().client;
    },
    run: (name, input, fakes) => started().run(name, input, fakes),
    running: (name) => started().running(name),
    stop: () => started().stop(),
  };
}

/** A history as lines; the episode markers (OrchestratorStarted/Completed) are left out. */
export function timeline(events: readonly HistoryEvent[]): string[] {
  const scheduled = new Map<number, string>();
  for (const event of events) {
    if (
      event.EventType === EventType.TaskScheduled ||
      event.EventType === EventType.SubOrchestrationInstanceCreated
    ) {
      scheduled.set(event.EventId, event.Name ?? "?");
    }
  }
  const nameOf = (event: HistoryEvent) => scheduled.get(event.TaskScheduledId ?? -1) ?? "?";
  return events.flatMap((event): string[] => {
    switch (event.EventType) {
      case EventType.OrchestratorStarted:
      case EventType.OrchestratorCompleted:
        return [];
      case EventType.ExecutionStarted:
        return [`started ${event.Name}`];
      case EventType.TaskScheduled:
        return [`scheduled ${event.Name}`];
      case EventType.TaskCompleted:
        return [`completed ${nameOf(event)}`];
      case EventType.TaskFailed:
        return [`failed ${nameOf(event)}`];
      case EventType.SubOrchestrationInstanceCreated:
        return [`started sub-orchestration ${event.Name}`];
      case EventType.SubOrchestrationInstanceCompleted:
        return [`completed sub-orchestration ${nameOf(event)}`];
      case EventType.SubOrchestrationInstanceFailed:
        return [`failed sub-orchestration ${nameOf(event)}`];
      case EventType.TimerCreated:
        return ["timer created"];
      case EventType.TimerFired:
        return ["timer fired"];
      case EventType.ExecutionCompleted:
        return [`ended ${event.OrchestrationStatus ?? ""}`.trim()];
      default:
        return [eventTypeName(event.EventType)];
    }
  });
}
