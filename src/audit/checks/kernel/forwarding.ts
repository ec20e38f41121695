// Is this host meant to route? Docker, containerd, Podman, libvirt, LXD/Incus and Kubernetes need IP
// forwarding for their guests, and a policy may say so (`firewall.forward: true`, `sysctl.ipForward`).
// Shared by KERN-IP-FORWARD and KERN-SYSCTL-PERSISTED.
import { installedOf, packages } from "../../facts/packages.js";
import type { AuditContext } from "../../types.js";

const ROUTING_PACKAGES = [
  "docker.io",
  "docker-ce",
  "moby-engine",
  "containerd",
  "containerd.io",
  "podman",
  "libvirt-daemon-system",
  "libvirt-daemon",
  "lxd",
  "incus",
  "kubelet",
];
const ROUTING_PATHS = [
  "/usr/bin/dockerd",
  "/usr/local/bin/dockerd",
  "/usr/bin/containerd",
  "/usr/local/bin/containerd",
  "/usr/sbin/libvirtd",
  "/usr/local/bin/k3s",
  "/run/docker.sock",
];

export interface ForwardingContext {
  /** true = forwarding expected on; false = expected off */
  expected: boolean;
  /** why (for evidence) */
  why: string;
}

export function forwardingContext(ctx: AuditContext): Promise<ForwardingContext> {
  return ctx.memo("kernel:forwarding-context", async () => {
    const explicit = ctx.policy.sysctl.ipForward;
    if (explicit !== undefined) return { expected: explicit, why: `policy sysctl.ipForward: ${explicit}` };
    if (ctx.policy.firewall.forward) return { expected: true, why: "policy firewall.forward: true" };
    const [db, paths] = await Promise.all([
      packages(ctx),
      Promise.all(ROUTING_PATHS.map(async (p) => ((await ctx.fs.exists(p)) ? p : undefined))),
    ]);
    const pkgs = installedOf(db, ROUTING_PACKAGES).map((p) => `${p.name} (${p.source})`);
    const found = [...pkgs, ...paths.filter((p): p is string => p !== undefined)];
    if (found.length) return { expected: true, why: `container/VM host: ${found.join(", ")}` };
    return { expected: false, why: "no container or VM runtime, and the policy does not route" };
  });
}
