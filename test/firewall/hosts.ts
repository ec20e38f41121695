// A minimal multi-host network for the firewall conformance suite: each host is a network namespace with
// one interface (eth0) on a shared bridge (in its own hub namespace), doc-range v4/v6 addresses and
// on-link routes for all the doc ranges. It is the subset of the lab API (test/lab) the firewall needs
// (host.exec, host.spawn, tcp probes), kept here until the lab lands; every name carries a per-run prefix
// and everything is removed in destroy().
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { run, type Runner } from "../../src/system/exec.js";
import { createNetns, type Netns } from "./netns.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export type ProbeResult = "open" | "refused" | "timeout";

export interface FwHost {
  name: string;
  v4: string;
  v6: string;
  run: Runner;
  /** TCP connect from this host: open / refused (RST, unreachable) / timeout (dropped) */
  probe(addr: string, port: number, timeoutMs?: number): Promise<ProbeResult>;
  /** listen on these TCP ports (v4 and v6) until the network is destroyed */
  listen(ports: number[]): Promise<void>;
}

export class FwNet {
  private hub: Netns | undefined;
  private readonly spaces: Netns[] = [];
  private readonly children: ChildProcess[] = [];

  async host(name: string, v4: string, v6: string): Promise<FwHost> {
    if (!this.hub) {
      this.hub = await createNetns();
      await this.hub.run(["ip", "link", "add", "br0", "type", "bridge"]);
      await this.hub.run(["ip", "link", "set", "br0", "up"]);
    }
    const ns = await createNetns();
    this.spaces.push(ns);
    const peer = `p${this.spaces.length}`;
    await run(["ip", "-n", ns.name, "link", "add", "eth0", "type", "veth", "peer", "name", peer, "netns", this.hub.name]);
    await this.hub.run(["ip", "link", "set", peer, "master", "br0", "up"]);
    await ns.run(["ip", "addr", "add", `${v4}/24`, "dev", "eth0"]);
    await ns.run(["ip", "-6", "addr", "add", `${v6}/64`, "dev", "eth0", "nodad"]);
    await ns.run(["ip", "link", "set", "eth0", "up"]);
    for (const net of ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"]) {
      if (!sameNet24(net, v4)) await ns.run(["ip", "route", "add", net, "dev", "eth0"]);
    }
    await ns.run(["ip", "-6", "route", "add", "2001:db8::/32", "dev", "eth0"]);
    const children = this.children;
    return {
      name,
      v4,
      v6,
      run: ns.run,
      probe: async (addr, port, timeoutMs = 800) => {
        const r = await ns.run([process.execPath, path.join(HERE, "probe.mjs"), addr, String(port), String(timeoutMs)], {
          okCodes: "any",
          timeoutMs: timeoutMs + 10_000,
        });
        return r.code === 0 ? "open" : r.code === 1 ? "refused" : "timeout";
      },
      listen: (ports) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn("ip", ["netns", "exec", ns.name, process.execPath, path.join(HERE, "listen.mjs"), ports.join(",")], {
            stdio: ["ignore", "pipe", "inherit"],
          });
          children.push(child);
          child.on("error", reject);
          child.stdout?.on("data", (b: Buffer) => {
            if (b.toString().includes("ready")) resolve();
          });
          child.on("exit", (code) => reject(new Error(`listener in ${name} exited (${code})`)));
        }),
    };
  }

  async destroy(): Promise<void> {
    for (const c of this.children) c.kill("SIGKILL");
    for (const ns of this.spaces) await ns.destroy();
    await this.hub?.destroy();
  }
}

function sameNet24(net: string, addr: string): boolean {
  return net.split(".").slice(0, 3).join(".") === addr.split(".").slice(0, 3).join(".");
}
