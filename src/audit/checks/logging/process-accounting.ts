// LOG-PROCESS-ACCOUNTING: the kernel records every process that ran (BSD process accounting, package acct:
// lastcomm, sa), so "what did that account run" has an answer after the fact. Strict-only: auditd is the
// richer record, and most servers run neither by default.
import { packages } from "../../../facts/packages.js";
import type { Check } from "../../types.js";
import { isStrict, onlyStrictRequires } from "../../profile.js";

const PACCT = ["/var/log/account/pacct", "/var/account/pacct", "/var/log/pacct"];

export const processAccounting: Check = {
  id: "LOG-PROCESS-ACCOUNTING",
  area: "logging",
  title: "process accounting is on",
  severity: "low",
  remediation: "`apt-get install acct` (it enables accounting to /var/log/account/pacct; read it with `lastcomm`).",
  refs: ["Lynis ACCT-9622"],
  strict: "requires process accounting (acct) with a pacct file; the baseline profile does not",
  async run(ctx) {
    const installed = (await packages(ctx)).packages.get("acct")?.installed === true;
    let file: string | undefined;
    for (const p of PACCT) if ((await ctx.fs.stat(p))?.isFile()) file = file ?? p;
    const expected = "acct installed, writing /var/log/account/pacct";
    if (installed && file) return { status: "pass", observed: `acct installed, ${file}`, expected, source: file };
    if (!isStrict(ctx)) return onlyStrictRequires("process accounting");
    return {
      status: "fail",
      observed: installed ? "acct installed, no pacct file" : "acct not installed",
      expected,
      source: "/var/lib/dpkg/status",
    };
  },
};
