// FILE-TRUST-FILES: no .rhosts or .netrc file near the top of the tree (home directories, /root): .rhosts
// lets rsh/rlogin in without a password, .netrc keeps FTP and other passwords in clear text.
import { TRUST_FILE_DEPTH, trustFiles } from "../../../facts/trust-files.js";
import type { Check } from "../../types.js";

export const trustFilesCheck: Check = {
  id: "FILE-TRUST-FILES",
  area: "files",
  title: "No .rhosts or .netrc files",
  severity: "medium",
  remediation: "Delete each listed file (move the credentials of a .netrc into a secret store first).",
  refs: ["dev-sec linux-baseline os-09", "CIS Debian 12: Ensure no users have .netrc or .rhosts files"],
  async run(ctx) {
    const found = await trustFiles(ctx);
    const expected = `no .rhosts or .netrc within ${TRUST_FILE_DEPTH} levels of /`;
    if (found.length) return { status: "fail", observed: found, expected, source: found.join(", ") };
    return { status: "pass", observed: [], expected, source: `/ to depth ${TRUST_FILE_DEPTH} (not /proc, /sys, /dev, /run)` };
  },
};
