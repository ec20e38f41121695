// FILE-PARTITIONS: /tmp, /var and /home are file systems of their own, so a user or a runaway log filling
// one cannot fill / (and stop logging, or root's own writes), and /tmp can carry nodev,nosuid. Strict-only:
// most cloud images ship one root file system, and repartitioning a running server is a project.
import { mounts } from "../../../facts/mounts.js";
import type { Check } from "../../types.js";
import { isStrict, onlyStrictRequires } from "../../profile.js";

export const SEPARATE = ["/tmp", "/var", "/home"];

export const partitions: Check = {
  id: "FILE-PARTITIONS",
  area: "files",
  title: "/tmp, /var and /home are separate file systems",
  severity: "low",
  remediation:
    "Mount /tmp as tmpfs (`systemctl enable tmp.mount`, or a tmpfs line in /etc/fstab with nodev,nosuid); give /var and /home their own partitions or LVM volumes at the next rebuild.",
  refs: ["Lynis FILE-6310", "CIS Debian 12: Ensure /tmp is a separate partition"],
  strict: "requires /tmp, /var and /home on their own file systems; the baseline profile does not",
  async run(ctx) {
    const m = await mounts(ctx);
    const observed: Record<string, string> = {};
    const missing: string[] = [];
    for (const dir of SEPARATE) {
      const hit = m.at(dir);
      observed[dir] = hit ? `${hit.fstype} (${hit.source})` : "on the root file system";
      if (!hit) missing.push(dir);
    }
    const expected = "each its own mount";
    if (!missing.length) return { status: "pass", observed, expected, source: m.from };
    if (!isStrict(ctx)) return onlyStrictRequires(`separate file systems for ${missing.join(", ")}`);
    return { status: "fail", observed, expected, source: m.from };
  },
};
