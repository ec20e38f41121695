// A lab host's directory tree as text, for "exactly as before" assertions (a rollback must leave nothing
// behind): every entry's path, type, mode, owner, size and link target, and every file's sha256.
import type { LabHost } from "./host.js";

/**
 * A tree as it is (path, type, mode, owner, size, link target, and every file's sha256) for "exactly as
 * before": a rollback must leave nothing behind, not even rampart's boot hook. `skip` prunes a subtree.
 */
export async function tree(srv: LabHost, dir: string, skip?: string): Promise<string> {
  const prune = skip ? ["(", "-path", skip, "-prune", ")", "-o"] : [];
  const meta = await srv.exec(["find", dir, ...prune, "-printf", "%p %y %m %U:%G %s %l\\n"], { maxOutput: 64 * 1024 * 1024 });
  const sums = await srv.exec(["find", dir, ...prune, "-type", "f", "-readable", "-exec", "sha256sum", "--", "{}", "+"], {
    okCodes: "any",
    maxOutput: 64 * 1024 * 1024,
  });
  return `${meta.stdout.split("\n").sort().join("\n")}\n${sums.stdout.split("\n").sort().join("\n")}`;
}
