// Is this host meant to route? Docker, containerd, Podman, libvirt, LXD/Incus and Kubernetes need IP
// forwarding for their guests, and a policy may say so (`firewall.forward: true`, `sysctl.ipForward`; the
// caller passes those two values in). Shared by KERN-IP-FORWARD, KERN-SYSCTL-PERSISTED and apply's sysctl part.
import { installedOf, packages } from "./packages.js";
import type { FactContext } from "./context.js";

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

/** What the policy says about routing: `sysctl.ipForward` (when set) and `firewall.forward`. */
export interface RoutingPolicy {
  ipForward: boolean | undefined;
  forward: boolean;
}

export async function forwardingContext(ctx: FactContext, said: RoutingPolicy): Promise<ForwardingContext> {
  const explicit = said.ipForward;
  if (explicit !== undefined) return { expected: explicit, why: `policy sysctl.ipForward: ${explicit}` };
  if (said.forward) return { expected: true, why: "policy firewall.forward: true" };
  const found = await routingRuntimes(ctx);
  if (found.length) return { expected: true, why: `container/VM host: ${found.join(", ")}` };
  return { expected: false, why: "no container or VM runtime, and the policy does not route" };
}

/** The container and VM runtimes installed (package with its source) or present (binary, socket). */
export function routingRuntimes(ctx: FactContext): Promise<string[]> {
  return ctx.memo("kernel:routing-runtimes", async () => {
    const [db, paths] = await Promise.all([
      packages(ctx),
      Promise.all(ROUTING_PATHS.map(async (p) => ((await ctx.fs.exists(p)) ? p : undefined))),
    ]);
    const pkgs = installedOf(db, ROUTING_PACKAGES).map((p) => `${p.name} (${p.source})`);
    return [...pkgs, ...paths.filter((p): p is string => p !== undefined)];
  });
}
