// The product state store cannot be reached (Table Storage refusing connections, a SQLite file that cannot
// be opened or read): nothing was read or written. Read endpoints answer 503; activities fail and retry.

export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";

  /** `detail` is for the log (it may name hosts or paths); answers to callers never show it. */
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`the product state store is unreachable: ${detail}`, options);
  }
}
