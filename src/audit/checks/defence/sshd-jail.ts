// DEF-SSHD-JAIL: an sshd jail is enabled AND can read its log. rampart's policy (guard.jails.sshd) or
// fail2ban's [sshd] jail. With a file backend the log file must exist: Debian 12 has no /var/log/auth.log
// without rsyslog, and fail2ban's stock sshd jail (backend auto) then refuses to start — a jail that looks
// enabled and protects nothing. The journal counts when the backend reads it (systemd / journald / auto
// for rampart, which falls back to journald).
import type { AuditContext, Check, Outcome } from "../../types.js";
import { jailValue, readFail2banJails } from "./fail2ban-config.js";

const AUTH_LOG = "/var/log/auth.log";

async function journalPresent(ctx: AuditContext): Promise<string | undefined> {
  for (const d of ["/var/log/journal", "/run/log/journal"]) if (await ctx.fs.exists(d)) return d;
  return undefined;
}

const truthy = (v: string | undefined) => v !== undefined && /^(true|yes|1|on)$/i.test(v.trim());

export const defSshdJail: Check = {
  id: "DEF-SSHD-JAIL",
  area: "defence",
  title: "An sshd jail is enabled and its log source exists",
  severity: "medium",
  remediation:
    "rampart: keep guard.jails.sshd in the policy (logpath auto reads the journal when /var/log/auth.log is absent). fail2ban on Debian 12: add `backend = systemd` to [sshd] in /etc/fail2ban/jail.local (or install rsyslog for /var/log/auth.log), then `systemctl restart fail2ban`.",
  refs: ["Lynis TOOL-5190", "https://github.com/fail2ban/fail2ban/issues/3292 (Debian 12: no auth.log)"],
  async run(ctx) {
    const journal = await journalPresent(ctx);
    const authLog = await ctx.fs.exists(AUTH_LOG);
    const ok: string[] = [];
    const broken: string[] = [];
    const sources: string[] = [];
    // rampart's own jail
    const jail = ctx.policyFromFile && ctx.policy.guard.enabled ? ctx.policy.guard.jails.sshd : undefined;
    if (jail?.enabled) {
      sources.push("policy guard.jails.sshd");
      if (jail.logpath) {
        if (await ctx.fs.exists(jail.logpath)) ok.push(`rampart sshd jail: ${jail.logpath}`);
        else broken.push(`rampart sshd jail: logpath ${jail.logpath} does not exist`);
      } else if (jail.backend === "journald" || jail.backend === "auto") {
        if (jail.backend === "auto" && authLog) ok.push(`rampart sshd jail: ${AUTH_LOG}`);
        else if (journal) ok.push(`rampart sshd jail: journald (${journal})`);
        else broken.push(`rampart sshd jail: backend ${jail.backend} but neither ${AUTH_LOG} nor a journal exists`);
      } else if (authLog) ok.push(`rampart sshd jail: ${AUTH_LOG}`);
      else broken.push(`rampart sshd jail: backend file but ${AUTH_LOG} does not exist`);
    }
    // fail2ban's
    const f2b = await readFail2banJails(ctx);
    if (f2b) {
      const enabled = jailValue(f2b.ini, "sshd", "enabled");
      if (truthy(enabled?.value)) {
        const backend = jailValue(f2b.ini, "sshd", "backend");
        const logpath = jailValue(f2b.ini, "sshd", "logpath");
        sources.push(enabled?.source ?? "", backend?.source ?? "", logpath?.source ?? "");
        const be = (backend?.value ?? "auto").split(/[\s[]/)[0] ?? "auto";
        if (be === "systemd") {
          if (journal) ok.push(`fail2ban [sshd]: backend systemd (${journal})`);
          else broken.push("fail2ban [sshd]: backend systemd but no journal directory");
        } else {
          const paths = (logpath?.value ?? "").split(/\s+/).filter((p) => p.startsWith("/"));
          const existing: string[] = [];
          for (const p of paths) if (p.includes("*") || (await ctx.fs.exists(p))) existing.push(p);
          if (existing.length > 0) ok.push(`fail2ban [sshd]: backend ${be}, ${existing.join(" ")}`);
          else
            broken.push(
              `fail2ban [sshd]: backend ${be} but logpath ${paths.join(" ") || "(none)"} does not exist — fail2ban will not start`,
            );
        }
      } else if (enabled) sources.push(enabled.source);
    }
    const expected = "an enabled sshd jail whose log (file or journal) exists";
    const source = sources.filter(Boolean).join(", ") || "policy guard.jails, /etc/fail2ban/jail.{conf,local,d}";
    if (ok.length > 0) return { status: "pass", observed: [...ok, ...broken], expected, source } satisfies Outcome;
    if (broken.length > 0) return { status: "fail", observed: broken, expected, source, reason: "the sshd jail cannot read its log" };
    return { status: "fail", observed: "no enabled sshd jail", expected, source };
  },
};
