// FILE-WORLD-WRITABLE's search: `find` in its own process and the in-process walk (its fallback when find cannot
// run) report the same paths and modes — on a fixture tree with every edge (depth limit, the flat PATH
// directories' subdirectories checked but not entered, sticky directories, symlinks, a root whose path holds
// glob characters) and on this machine's own trees.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { worldWritable } from "../../src/audit/checks/files/world-writable.js";
import { run } from "../../src/system/exec.js";
import { ctxFor, fakeRunner } from "./firewall.fixture.js";

const FIND = ["/usr/bin/find", "/bin/find"].some((p) => existsSync(p));

async function tree(): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), "rampart-ww[x]-"));
  const deep = (n: number) => Array.from({ length: n }, (_, i) => `d${i}`).join("/");
  const files: [string, number][] = [
    ["/etc/ok.conf", 0o644],
    ["/etc/bad.conf", 0o666],
    [`/etc/${deep(8)}/at-depth-9`, 0o646], // the deepest level searched
    [`/etc/${deep(9)}/at-depth-10`, 0o646], // beyond it
    ["/usr/local/sbin/backup.sh", 0o777],
    ["/usr/bin/tool", 0o757],
    ["/usr/bin/sub/inside", 0o777], // a flat directory's subdirectory is not entered
    ["/boot/grub/grub.cfg", 0o600],
  ];
  for (const [f, mode] of files) {
    await mkdir(path.dirname(path.join(root, f)), { recursive: true });
    await writeFile(path.join(root, f), "x\n");
    await chmod(path.join(root, f), mode);
  }
  await chmod(path.join(root, "/usr/bin/sub"), 0o777); // but is itself checked
  await mkdir(path.join(root, "/etc/shared"));
  await chmod(path.join(root, "/etc/shared"), 0o1777); // sticky: fine
  await mkdir(path.join(root, "/etc/open"));
  await chmod(path.join(root, "/etc/open"), 0o777);
  await mkdir(path.join(root, "/elsewhere"));
  await writeFile(path.join(root, "/elsewhere/target"), "x\n");
  await chmod(path.join(root, "/elsewhere/target"), 0o666);
  await symlink("/elsewhere/target", path.join(root, "/etc/link")); // symlinks are not followed
  await symlink("usr/bin", path.join(root, "/bin")); // merged /usr: /bin is searched once, as /usr/bin
  return root;
}

const observed = async (root: string, withFind: boolean) =>
  (await worldWritable.run(ctxFor({ root, run: withFind ? run : fakeRunner({}) }))).observed;

test("find and the in-process walk: the same paths and modes on a fixture tree", {
  skip: FIND ? false : "find is not installed",
}, async () => {
  const root = await tree();
  try {
    const want = [
      "/etc/bad.conf 0666",
      "/etc/d0/d1/d2/d3/d4/d5/d6/d7/at-depth-9 0646",
      "/etc/open/ 0777",
      "/usr/bin/sub/ 0777",
      "/usr/bin/tool 0757",
      "/usr/local/sbin/backup.sh 0777",
    ];
    assert.deepEqual(await observed(root, false), want);
    assert.deepEqual(await observed(root, true), want);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("find and the in-process walk: the same on this machine's trees", { skip: FIND ? false : "find is not installed" }, async () => {
  assert.deepEqual(await observed("/", true), await observed("/", false));
});
