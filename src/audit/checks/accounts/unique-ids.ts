// ACC-UNIQUE-IDS: no two accounts share a UID and no two groups share a GID — a shared ID makes one
// account the owner of the other's files and processes, and the logs cannot tell them apart.
import { accounts } from "../../../facts/passwd.js";
import type { Check } from "../../types.js";

function duplicates<T extends { name: string; source: string }>(list: T[], id: (t: T) => number): T[][] {
  const by = new Map<number, T[]>();
  for (const t of list) by.set(id(t), [...(by.get(id(t)) ?? []), t]);
  return [...by.values()].filter((g) => g.length > 1);
}

export const uniqueIds: Check = {
  id: "ACC-UNIQUE-IDS",
  area: "accounts",
  title: "Every UID and GID is unique",
  severity: "medium",
  remediation:
    "Give each listed account its own UID (`usermod -u NEW NAME`) and each listed group its own GID (`groupmod -g NEW NAME`), then fix file ownership (`find / -uid OLD`).",
  refs: ["dev-sec linux-baseline os-07", "CIS Debian 12: Ensure no duplicate UIDs exist", "CIS Debian 12: Ensure no duplicate GIDs exist"],
  async run(ctx) {
    const db = await accounts(ctx);
    const users = duplicates(db.users, (u) => u.uid);
    const groups = duplicates(db.groups, (g) => g.gid);
    const observed = {
      uids: users.map((g) => `${g[0]?.uid}: ${g.map((u) => u.name).join(", ")}`),
      gids: groups.map((g) => `${g[0]?.gid}: ${g.map((x) => x.name).join(", ")}`),
    };
    const expected = { uids: [], gids: [] };
    const bad = [...users, ...groups].flat();
    if (bad.length) return { status: "fail", observed, expected, source: bad.map((b) => b.source).join(", ") };
    return { status: "pass", observed, expected, source: "/etc/passwd, /etc/group" };
  },
};
