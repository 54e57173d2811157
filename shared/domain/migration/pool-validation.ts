// What validating a new pool found: the evidence gate "cutover" shows its approver.

export interface NodeEvidence {
  name: string;
  ready: boolean;
  osSku?: string;
  /** Cordoned or tainted by AKS (a node it could not finish setting up). */
  quarantined: boolean;
}

export interface DaemonSetEvidence {
  namespace: string;
  name: string;
  /** Pods expected on the new pool's nodes, and those running and ready. */
  expected: number;
  ready: number;
  /** Pods crash-looping there, with the reason the kubelet gives. */
  failing: string[];
}

/** settled: nothing is still starting; ok: settled and every check passed. */
export interface ValidationEvidence {
  ok: boolean;
  settled: boolean;
  nodes: NodeEvidence[];
  daemonSets: DaemonSetEvidence[];
  smokePod?: { name: string; phase: string };
  problems: string[];
}
