// Semantic rules over a schema-valid policy: what the schema cannot say on its own. Each returns an error
// (the policy must not be used) or a warning (allowed, but the user should know), with the key path it
// concerns so load.ts can point at file:line:column.
import { cidrContains, tryParseCidr, tryParseIp } from "../core/ip.js";
import type { Policy } from "./schema.js";

export interface RuleResult {
  severity: "error" | "warning";
  path: (string | number)[];
  message: string;
  hint?: string;
}

export function checkRules(p: Policy, now: Date): RuleResult[] {
  const out: RuleResult[] = [];
  const admins = p.admins.map((a) => a.name);

  // Lock-out: key-only SSH (or a second factor, which always starts with the key) while an admin has no key
  if (!p.ssh.passwordAuthentication || p.ssh.mfa !== "off") {
    p.admins.forEach((a, i) => {
      if (a.keys.length === 0) {
        out.push({
          severity: "warning",
          path: ["admins", i, "keys"],
          message:
            p.ssh.mfa !== "off"
              ? `admin \`${a.name}\` has no SSH key in the policy, and ssh.mfa: ${p.ssh.mfa} asks for the key first`
              : `admin \`${a.name}\` has no SSH key in the policy while passwords are off`,
          hint: "Add their public key (the line of ~/.ssh/id_ed25519.pub); apply will refuse if the user has no valid key on the host either.",
        });
      }
    });
  }
  if (p.ssh.allowUsers) {
    for (const a of admins) {
      if (!p.ssh.allowUsers.includes(a)) {
        out.push({
          severity: "error",
          path: ["ssh", "allowUsers"],
          message: `allowUsers does not include the admin \`${a}\`: they could not log in`,
          hint: `Add ${a} to ssh.allowUsers, or remove allowUsers and use allowGroups.`,
        });
      }
    }
  }
  if (p.ssh.allowGroups && p.admins.length) {
    p.admins.forEach((a, i) => {
      if (!a.groups.some((g) => p.ssh.allowGroups?.includes(g))) {
        out.push({
          severity: "error",
          path: ["admins", i, "groups"],
          message: `admin \`${a.name}\` is in none of ssh.allowGroups (${p.ssh.allowGroups?.join(", ")})`,
          hint: "Add one of the allowed groups to the admin's groups.",
        });
      }
    });
  }
  if (p.ssh.permitRootLogin === true) {
    out.push({
      severity: "warning",
      path: ["ssh", "permitRootLogin"],
      message: "root may log in over SSH",
      hint: "Use `false` and log in as an admin with sudo.",
    });
  }
  if (p.ssh.passwordAuthentication && p.ssh.mfa === "off") {
    out.push({
      severity: "warning",
      path: ["ssh", "passwordAuthentication"],
      message: "password logins are allowed: brute force stays possible",
      hint: "Use keys and set passwordAuthentication: false.",
    });
  }
  if (p.admins.length === 0) {
    out.push({
      severity: "warning",
      path: ["admins"],
      message: "no admin is declared: users and SSH cannot be checked against one",
      hint: "`rampart init` writes your admin user and keys into the policy.",
    });
  }

  // Firewall: ssh must stay reachable
  const fw = p.firewall;
  if (fw.enabled && !fw.inbound.some((r) => r.service === "ssh" || (r.ports ?? []).some((x) => String(x) === String(p.ssh.port ?? 22)))) {
    out.push({
      severity: fw.keepAdminSession ? "warning" : "error",
      path: ["firewall", "inbound"],
      message: "no inbound rule opens SSH",
      hint: "Add `- { service: ssh }` (optionally with `from:`), or the admin can only reach the host from the current session's address.",
    });
  }
  fw.inbound.forEach((r, i) => {
    for (const [j, port] of (r.ports ?? []).entries()) {
      if (typeof port === "string") {
        const [a, b] = port.split("-").map(Number);
        if ((a ?? 0) < 1 || (a ?? 0) > 65535 || (b !== undefined && (b < (a ?? 0) || b > 65535))) {
          out.push({
            severity: "error",
            path: ["firewall", "inbound", i, "ports", j],
            message: `port range "${port}" is not within 1-65535 in ascending order`,
          });
        }
      }
    }
    if (
      r.from &&
      !fw.ipv6 &&
      r.from.some((c) => tryParseCidr(c).ok && (tryParseCidr(c) as { value: { family: number } }).value.family === 6)
    ) {
      out.push({
        severity: "warning",
        path: ["firewall", "inbound", i, "from"],
        message: "an IPv6 source is listed while firewall.ipv6 is false",
      });
    }
  });

  // Guard: ignore lists that would hide nothing / everything
  p.guard.ignore.forEach((c, i) => {
    const r = tryParseCidr(c);
    if (r.ok && r.value.prefix === 0) {
      out.push({
        severity: "error",
        path: ["guard", "ignore", i],
        message: `ignoring ${c} means the guard never bans anyone`,
        hint: "List your own networks instead.",
      });
    }
  });
  const notify = p.guard.notify.email;
  if (notify && !/^[^@\s]+@[^@\s]+$/.test(notify.to)) {
    out.push({ severity: "error", path: ["guard", "notify", "email", "to"], message: `"${notify.to}" is not an e-mail address` });
  }

  // Blocklists: duplicate names; never entries
  const seen = new Set<string>();
  p.blocklists.sources.forEach((s, i) => {
    if (seen.has(s.name))
      out.push({
        severity: "error",
        path: ["blocklists", "sources", i, "name"],
        message: `two blocklist sources are named \`${s.name}\``,
        hint: "Names must be unique.",
      });
    seen.add(s.name);
  });
  const loopback = tryParseCidr("127.0.0.1");
  p.blocklists.never.forEach((c, i) => {
    const r = tryParseCidr(c);
    if (r.ok && loopback.ok && r.value.prefix === 0) {
      out.push({ severity: "warning", path: ["blocklists", "never", i], message: `never-block ${c} removes every entry of every list` });
    }
  });
  void cidrContains;
  void tryParseIp;

  // Waivers: an expired waiver is itself a finding (the audit reports it too)
  p.waivers.forEach((w, i) => {
    if (w.until === undefined) return;
    const until = w.until instanceof Date ? w.until : new Date(`${w.until}T23:59:59Z`);
    if (Number.isNaN(until.getTime())) {
      out.push({ severity: "error", path: ["waivers", i, "until"], message: `"${String(w.until)}" is not a valid date` });
    } else if (until.getTime() < now.getTime()) {
      out.push({
        severity: "warning",
        path: ["waivers", i, "until"],
        message: `the waiver of ${w.check} expired on ${until.toISOString().slice(0, 10)}`,
        hint: "Fix the finding, or renew the waiver with a new date and reason.",
      });
    }
  });

  if (p.sysctl.disableIpv6 && fw.ipv6) {
    out.push({
      severity: "warning",
      path: ["sysctl", "disableIpv6"],
      message: "IPv6 is turned off by sysctl while the firewall still renders IPv6 rules",
      hint: "Set firewall.ipv6: false as well (rampart then drops all IPv6).",
    });
  }
  return out;
}
