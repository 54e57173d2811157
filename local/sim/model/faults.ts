// Faults injected from the scenario or at run time (admin API). Each is an explicit, inspectable record;
// the twin's layers ask "does a fault apply here?" at the moment a real system would fail.

import { type FaultInput, type FaultSpec, faultSchema } from "../scenario/schema.ts";

export interface ActiveFault {
  id: string;
  spec: FaultSpec;
  /** Firings left for faults limited by `times`. */
  remaining?: number;
  fired: number;
}

type Kind = FaultSpec["kind"];
type FaultOf<K extends Kind> = Extract<FaultSpec, { kind: K }>;

export class FaultRegistry {
  private readonly faults = new Map<string, ActiveFault>();
  private nextId = 1;
  private changes = 0;
  private readonly listeners = new Set<(fault: ActiveFault, change: "added" | "removed") => void>();

  /** Validates and activates a fault; throws a ZodError-derived message on bad input. */
  add(input: FaultInput): ActiveFault {
    const spec = faultSchema.parse(input);
    const times = "times" in spec ? spec.times : undefined;
    const fault: ActiveFault = {
      id: `fault-${this.nextId++}`,
      spec,
      fired: 0,
      ...(times ? { remaining: times } : {}),
    };
    this.faults.set(fault.id, fault);
    this.changes++;
    for (const listener of this.listeners) listener(fault, "added");
    return fault;
  }

  remove(id: string): boolean {
    const fault = this.faults.get(id);
    if (!fault) return false;
    this.faults.delete(id);
    this.changes++;
    for (const listener of this.listeners) listener(fault, "removed");
    return true;
  }

  /** Counts additions and removals: what a controller that consults faults compares. */
  get version(): number {
    return this.changes;
  }

  list(): ActiveFault[] {
    return [...this.faults.values()];
  }

  onChange(listener: (fault: ActiveFault, change: "added" | "removed") => void): void {
    this.listeners.add(listener);
  }

  /** Faults of one kind that match, without consuming them. */
  active<K extends Kind>(kind: K, match: (spec: FaultOf<K>) => boolean): Array<FaultOf<K>> {
    const out: Array<FaultOf<K>> = [];
    for (const fault of this.faults.values()) {
      if (fault.spec.kind === kind && match(fault.spec as FaultOf<K>)) out.push(fault.spec as FaultOf<K>);
    }
    return out;
  }

  /** The first matching fault of a kind, counted as fired (and retired once its `times` run out). */
  take<K extends Kind>(kind: K, match: (spec: FaultOf<K>) => boolean): FaultOf<K> | undefined {
    for (const fault of this.faults.values()) {
      if (fault.spec.kind !== kind || !match(fault.spec as FaultOf<K>)) continue;
      fault.fired++;
      if (fault.remaining !== undefined && --fault.remaining <= 0) this.remove(fault.id);
      return fault.spec as FaultOf<K>;
    }
    return undefined;
  }
}

/** Whether a request-level fault (method and path filters) applies to a request. */
export function requestMatches(
  spec: { method?: string; pathContains?: string },
  method: string,
  path: string,
): boolean {
  return (
    (spec.method === undefined || spec.method === method) &&
    (spec.pathContains === undefined || path.includes(spec.pathContains))
  );
}
