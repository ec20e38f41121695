// SYS-COMPILERS: no compiler or assembler that every user can run. An intruder with a shell builds a local
// exploit on the spot when gcc is there; a server that needs one (a build host, DKMS) keeps it to root or a
// group. Lynis HRDN-7222 looks at as, cc, clang and gcc the same way: following symlinks, "world executable".
import type { Check } from "../../types.js";
import { oct } from "../../mode.js";
import { isStrict } from "../../profile.js";

export const COMPILERS = ["as", "cc", "c++", "gcc", "g++", "clang", "clang++", "tcc"];
const DIRS = ["/usr/bin", "/usr/local/bin"];

export const compilers: Check = {
  id: "SYS-COMPILERS",
  area: "system",
  title: "compilers are not usable by every user",
  severity: "low",
  remediation:
    "Remove build tools the server does not need (`apt-get purge gcc g++ clang binutils`), or restrict them: `chmod o-x` on the real binaries (e.g. /usr/bin/gcc-12, /usr/bin/x86_64-linux-gnu-as) and give a group access.",
  refs: ["Lynis HRDN-7222", "Lynis HRDN-7220"],
  strict: "fails (instead of warning) on a world-executable compiler",
  async run(ctx) {
    const found: Record<string, string> = {};
    for (const dir of DIRS) {
      for (const name of COMPILERS) {
        const p = `${dir}/${name}`;
        const st = await ctx.fs.stat(p); // follows the symlink chain (inside an image, within the image)
        if (!st?.isFile() || !(st.mode & 0o111)) continue;
        if (st.mode & 0o001) found[p] = `${oct(st.mode)} (world-executable)`;
      }
    }
    const expected = "no compiler, or executable by root/a group only";
    const paths = Object.keys(found);
    if (!paths.length) return { status: "pass", observed: "none usable by every user", expected, source: DIRS.join(", ") };
    return { status: isStrict(ctx) ? "fail" : "warn", observed: found, expected, source: paths.join(", ") };
  },
};
