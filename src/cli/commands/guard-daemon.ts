// `rampart guard run | status | bans | ban | unban | metrics`: the daemon and its controls over the root-only
// socket. (`guard test` and `guard import-fail2ban` are registered in guard.ts.)
import type { Command } from "commander";
import { RampartError } from "../../core/errors.js";
import { PERMANENT } from "../../firewall/gate.js";
import type { Context } from "../../system/context.js";
import { examples } from "./types.js";

// what the daemon answers (type-only imports: the CLI does not load the daemon to talk to it)
type StatusView = import("../../guard/status.js").GuardStatus;
type BanView = import("../../guard/state.js").BanRecord;

const socketOption = (c: Command) => c.option("--socket <path>", "control socket", "/run/rampart/guard.sock");

export function registerGuardDaemon(guard: Command, context: () => Context): void {
  examples(
    socketOption(
      guard
        .command("run")
        .description("run the daemon in the foreground (systemd runs this); --detach without systemd")
        .option("--policy <file>", "policy file (default: /etc/rampart/policy.yaml, else the built-in baseline)")
        .option("--state <file>", "state database", "/var/lib/rampart/state.db")
        .option("--detach", "start in the background (new session, log in /var/log/rampart/guard.log)"),
    ).action(async (o: { policy?: string; state: string; detach?: boolean; socket: string }) => {
      const ctx = context();
      if (o.detach) {
        const { detachGuard } = await import("../../guard/run.js");
        const pid = detachGuard(process.argv.slice(1));
        ctx.out(`guard started in the background (pid ${pid}); log: /var/log/rampart/guard.log`);
        return;
      }
      // the policy is read in a worker thread: the daemon does not carry the YAML and schema libraries
      const { resolvePolicyApart } = await import("../../policy/resolve-apart.js");
      const { runGuardForeground } = await import("../../guard/run.js");
      const fs = ctx.fs();
      const { policy, file } = await resolvePolicyApart(fs.root, o.policy);
      if (!file) ctx.log.warn("no policy file: guarding with the built-in baseline (sshd jail)");
      await runGuardForeground({ policy, fs, run: ctx.run, clock: ctx.clock, log: ctx.log, socketPath: o.socket, stateFile: o.state });
    }),
    [
      "rampart guard run",
      "rampart --log-format json guard run --policy /etc/rampart/policy.yaml",
      "# guard.report (AbuseIPDB, blocklist.de, webhook): key files must be chmod 600; see `rampart guard status`",
    ],
  );

  socketOption(guard.command("status").description("sources, jails, counters, latency, reports").option("--json", "JSON output")).action(
    async (o: { json?: boolean; socket: string }) => {
      const ctx = context();
      const s = (await call({ cmd: "status" }, o.socket)) as StatusView;
      if (o.json) return ctx.out(JSON.stringify(s, null, 2));
      ctx.out(`guard running since ${s.startedAt}; ${s.lines} lines read; ${s.activeBans} active bans (${s.enforcer})`);
      if (s.latencyMs.p50 !== undefined) ctx.out(`ban latency: p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms`);
      for (const src of s.sources) {
        const flag = src.state === "reading" ? "ok" : src.state.toUpperCase();
        const dropped = [src.tooLong ? `${src.tooLong} too long` : "", src.untrusted ? `${src.untrusted} from untrusted senders` : ""]
          .filter(Boolean)
          .join(", ");
        ctx.out(
          `source ${src.target} [${src.kind}]: ${flag}, ${src.lines} lines${dropped ? ` (dropped: ${dropped})` : ""}${src.error ? ` — ${src.error}` : ""}`,
        );
      }
      for (const j of s.jails) ctx.out(`jail ${j.name} (${j.filter}): ${j.matches} failures, ${j.bans} bans, ${j.tracked} sources counted`);
      if (s.share) {
        const sh = s.share;
        ctx.out(
          `share ${sh.url}: ${sh.connected ? `connected ${sh.host !== undefined ? `as host ${sh.host}` : "as the schema owner (decisions unverified)"}` : `DISCONNECTED${sh.lastError ? ` (${sh.lastError})` : ""}`}, last id ${sh.lastId}, outbox ${sh.outbox}, ${sh.published} published, ${sh.received} received${sh.ignored ? `, ${sh.ignored} ignored` : ""}`,
        );
      }
      for (const r of s.reports?.reporters ?? [])
        ctx.out(
          `report ${r.name}: ${r.sent} sent, ${r.failed} failed, ${r.throttled} throttled, ${r.queued} waiting${r.lastError ? ` (last error: ${r.lastError})` : ""}`,
        );
      for (const r of s.reports?.disabled ?? []) ctx.out(`report ${r.name}: DISABLED — ${r.error}`);
      if (s.reports?.skipped) ctx.out(`reports skipped (private, documentation, ignored, own or received bans): ${s.reports.skipped}`);
      if (s.adminSessions.length) ctx.out(`never banned (admin sessions): ${s.adminSessions.join(", ")}`);
      if (s.kernel.kernelErrors)
        ctx.out(`WARNING: ${s.kernel.kernelErrors} kernel error(s), last: ${s.kernel.lastKernelError ?? "see the guard's log"}`);
      if (s.kernel.refused) {
        ctx.out(`refused bans: ${s.kernel.refused}; the latest:`);
        for (const r of s.kernel.recentRefusals.slice(-5)) ctx.out(`  ${r.at}  ${r.target}: ${r.reason}`);
      }
      if (s.quarantined.length) {
        ctx.out(`quarantined (stored, never loaded; \`rampart guard unban TARGET\` removes one): ${s.kernel.quarantined}`);
        for (const q of s.quarantined.slice(0, 10)) ctx.out(`  ${q.target} [${q.jail}]: ${q.problem}`);
      }
      if (s.sources.some((x) => x.state !== "reading") || s.reports?.disabled?.length) process.exitCode = 1;
    },
  );

  socketOption(guard.command("bans").description("active bans").option("--json", "JSON output")).action(
    async (o: { json?: boolean; socket: string }) => {
      const ctx = context();
      const bans = (await call({ cmd: "bans" }, o.socket)) as BanView[];
      if (o.json) return ctx.out(JSON.stringify(bans, null, 2));
      if (bans.length === 0) return ctx.out("no active bans");
      for (const b of bans) {
        const left = b.expiresAt >= PERMANENT ? "permanent" : `${Math.max(0, Math.round((b.expiresAt - ctx.clock.now()) / 1000))} s left`;
        ctx.out(`${b.target.padEnd(24)} ${b.jail.padEnd(10)} ${left.padStart(12)}  #${b.offense}  ${b.origin}  ${b.reason}`);
      }
    },
  );

  examples(
    socketOption(
      guard
        .command("ban")
        .description("ban an address or CIDR by hand")
        .argument("<ip>", "address or CIDR")
        .option("--jail <jail>", "jail to record it in", "manual")
        .option("--for <duration>", "how long (600, 10m, 1h, 1w, permanent); default: the jail's bantime or 10m"),
    ).action(async (ip: string, o: { jail: string; for?: string; socket: string }) => {
      const ctx = context();
      const { durationArg } = await import("../../guard/daemon.js");
      const seconds = o.for === undefined ? undefined : durationArg(o.for, "--for");
      const b = (await call({ cmd: "ban", target: ip, jail: o.jail, ...(seconds !== undefined ? { seconds } : {}) }, o.socket)) as BanView;
      ctx.out(`banned ${b.target} ${b.expiresAt >= PERMANENT ? "permanently" : `until ${new Date(b.expiresAt).toISOString()}`}`);
    }),
    [
      "rampart guard ban 198.51.100.7 --for 1h",
      "rampart guard ban 2001:db8:bad::/64 --for permanent",
      "# refused (exit 1, nothing loaded): wider than guard.minPrefix, or holding this host's, an admin's or an ignored address",
    ],
  );

  socketOption(
    guard.command("unban").description("lift a ban").argument("[ip]", "address or CIDR").option("--all", "lift every ban"),
  ).action(async (ip: string | undefined, o: { all?: boolean; socket: string }) => {
    const ctx = context();
    if (!ip && !o.all) throw new RampartError("USAGE", "give an address to unban, or --all", { hint: "rampart guard unban 198.51.100.7" });
    const lifted = (await call({ cmd: "unban", ...(ip ? { target: ip } : {}), all: o.all === true }, o.socket)) as string[];
    ctx.out(lifted.length ? `unbanned ${lifted.join(", ")}` : "no bans to lift");
  });

  socketOption(guard.command("metrics").description("Prometheus metrics: lines, matches, bans, ban latency, reports")).action(
    async (o: { socket: string }) => {
      context().out((await call({ cmd: "metrics" }, o.socket)) as string);
    },
  );
}

async function call(req: import("../../guard/control.js").ControlRequest, socket: string): Promise<unknown> {
  const { callGuard } = await import("../../guard/control.js");
  return callGuard(req, socket);
}
