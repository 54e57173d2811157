import { describe, expect, it } from "vitest";
import {
  imageRepository,
  KERNEL_AGENT_PATTERNS,
  kernelAgentFor,
} from "../../shared/domain/risk/kernel-agents.ts";

describe("kernelAgentFor", () => {
  const recognised: Array<[string, string, string]> = [
    ["docker.io/falcosecurity/falco:0.39.2", "falco", "Falco"],
    ["falcosecurity/falco-driver-loader:0.39.2", "falco-driver-loader", "Falco"],
    ["quay.io/cilium/tetragon:v1.2.0", "tetragon", "Tetragon"],
    ["quay.io/cilium/cilium:v1.16.3@sha256:0123abcd", "cilium-agent", "Cilium"],
    ["quay.io/cilium/cilium-envoy:v1.30.7", "cilium-envoy", "Cilium"],
    ["gcr.io/pixie-oss/pixie-prod/vizier-pem_image:0.14.12", "pem", "Pixie"],
    ["ghcr.io/parca-dev/parca-agent:v0.35.0", "parca-agent", "Parca Agent"],
    ["grafana/pyroscope-ebpf:0.4.0", "pyroscope", "Pyroscope eBPF"],
    ["grafana/beyla:1.8.4", "beyla", "Grafana Beyla"],
    ["ghcr.io/inspektor-gadget/inspektor-gadget:v0.34.0", "gadget", "Inspektor Gadget"],
    ["aquasec/tracee:0.22.0", "tracee", "Aqua Tracee"],
    ["quay.io/sysdig/agent-slim:13.5.0", "sysdig", "Sysdig agent"],
    ["registry.aquasec.com/enforcer:2022.4", "enforcer", "Aqua Enforcer"],
    [
      "registry-auth.twistlock.com/tw_token/twistlock/defender:defender_32_07_123",
      "twistlock-defender",
      "Prisma Cloud Defender (Twistlock)",
    ],
    [
      "registry.crowdstrike.com/falcon-sensor/us-1/release/falcon-sensor:7.18.0",
      "falcon-node-sensor",
      "CrowdStrike Falcon sensor",
    ],
    ["gcr.io/datadoghq/agent:7.60.0", "system-probe", "Datadog system-probe"],
    ["docker.io/dynatrace/oneagent:1.301", "oneagent", "Dynatrace OneAgent"],
    ["abc12345.live.dynatrace.com/linux/oneagent:latest", "oneagent", "Dynatrace OneAgent"],
    [
      "mcr.microsoft.com/azuredefender/stable/low-level-collector:1.3.81",
      "collector",
      "Microsoft Defender for Containers sensor",
    ],
    ["docker.io/neuvector/enforcer:5.4.0", "enforcer", "NeuVector Enforcer"],
    ["kubearmor/kubearmor:stable", "kubearmor", "KubeArmor"],
    ["nvcr.io/nvidia/driver:550.127.05-ubuntu22.04", "nvidia-driver-ctr", "NVIDIA GPU driver"],
  ];
  it.each(recognised)("%s (container %s) is %s", (image, name, agent) => {
    expect(kernelAgentFor({ name, image })?.agent).toBe(agent);
  });

  const notAgents: Array<[string, string]> = [
    ["gcr.io/datadoghq/agent:7.60.0", "agent"],
    ["falcosecurity/falcosidekick:2.29.0", "falcosidekick"],
    ["quay.io/cilium/operator-generic:v1.16.3", "cilium-operator"],
    ["mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.31.2", "kube-proxy"],
    ["cr.fluentbit.io/fluent/fluent-bit:3.1.9", "fluent-bit"],
    ["nginx", "nginx"],
  ];
  it.each(notAgents)("%s (container %s) is not a kernel-bound agent", (image, name) => {
    expect(kernelAgentFor({ name, image })).toBeUndefined();
  });

  it("says nothing about a container without an image", () => {
    expect(kernelAgentFor({ name: "system-probe" })).toBeUndefined();
  });

  it("gives every pattern a reason", () => {
    for (const pattern of KERNEL_AGENT_PATTERNS) expect(pattern.why.length).toBeGreaterThan(40);
  });
});

describe("imageRepository", () => {
  const table: Array<[string, string]> = [
    ["nginx", "nginx"],
    ["nginx:1.27", "nginx"],
    ["localhost:5000/team/app:2", "localhost:5000/team/app"],
    ["localhost:5000/team/app", "localhost:5000/team/app"],
    ["Quay.io/Cilium/Cilium:v1@sha256:ff", "quay.io/cilium/cilium"],
    ["quay.io/cilium/cilium@sha256:ff", "quay.io/cilium/cilium"],
  ];
  it.each(table)("%s -> %s", (image, repository) => {
    expect(imageRepository(image)).toBe(repository);
  });
});
