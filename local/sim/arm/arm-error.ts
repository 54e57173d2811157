// ARM's errors: the status, the {error: {code, message, target}} body and any headers (Retry-After,
// WWW-Authenticate). Handlers throw them; the server turns them into the response.

export class ArmError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  readonly target?: string;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { headers?: Record<string, string>; target?: string } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = options.headers ?? {};
    if (options.target) this.target = options.target;
  }
}

export function invalidParameter(target: string, message: string): ArmError {
  return new ArmError(400, "InvalidParameter", message, { target });
}

/** What AKS answers when a body does not decode into its Go structs. */
export function unmarshalError(message: string): ArmError {
  return new ArmError(400, "UnmarshalError", `UnmarshalEntity encountered error: json: ${message}`);
}

export function operationNotAllowed(message: string): ArmError {
  return new ArmError(400, "OperationNotAllowed", message);
}
