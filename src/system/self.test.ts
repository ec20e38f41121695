import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { describeSelf, INSTALL_MARKER, selfInvocation } from "./self.js";

const proc = {
  execPath: "/usr/bin/node",
  execArgv: ["--import", "tsx"],
  argv: ["/usr/bin/node", "bin/rampart.js"],
  cwd: () => "/srv/rampart",
};

function withRoot(marker: string | undefined, fn: (root: URL) => void) {
  const dir = mkdtempSync(path.join(tmpdir(), "rampart-self-"));
  try {
    if (marker !== undefined) writeFileSync(path.join(dir, INSTALL_MARKER), marker);
    fn(pathToFileURL(`${dir}/`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a checkout calls node, its loader flags and the absolute entry, from its cwd", () => {
  withRoot(undefined, (root) => {
    const s = selfInvocation(root, proc);
    assert.equal(s.source, "checkout");
    assert.deepEqual(s.argv, ["/usr/bin/node", "--import", "tsx", path.resolve("bin/rampart.js")]);
    assert.equal(s.cwd, "/srv/rampart");
    assert.match(describeSelf(s), /checkout.*install the \.deb/);
  });
});

test("the package calls its launcher from /, whatever node and script run now", () => {
  withRoot(JSON.stringify({ launcher: "/usr/bin/rampart", package: "deb" }), (root) => {
    const s = selfInvocation(root, proc);
    assert.deepEqual(s, { argv: ["/usr/bin/rampart"], cwd: "/", source: "package" });
    assert.match(describeSelf(s), /\/usr\/bin\/rampart \(the installed package\)/);
  });
});

test("a marker without an absolute launcher is an error, not a unit that calls nothing", () => {
  withRoot(JSON.stringify({ launcher: "rampart" }), (root) => {
    assert.throws(() => selfInvocation(root, proc), /absolute path/);
  });
});
