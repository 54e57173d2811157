/** Time for code that waits between attempts; local/clock.ts's Clock satisfies it, virtual time included. */
export interface RetryClock {
  /** Epoch milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
}
