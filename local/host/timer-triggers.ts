// Timer triggers: each function fires on its schedule, one run at a time, as the real host's TimerTrigger does.
// runOnStartup fires once when the host starts; with useMonitor (the default) the host remembers the next
// occurrence, so an occurrence missed while it was down fires once at start-up with isPastDue true.
import { type Clock, runHeld } from "../clock.ts";
import type { DurableStore } from "./durable-store.ts";
import type { FunctionRegistration } from "./functions-core.ts";
import { bindTriggers, type Invoker, type SkippedTrigger, triggerOf } from "./invoker.ts";
import type { Logger } from "./logger.ts";
import { parseSchedule, type Schedule } from "./ncrontab.ts";
import { resolveSettingReferences } from "./settings.ts";

interface TimerFunction {
  readonly registration: FunctionRegistration;
  readonly schedule: Schedule;
  readonly runOnStartup: boolean;
  readonly useMonitor: boolean;
}

/** Reads the timer triggers; one whose schedule cannot be read is skipped, with the reason. */
export function timerFunctions(
  registrations: readonly FunctionRegistration[],
  env: NodeJS.ProcessEnv,
): { bound: TimerFunction[]; skipped: SkippedTrigger[] } {
  return bindTriggers(registrations, "timerTrigger", (registration) => {
    const trigger = triggerOf(registration);
    if (typeof trigger.schedule !== "string") throw new Error("it has no schedule");
    return {
      registration,
      schedule: parseSchedule(resolveSettingReferences(trigger.schedule, env, "its schedule")),
      runOnStartup: trigger.runOnStartup === true,
      useMonitor: trigger.useMonitor !== false,
    };
  });
}

export interface TimerTriggerDeps {
  readonly functions: readonly TimerFunction[];
  readonly clock: Clock;
  readonly store: DurableStore;
  readonly invoker: Invoker;
  readonly logger: Logger;
}

export class TimerTriggers {
  private readonly deps: TimerTriggerDeps;
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(deps: TimerTriggerDeps) {
    this.deps = deps;
  }

  start(): void {
    this.loops = this.deps.functions.map((f) => this.run(f));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled(this.loops);
  }

  private async run(f: TimerFunction): Promise<void> {
    const { clock, store } = this.deps;
    const name = f.registration.name;
    const saved = f.useMonitor ? store.scheduleStatus(name) : undefined;
    let last = saved?.last ?? null;
    const missed = saved !== undefined && saved.next <= clock.now();
    if (f.runOnStartup || missed) last = await this.fire(f, last, missed);
    while (!this.stopping.signal.aborted) {
      const next = f.schedule.next(clock.now());
      if (f.useMonitor) store.putScheduleStatus(name, last, next, clock.now());
      try {
        // Passive: a schedule alone never pulls virtual time forward; it fires as time passes it.
        await clock.sleep(next - clock.now(), this.stopping.signal, { passive: true });
      } catch {
        return;
      }
      last = await this.fire(f, last, false);
    }
  }

  private async fire(f: TimerFunction, last: number | null, isPastDue: boolean): Promise<number> {
    const { clock, invoker, logger } = this.deps;
    const now = clock.now();
    const input = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: {
        Last: new Date(last ?? now).toISOString(),
        Next: new Date(f.schedule.next(now)).toISOString(),
        LastUpdated: new Date(now).toISOString(),
      },
      IsPastDue: isPastDue,
    };
    try {
      await runHeld(clock, () =>
        invoker.invoke(f.registration, { trigger: { rpc: { json: JSON.stringify(input) } } }),
      );
    } catch (error) {
      logger.error(`Timer function "${f.registration.name}" failed: ${(error as Error).message}`, {
        function: f.registration.name,
        stack: (error as Error).stack,
      });
    }
    return now;
  }
}
