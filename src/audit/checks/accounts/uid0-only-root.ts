// ACC-UID0-ONLY-ROOT: no account other than root has UID 0 (a second UID 0 is a backdoor that the name
// "root" hides from most reviews).
import { accounts } from "../../../facts/passwd.js";
import type { Check } from "../../types.js";

export const uid0OnlyRoot: Check = {
  id: "ACC-UID0-ONLY-ROOT",
  area: "accounts",
  title: "Only root has UID 0",
  severity: "critical",
  remediation:
    "Give the other accounts their own UID (`usermod -u NEWUID NAME`) or remove them (`userdel NAME`) after checking why they exist.",
  refs: ["Lynis AUTH-9204", "CIS Debian 12: Ensure root is the only UID 0 account"],
  async run(ctx) {
    const db = await accounts(ctx);
    const zero = db.users.filter((u) => u.uid === 0);
    const others = zero.filter((u) => u.name !== "root");
    const expected = "root only";
    if (others.length > 0) {
      return { status: "fail", observed: zero.map((u) => u.name), expected, source: others.map((u) => u.source).join(", ") };
    }
    const root = zero[0];
    if (!root) return { status: "fail", observed: "no account has UID 0", expected, source: "/etc/passwd" };
    return { status: "pass", observed: ["root"], expected, source: root.source };
  },
};
