// How rampart starts itself again — the one answer used by everything it installs on a host (units, cron
// lines, the boot re-arm hook, the rollback timer, "start it now" commands). Installed from the Debian
// package, that is `/usr/bin/rampart`, which stays valid across upgrades; run from a checkout, it is the node
// binary, its loader flags and the checkout's absolute entry path — which breaks if the checkout moves,
// so the plan says which one it wrote (describeSelf).
// The package says it is a package with a marker file (install.json) beside dist/, written by
// scripts/package.mjs; a checkout has none. A marker, not a path test, so the layout can change freely.
import { readFileSync } from "node:fs";
import path from "node:path";

export interface SelfInvocation {
  /** argv that starts rampart (then append the command's own arguments) */
  argv: string[];
  /** working directory for it: "/" for the package; the checkout needs its cwd (loader flags resolve from it) */
  cwd: string;
  /** where it comes from: the installed package, or a source checkout */
  source: "package" | "checkout";
}

/** The marker the package build writes at the package root (beside package.json). */
export const INSTALL_MARKER = "install.json";

interface Marker {
  launcher: string;
  package?: string;
}

function readMarker(root: URL): Marker | undefined {
  let text: string;
  try {
    text = readFileSync(new URL(INSTALL_MARKER, root), "utf8");
  } catch {
    return undefined;
  }
  const m = JSON.parse(text) as Partial<Marker>;
  // a marker that does not name an absolute launcher is a broken build: fail loudly rather than write a
  // unit that calls nothing
  if (typeof m.launcher !== "string" || !path.isAbsolute(m.launcher)) {
    throw new Error(`${INSTALL_MARKER}: "launcher" must be an absolute path, got ${JSON.stringify(m.launcher)}`);
  }
  return m as Marker;
}

/**
 * How to start rampart again. `root` is the package (or checkout) root, `process_` the running process;
 * both only for tests.
 */
export function selfInvocation(
  root: URL = new URL("../../", import.meta.url),
  process_: Pick<NodeJS.Process, "execPath" | "execArgv" | "argv" | "cwd"> = process,
): SelfInvocation {
  const marker = readMarker(root);
  if (marker) return { argv: [marker.launcher], cwd: "/", source: "package" };
  const script = process_.argv[1];
  if (!script) throw new Error("cannot tell how rampart was started (no script in process.argv)");
  return { argv: [process_.execPath, ...process_.execArgv, path.resolve(script)], cwd: process_.cwd(), source: "checkout" };
}

/** One line for the plan: what the installed units and cron lines will call. */
export function describeSelf(s: SelfInvocation): string {
  if (s.source === "package") return `installed jobs call ${s.argv.join(" ")} (the installed package)`;
  return `installed jobs call the checkout: ${s.argv.join(" ")} (in ${s.cwd}); moving or deleting it breaks them — install the .deb to avoid that`;
}
