// What a real cluster cannot tell afterwards: evictions and deletions that left a PDB below its minimum,
// or a workload of several replicas that no PDB covers with none Ready, controller pods lost with their
// machine, and machine time per pool. Tests and benchmarks assert on it.

export interface PdbViolation {
  at: string;
  cluster: string;
  namespace: string;
  pdb: string;
  pod: string;
  cause: string;
  currentHealthy: number;
  desiredHealthy: number;
}

/** A workload of several replicas, no PDB covering it, left with no Ready replica by a disruption. */
export interface WorkloadOutage {
  at: string;
  cluster: string;
  namespace: string;
  /** "Deployment shop/web", as a person names it. */
  workload: string;
  pod: string;
  cause: string;
}

export interface LostPod {
  at: string;
  cluster: string;
  namespace: string;
  pod: string;
  owner: { kind: string; name: string };
  node: string;
  reason: string;
}

/** When a machine ran (epoch ms): from its kubelet registering to its deletion; `to` absent while it runs. */
export interface MachineInterval {
  cluster: string;
  pool: string;
  machine: string;
  from: number;
  to?: number;
}

export interface PoolNodeHours {
  cluster: string;
  pool: string;
  nodeHours: number;
  machines: number;
}

export interface LedgerSnapshot {
  pdbViolations: PdbViolation[];
  outages: WorkloadOutage[];
  lostPods: LostPod[];
  nodeHours: PoolNodeHours[];
  /** Every machine's running time, in the order they started: the pools' history over time. */
  machines: MachineInterval[];
}

export class Ledger {
  readonly pdbViolations: PdbViolation[] = [];
  readonly outages: WorkloadOutage[] = [];
  readonly lostPods: LostPod[] = [];
  private readonly intervals = new Map<string, MachineInterval>();
  private readonly closed: MachineInterval[] = [];

  recordViolation(violation: PdbViolation): void {
    this.pdbViolations.push(violation);
  }

  recordOutage(outage: WorkloadOutage): void {
    this.outages.push(outage);
  }

  recordLostPod(lost: LostPod): void {
    this.lostPods.push(lost);
  }

  machineStarted(cluster: string, pool: string, machine: string, at: number): void {
    this.intervals.set(`${cluster}/${machine}`, { cluster, pool, machine, from: at });
  }

  machineStopped(cluster: string, machine: string, at: number): void {
    const key = `${cluster}/${machine}`;
    const interval = this.intervals.get(key);
    if (!interval) return;
    this.intervals.delete(key);
    this.closed.push({ ...interval, to: at });
  }

  machines(): MachineInterval[] {
    return [...this.closed, ...this.intervals.values()]
      .map((interval) => ({ ...interval }))
      .sort((a, b) => a.from - b.from);
  }

  nodeHours(now: number): PoolNodeHours[] {
    const byPool = new Map<string, PoolNodeHours>();
    for (const interval of this.machines()) {
      const key = `${interval.cluster}/${interval.pool}`;
      const entry = byPool.get(key) ?? {
        cluster: interval.cluster,
        pool: interval.pool,
        nodeHours: 0,
        machines: 0,
      };
      entry.nodeHours += ((interval.to ?? now) - interval.from) / 3_600_000;
      entry.machines++;
      byPool.set(key, entry);
    }
    return [...byPool.values()]
      .map((e) => ({ ...e, nodeHours: Math.round(e.nodeHours * 1000) / 1000 }))
      .sort((a, b) => `${a.cluster}/${a.pool}`.localeCompare(`${b.cluster}/${b.pool}`));
  }

  snapshot(now: number): LedgerSnapshot {
    return {
      pdbViolations: [...this.pdbViolations],
      outages: [...this.outages],
      lostPods: [...this.lostPods],
      nodeHours: this.nodeHours(now),
      machines: this.machines(),
    };
  }
}
