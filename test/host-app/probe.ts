// State the test app shares with the tests that host it in the same process (one object per process,
// whichever copy of this module a caller got).
export interface Probe {
  /** How many times each flaky key has been called. */
  readonly calls: Map<string, number>;
  /** Highest number of gauge activities seen running at once. */
  maxConcurrent: number;
  running: number;
  /** When true, the "nondeterministic" orchestrator takes its other branch. */
  flip: boolean;
  /** Service Bus trigger invocations, in order. */
  readonly messages: {
    queue: string;
    body: unknown;
    deliveryCount: unknown;
    messageId: unknown;
    properties: unknown;
    enqueuedTimeUtc: unknown;
  }[];
  /** Hook calls, as "appStart", "pre:<function>", "post:<function>:ok|error". */
  readonly hooks: string[];
  /** Timer trigger invocations. */
  readonly ticks: { name: string; isPastDue: boolean; at: number }[];
  /** While set, Service Bus messages that ask for it wait here, so a test can let them all go at once. */
  gate: { readonly opened: Promise<void>; readonly open: () => void } | undefined;
  /** How many messages are waiting at the gate. */
  waiting: number;
}

/** Closes the gate: messages that ask for it wait until `open` is called. */
export function closeGate(): void {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  probe().gate = { opened, open };
}

const SLOT = Symbol.for("host-app.probe");

export function probe(): Probe {
  const slots = globalThis as Record<symbol, unknown>;
  slots[SLOT] ??= {
    calls: new Map(),
    maxConcurrent: 0,
    running: 0,
    flip: false,
    messages: [],
    hooks: [],
    ticks: [],
    gate: undefined,
    waiting: 0,
  } satisfies Probe;
  return slots[SLOT] as Probe;
}
