// The credentials clients presented to the simulated fleet, each once: ARM and Resource Graph bearer
// tokens, each cluster's bearer token, Service Bus SAS tokens. What a test checks the product never wrote
// down anywhere.

export interface PresentedCredential {
  /** "arm", "kube:<cluster>" or "servicebus". */
  readonly service: string;
  /** The token itself, without its scheme ("Bearer "). */
  readonly credential: string;
}

export class PresentedCredentials {
  private readonly seen = new Map<string, PresentedCredential>();

  record(service: string, credential: string): void {
    const key = `${service}\n${credential}`;
    if (!this.seen.has(key)) this.seen.set(key, { service, credential });
  }

  list(): PresentedCredential[] {
    return [...this.seen.values()];
  }
}
