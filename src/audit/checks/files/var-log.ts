// FILE-VAR-LOG: /var/log belongs to root (group root, or syslog on Ubuntu), so no other account can
// replace or remove the system's logs.
import { oct } from "../../mode.js";
import { accounts } from "../../../facts/passwd.js";
import type { Check } from "../../types.js";

export const varLog: Check = {
  id: "FILE-VAR-LOG",
  area: "files",
  title: "/var/log belongs to root",
  severity: "medium",
  remediation: "`chown root:root /var/log` (root:syslog on Ubuntu) and `chmod o-w /var/log`.",
  refs: ["dev-sec linux-baseline os-11"],
  async run(ctx) {
    const [st, db] = await Promise.all([ctx.fs.stat("/var/log"), accounts(ctx)]);
    const expected = "a directory owned by root, group root or syslog, not writable by others";
    if (!st) return { status: "fail", observed: "missing", expected, source: "/var/log" };
    const group = db.groupByGid(st.gid)?.name ?? String(st.gid);
    const user = db.users.find((u) => u.uid === st.uid)?.name ?? String(st.uid);
    const observed = `${st.isDirectory() ? "directory" : "not a directory"} ${oct(st.mode)} ${user}:${group}`;
    const ok = st.isDirectory() && st.uid === 0 && (group === "root" || group === "syslog") && !(st.mode & 0o002);
    return { status: ok ? "pass" : "fail", observed, expected, source: "/var/log" };
  },
};
