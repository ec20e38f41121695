// FILE-TRUST-FILES' search: `find` in its own process and the in-process walk (its fallback) find the same
// files — on a fixture tree with every edge (depth, case, pruned pseudo file systems, symlinks, a directory of
// that name, a root whose path holds glob characters) and on this machine's own / — and a missing find falls
// back to the walk.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { findTrustFiles, trustFiles, walkTrustFiles } from "../../src/facts/trust-files.js";
import { run } from "../../src/system/exec.js";
import { ctxFor, fakeRunner } from "./firewall.fixture.js";

const FIND = ["/usr/bin/find", "/bin/find"].some((p) => existsSync(p));

async function tree(): Promise<string> {
  // a glob character in the root's own path: find's -path patterns must match it as itself
  const root = await mkdtemp(path.join(os.tmpdir(), "rampart-trust[x]-"));
  const files = [
    "/.netrc",
    "/root/.rhosts",
    "/home/alice/.NETRC",
    "/home/bob/deep/.netrc", // depth 4: beyond the search
    "/proc/1/.netrc", // pseudo file systems are not searched
    "/run/user/.rhosts",
    "/srv/.netrc/inside", // a directory of that name counts
    "/elsewhere/x/y/.rhosts", // depth 4; depth 3 through the symlink below
  ];
  for (const f of files) {
    await mkdir(path.dirname(path.join(root, f)), { recursive: true });
    await writeFile(path.join(root, f), "x\n");
  }
  await symlink(`${root}/elsewhere/x/y`, `${root}/home/link`); // symlinks are not followed
  return root;
}

test("find and the in-process walk: the same files on a fixture tree", { skip: FIND ? false : "find is not installed" }, async () => {
  const root = await tree();
  try {
    const want = ["/.netrc", "/home/alice/.NETRC", "/root/.rhosts", "/srv/.netrc"];
    assert.deepEqual(await walkTrustFiles(root), want);
    assert.deepEqual(await findTrustFiles(ctxFor({ root, run }), root), want);
    assert.deepEqual(await findTrustFiles(ctxFor({ root, run }), `${root}/`), want);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("find and the in-process walk: the same files on this machine's /", { skip: FIND ? false : "find is not installed" }, async () => {
  const found = await findTrustFiles(ctxFor({ root: "/", run }), "/");
  assert.deepEqual(found, await walkTrustFiles("/"));
});

test("find missing: the walk answers", async () => {
  const root = await tree();
  try {
    const noFind = fakeRunner({});
    assert.deepEqual(await trustFiles(ctxFor({ root, run: noFind })), ["/.netrc", "/home/alice/.NETRC", "/root/.rhosts", "/srv/.netrc"]);
    assert.ok(noFind.calls[0]?.startsWith("find -H "), noFind.calls.join("\n"));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
