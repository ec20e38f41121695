// Where sshd listens — dev-sec's sshd-07/08/09 ("specify the Port, the AddressFamily, a ListenAddress").
// None of them is a security control on its own: another port only quietens the logs (Lynis even calls 22
// weak), `AddressFamily inet` breaks IPv6 logins, and the firewall decides who reaches an sshd listening
// on every address. So the baseline asks only that the policy's own ssh.port is in effect; `audit.profile:
// strict` asks what dev-sec asks — each stated in the files, and no wildcard listen address.
import { setting } from "../../../sshd/effective.js";
import { keywordOfCheck } from "../../../sshd/settings.js";
import type { Check, Outcome } from "../../types.js";
import { isStrict } from "../../profile.js";
import { DEVSEC, LYNIS, factsOrSkip, isOutcome, viewFor, viewNotes } from "./setting.js";

const stated = (source: string) => !source.startsWith("default");
const withNotes = (o: Outcome, notes: string[]): Outcome => {
  const reason = [o.reason, ...notes].filter(Boolean).join(" — ");
  return reason ? { ...o, reason } : o;
};

export const port: Check = {
  id: "SSH-PORT",
  area: "ssh",
  title: "sshd listens on the port the policy names",
  severity: "low",
  remediation: "Set `ssh.port` in the policy and run `rampart apply --only ssh` (it writes `Port N` to 00-rampart.conf).",
  refs: [DEVSEC("sshd-07"), LYNIS("SSH-7408")],
  strict: "a Port line states the port: the policy's ssh.port, else 22 (dev-sec sshd-07)",
  async run(ctx) {
    const f = await factsOrSkip(ctx);
    if (isOutcome(f)) return f;
    const s = setting(viewFor(f, "unknown user"), keywordOfCheck("SSH-PORT"));
    const ports = s?.values ?? ["22"];
    const source = s?.source ?? "default";
    const want = String(ctx.policy.ssh.port ?? 22);
    const wrong = ports.length !== 1 || ports[0] !== want;
    const base = { observed: ports.join(" "), source };
    const notes = viewNotes(f);
    if (ctx.policy.ssh.port !== undefined && wrong)
      return withNotes(
        { status: "fail", ...base, expected: `Port ${want} (policy ssh.port)`, reason: "the policy's port is not in effect" },
        notes,
      );
    if (isStrict(ctx)) {
      const expected = `a Port line: ${want}`;
      if (!stated(source))
        return withNotes({ status: "fail", ...base, expected, reason: "no Port line: the port is OpenSSH's default" }, notes);
      if (wrong) return withNotes({ status: "fail", ...base, expected, reason: `listens on ${ports.join(", ")}` }, notes);
      return withNotes({ status: "pass", ...base, expected }, notes);
    }
    const expected = ctx.policy.ssh.port === undefined ? "any (the policy sets no ssh.port)" : `Port ${want}`;
    return withNotes({ status: "pass", ...base, expected }, notes);
  },
};

export const addressFamily: Check = {
  id: "SSH-ADDRESS-FAMILY",
  area: "ssh",
  title: "AddressFamily is any, inet or inet6",
  severity: "info",
  remediation: "State `AddressFamily any` (or `inet` on an IPv4-only host) in /etc/ssh/sshd_config.d/00-rampart.conf.",
  refs: [DEVSEC("sshd-08")],
  strict: "AddressFamily is stated in the files, not left to the default (dev-sec sshd-08)",
  async run(ctx) {
    const f = await factsOrSkip(ctx);
    if (isOutcome(f)) return f;
    const s = setting(viewFor(f, "unknown user"), keywordOfCheck("SSH-ADDRESS-FAMILY"));
    const value = s?.values[0] ?? "any";
    const source = s?.source ?? "default";
    const notes = viewNotes(f);
    const known = ["any", "inet", "inet6"].includes(value.toLowerCase());
    const expected = isStrict(ctx) ? "an AddressFamily line: any, inet or inet6" : "any, inet or inet6";
    if (!known) return withNotes({ status: "fail", observed: value, expected, source, reason: "not a value sshd knows" }, notes);
    if (isStrict(ctx) && !stated(source))
      return withNotes({ status: "fail", observed: value, expected, source, reason: "no AddressFamily line: left to the default" }, notes);
    return withNotes({ status: "pass", observed: value, expected, source }, notes);
  },
};

/** "0.0.0.0:22", "[::]:22", "192.0.2.1", "2001:db8::1" → the address part. */
export function listenHost(value: string): string {
  const first = value.trim().split(/\s+/)[0] ?? "";
  if (first.startsWith("[")) return first.slice(1, first.indexOf("]") > 0 ? first.indexOf("]") : undefined);
  return first.split(":").length === 2 ? (first.split(":")[0] ?? "") : first;
}

const WILDCARD = new Set(["0.0.0.0", "::", "*", ""]);

export const listenAddress: Check = {
  id: "SSH-LISTEN-ADDRESS",
  area: "ssh",
  title: "sshd listens on chosen addresses",
  severity: "low",
  remediation:
    "Add `ListenAddress ADDRESS` lines for the addresses admins use (e.g. a management network) in /etc/ssh/sshd_config.d/00-rampart.conf; keep the firewall rule for SSH either way.",
  refs: [DEVSEC("sshd-09")],
  strict: "no wildcard ListenAddress (0.0.0.0, ::): each address named (dev-sec sshd-09)",
  async run(ctx) {
    const f = await factsOrSkip(ctx);
    if (isOutcome(f)) return f;
    const s = setting(viewFor(f, "unknown user"), keywordOfCheck("SSH-LISTEN-ADDRESS"));
    const values = s?.values.length ? s.values : ["0.0.0.0", "::"];
    const source = s?.source ?? "default";
    const wild = values.filter((v) => WILDCARD.has(listenHost(v)));
    const notes = viewNotes(f);
    const expected = isStrict(ctx) ? "named addresses only" : "any (strict: named addresses only)";
    if (wild.length && isStrict(ctx))
      return withNotes(
        { status: "fail", observed: values, expected, source, reason: `listens on every address (${wild.join(", ")})` },
        notes,
      );
    const reason = wild.length ? "listens on every address: the firewall decides who reaches it" : undefined;
    return withNotes({ status: "pass", observed: values, expected, source, ...(reason ? { reason } : {}) }, notes);
  },
};
