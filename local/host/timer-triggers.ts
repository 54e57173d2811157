// Timer triggers: each function fires on its schedule, one run at a time, as the real host's TimerTrigger does.
// runOnStartup fires once when the host starts; with useMonitor (the default) the host remembers the next
// occurrence, so an occurrence missed while it was down fires once at start-up with isPastDue true.
import { type Clock, runHeld } from "../clock.ts";
import type { DurableStore } from "./durable-store.ts";
import type { FunctionRegistration } from "./functions-core.ts";
import { type Invoker, triggerOf } from "./invoker.ts";
import type { Logger } from "./logger.ts";
import { parseSchedule, type Schedule } from "./ncrontab.ts";
import { resolveSettingReferences } from "./settings.ts";

interface TimerFunction {
  readonly registration: FunctionRegistration;
  readonly schedule: Schedule;
  readonly runOnStartup: boolean;
  readonly useMonitor: boolean;
}

export function timerFunctions(
  registrations: readonly FunctionRegistration[],
  env: NodeJS.ProcessEnv,
): TimerFunction[] {
  return registrations
    .filter((registration) => triggerOf(registration).type === "timerTrigger")
    .map((registration) => {
      const trigger = triggerOf(registration);
      if (typeof trigger.schedule !== "string") {
        throw new Error(`Timer function "${registration.name}" has no schedule.`);
      }
      const where = `The schedule of timer function "${registration.name}"`;
      return {
        registration,
        schedule: parseSchedule(resolveSettingReferences(trigger.schedule, env, where)),
        runOnStartup: trigger.runOnStartup === true,
        useMonitor: trigger.useMonitor !== false,
      };
    });
}

export class TimerTriggers {
  private readonly functions: readonly TimerFunction[];
  private readonly clock: Clock;
  private readonly store: DurableStore;
  private readonly invoker: Invoker;
  private readonly logger: Logger;
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(options: {
    functions: readonly TimerFunction[];
    clock: Clock;
    store: DurableStore;
    invoker: Invoker;
    logger: Logger;
  }) {
    this.functions = options.functions;
    this.clock = options.clock;
    this.store = options.store;
    this.invoker = options.invoker;
    this.logger = options.logger;
  }

  start(): void {
    this.loops = this.functions.map((f) => this.run(f));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled(this.loops);
  }

  private async run(f: TimerFunction): Promise<void> {
    const name = f.registration.name;
    const saved = f.useMonitor ? this.store.scheduleStatus(name) : undefined;
    let last = saved?.last ?? null;
    if (f.runOnStartup || (saved && saved.next <= this.clock.now())) {
      last = await this.fire(f, last, saved !== undefined && saved.next <= this.clock.now());
    }
    while (!this.stopping.signal.aborted) {
      const next = f.schedule.next(this.clock.now());
      if (f.useMonitor) this.store.putScheduleStatus(name, last, next, this.clock.now());
      try {
        // Passive: a schedule alone never pulls virtual time forward; it fires as time passes it.
        await this.clock.sleep(next - this.clock.now(), this.stopping.signal, { passive: true });
      } catch {
        return;
      }
      last = await this.fire(f, last, false);
    }
  }

  private async fire(f: TimerFunction, last: number | null, isPastDue: boolean): Promise<number> {
    const now = this.clock.now();
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
      await runHeld(this.clock, () =>
        this.invoker.invoke(f.registration, { trigger: { rpc: { json: JSON.stringify(input) } } }),
      );
    } catch (error) {
      this.logger.error(`Timer function "${f.registration.name}" failed: ${(error as Error).message}`, {
        function: f.registration.name,
        stack: (error as Error).stack,
      });
    }
    return now;
  }
}
