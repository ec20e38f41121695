// The version, read once from package.json (shipped beside dist/). In core/ because the audit report and the
// cli both print it.
import { readFileSync } from "node:fs";

export const VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
})();
