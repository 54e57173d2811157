// Agents bound to the node's kernel, recognised by container image. A new node image brings a new
// kernel (Azure Linux 2: 5.15, Azure Linux 3: 6.6; https://github.com/microsoft/azurelinux) and container
// runtime, so these are what the seed article means by "test the agent on the new image first".
// Patterns match the image repository (registry and path, lower case, tag and digest removed).

export interface KernelAgentPattern {
  agent: string;
  image: RegExp;
  /** Set when the image alone does not tell: the agent is one container of a multi-purpose image. */
  container?: RegExp;
  why: string;
}

const EBPF_WHY =
  "loads eBPF programs into the host kernel; which hooks and helpers exist, and whether BTF is available, changes with the kernel version";

export const KERNEL_AGENT_PATTERNS: readonly KernelAgentPattern[] = [
  {
    agent: "Falco",
    image: /(^|\/)falco(-driver-loader(-legacy)?|-no-driver|-distroless)?$/,
    why: "loads a kernel module or eBPF probe built for the exact running kernel; a new kernel needs a matching driver or Falco fails to start",
  },
  { agent: "Tetragon", image: /(^|\/)cilium\/tetragon$/, why: EBPF_WHY },
  {
    agent: "Cilium",
    image: /(^|\/)cilium\/cilium(-envoy)?$/,
    why: "its eBPF datapath replaces kube-proxy and CNI plumbing in the host kernel; each Cilium version has a minimum kernel and feature set",
  },
  {
    agent: "Pixie",
    image: /pixie-oss\/.*pem_image$/,
    why: "the Pixie edge module attaches eBPF kprobes and uprobes and needs kernel headers or BTF for the running kernel",
  },
  { agent: "Parca Agent", image: /(^|\/)parca-dev\/parca-agent$/, why: EBPF_WHY },
  { agent: "Pyroscope eBPF", image: /pyroscope[^/]*ebpf|ebpf[^/]*pyroscope/, why: EBPF_WHY },
  { agent: "Grafana Beyla", image: /(^|\/)grafana\/beyla$/, why: EBPF_WHY },
  { agent: "Inspektor Gadget", image: /(^|\/)inspektor-gadget\/inspektor-gadget$/, why: EBPF_WHY },
  { agent: "Aqua Tracee", image: /(^|\/)aquasec\/tracee$/, why: EBPF_WHY },
  {
    agent: "Sysdig agent",
    image: /(^|\/)sysdig\/agent(-slim|-kmodule)?$/,
    why: "captures system calls with a kernel module or eBPF probe built per kernel version",
  },
  {
    agent: "Aqua Enforcer",
    image: /(^|\/)aquasec\/enforcer$|(^|\/)registry\.aquasec\.com\/enforcer$/,
    why: "enforces runtime policy from the host with kernel-level hooks (eBPF or kernel module) that depend on the kernel version",
  },
  {
    agent: "Prisma Cloud Defender (Twistlock)",
    image: /twistlock\/defender$/,
    why: "runs privileged on the host and hooks the kernel and container runtime; each Defender release supports a list of kernels and runtimes",
  },
  {
    agent: "CrowdStrike Falcon sensor",
    image: /(^|\/)falcon-sensor$/,
    why: "the Linux sensor runs in kernel mode or with eBPF, and kernel-mode sensors support only listed kernel versions",
  },
  {
    agent: "Datadog system-probe",
    image: /(^|\/)(datadoghq|datadog)\/agent$/,
    container: /^system-probe$/,
    why: "system-probe (network monitoring, USM, runtime security) compiles or relocates eBPF programs for the running kernel",
  },
  {
    agent: "Dynatrace OneAgent",
    image: /(^|\/)dynatrace\/(dynatrace-)?oneagent$|(^|\/)linux\/oneagent$/,
    why: "full-stack OneAgent instruments the host and its processes from the kernel up; each release supports listed kernels and OS versions",
  },
  {
    agent: "Microsoft Defender for Containers sensor",
    image: /(^|\/)azuredefender\//,
    why: "collects kernel events with eBPF; each sensor version supports a list of kernels (when AKS manages it as an add-on, AKS keeps it compatible)",
  },
  {
    agent: "NeuVector Enforcer",
    image: /(^|\/)neuvector\/enforcer$/,
    why: "inspects and filters traffic from the host network stack with kernel features that vary by kernel",
  },
  {
    agent: "KubeArmor",
    image: /(^|\/)kubearmor\/kubearmor$/,
    why: "enforces with the Linux security modules the host kernel offers (AppArmor, BPF-LSM, SELinux), which differ between OS images",
  },
  {
    agent: "NVIDIA GPU driver",
    image: /(^|\/)nvidia\/driver$/,
    why: "builds or loads the NVIDIA kernel module for the running kernel; a new kernel needs a matching driver build",
  },
];

/** "quay.io/cilium/cilium:v1.15.0@sha256:…" -> "quay.io/cilium/cilium" */
export function imageRepository(image: string): string {
  const withoutDigest = image.split("@")[0] ?? "";
  const lastSlash = withoutDigest.lastIndexOf("/");
  const tagColon = withoutDigest.indexOf(":", lastSlash + 1);
  return (tagColon === -1 ? withoutDigest : withoutDigest.slice(0, tagColon)).toLowerCase();
}

export function kernelAgentFor(container: { name: string; image?: string }): KernelAgentPattern | undefined {
  if (container.image === undefined) return undefined;
  const repository = imageRepository(container.image);
  return KERNEL_AGENT_PATTERNS.find(
    (pattern) =>
      pattern.image.test(repository) &&
      (pattern.container === undefined || pattern.container.test(container.name)),
  );
}
