// SSH-CRYPTO-POLICY: the algorithm settings in sshd_config are the ones that run — no `-oCiphers=…`,
// `-oKexAlgorithms=…`, `-oMACs=…` or `-oHostKeyAlgorithms=…` on sshd's command line (a system-wide crypto
// policy such as RHEL's CRYPTO_POLICY, or SSHD_OPTS in /etc/default/ssh) silently replacing what the audit
// judged from the files and sshd -T. dev-sec sshd-49 reads the running `sshd -D`; rampart reads the
// listener's /proc/PID/cmdline (live, no extra process) and the files that feed the command line (also
// under --root).
import { setting } from "../../../sshd/effective.js";
import type { Check } from "../../types.js";
import { DEVSEC, factsOrSkip, isOutcome, viewFor } from "./setting.js";

/** A crypto option on a command line; bounded, no nested quantifiers. */
const OVERRIDE = /-o\s?(ciphers|kexalgorithms|macs|hostkeyalgorithms)\b/i;
const OPTION_FILES = ["/etc/default/ssh", "/etc/sysconfig/sshd"];

export const cryptoPolicy: Check = {
  id: "SSH-CRYPTO-POLICY",
  area: "ssh",
  title: "No command-line option overrides sshd's configured algorithms",
  severity: "medium",
  remediation:
    "Remove the -o Ciphers/KexAlgorithms/MACs/HostKeyAlgorithms options (SSHD_OPTS in /etc/default/ssh, CRYPTO_POLICY= in /etc/sysconfig/sshd) and set the algorithms in /etc/ssh/sshd_config.d/00-rampart.conf; restart sshd.",
  refs: [DEVSEC("sshd-49")],
  async run(ctx) {
    const f = await factsOrSkip(ctx);
    if (isOutcome(f)) return f;
    const found: string[] = [];
    const looked: string[] = [];
    for (const file of OPTION_FILES) {
      const text = await ctx.fs.readTextIfExists(file);
      if (text === undefined) continue;
      looked.push(file);
      for (const [i, line] of text.split("\n").entries()) {
        const t = line.trim();
        if (t.startsWith("#")) continue;
        if (OVERRIDE.test(t) || /^CRYPTO_POLICY=\S/.test(t)) found.push(`${file}:${i + 1}: ${t.slice(0, 200)}`);
      }
    }
    if (ctx.live) {
      const pidFile = setting(viewFor(f, "unknown user"), "PidFile")?.values[0] ?? "/run/sshd.pid";
      const pid = Number((await ctx.fs.readTextIfExists(pidFile))?.trim());
      if (Number.isInteger(pid) && pid > 1) {
        const argv = (await ctx.fs.readTextIfExists(`/proc/${pid}/cmdline`))?.split("\0").filter(Boolean);
        if (argv) {
          looked.push(`/proc/${pid}/cmdline`);
          if (argv.some((a) => OVERRIDE.test(a))) found.push(`running sshd (pid ${pid}): ${argv.join(" ").slice(0, 300)}`);
        }
      }
    }
    const expected = "no -o crypto option on sshd's command line";
    if (found.length) return { status: "fail", observed: found, expected, source: found[0]?.split(": ")[0] ?? "" };
    return {
      status: "pass",
      observed: looked.length ? `none in ${looked.join(", ")}` : "no option file, sshd not running",
      expected,
      source: looked[0] ?? "",
    };
  },
};
