import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { unifiedDiff } from "./diff.js";

/** Apply a unified diff (as produced here) to `before`: an independent reader of the format. */
function applyPatch(before: string, patch: string): string {
  const old = before === "" ? [] : before.split(/(?<=\n)/);
  const out: string[] = [];
  let pos = 0; // index in old
  const pl = patch.split("\n");
  if (pl[pl.length - 1] === "") pl.pop();
  let i = 2;
  while (i < pl.length) {
    const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$/.exec(pl[i] as string);
    assert.ok(m, `hunk header expected: ${pl[i]}`);
    const oldStart = Number(m[1]);
    const oldCount = m[2] === undefined ? 1 : Number(m[2]);
    const from = oldCount === 0 ? oldStart : oldStart - 1;
    while (pos < from) out.push(old[pos++] as string);
    i++;
    while (i < pl.length && !(pl[i] as string).startsWith("@@")) {
      const l = pl[i] as string;
      const noEol = pl[i + 1] === "\\ No newline at end of file";
      const text = l.slice(1) + (noEol ? "" : "\n");
      if (l[0] === " ") {
        assert.equal(old[pos], text, "context line matches");
        out.push(text);
        pos++;
      } else if (l[0] === "-") {
        assert.equal(old[pos], text, "removed line matches");
        pos++;
      } else if (l[0] === "+") out.push(text);
      i += noEol ? 2 : 1;
    }
  }
  while (pos < old.length) out.push(old[pos++] as string);
  return out.join("");
}

test("equal texts give no diff", () => {
  assert.equal(unifiedDiff("a\nb\n", "a\nb\n", "/etc/x"), "");
  assert.equal(unifiedDiff(undefined, undefined, "/etc/x"), "");
});

test("adding a line at the top of sshd_config", () => {
  const before = "# comment\nPort 22\nUsePAM yes\n";
  const after = `Include /etc/ssh/sshd_config.d/*.conf\n${before}`;
  assert.equal(
    unifiedDiff(before, after, "/etc/ssh/sshd_config"),
    "--- a/etc/ssh/sshd_config\n+++ b/etc/ssh/sshd_config\n@@ -1,3 +1,4 @@\n+Include /etc/ssh/sshd_config.d/*.conf\n # comment\n Port 22\n UsePAM yes\n",
  );
});

test("new file and removed file", () => {
  assert.equal(unifiedDiff(undefined, "a\nb\n", "/etc/n"), "--- /dev/null\n+++ b/etc/n\n@@ -0,0 +1,2 @@\n+a\n+b\n");
  assert.equal(unifiedDiff("a\n", undefined, "/etc/n"), "--- a/etc/n\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n");
});

test("missing final newline is shown", () => {
  const d = unifiedDiff("a\nb", "a\nb\n", "/f");
  assert.match(d, /-b\n\\ No newline at end of file\n\+b\n/);
});

test("GNU patch applies our diffs (two separate hunks, context merge)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "rampart-diff-"));
  try {
    const before = `${Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n")}\n`;
    const after = before.replace("line 2\n", "line two\n").replace("line 25\n", "").replace("line 14\n", "line 14\nnew 14b\n");
    writeFileSync(path.join(dir, "f"), before);
    const d = unifiedDiff(before, after, "/f", { oldLabel: "f", newLabel: "f" });
    assert.equal((d.match(/^@@/gm) ?? []).length, 3);
    const r = spawnSync("patch", ["--quiet", "--no-backup-if-mismatch", path.join(dir, "f")], { input: d });
    if (r.error) return; // patch not installed: the property test below still checks the format
    assert.equal(r.status, 0, r.stderr.toString() + r.stdout.toString());
    assert.equal(readFileSync(path.join(dir, "f"), "utf8"), after);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("property: applying diff(a, b) to a gives b", () => {
  const text = fc
    .array(fc.constantFrom("a", "b", "c", "Port 22", "", "# x"), { maxLength: 25 })
    .chain((ls) => fc.boolean().map((eol) => (ls.length === 0 ? "" : ls.join("\n") + (eol ? "\n" : ""))));
  fc.assert(
    fc.property(text, text, (a, b) => {
      const d = unifiedDiff(a, b, "/f");
      if (a === b) return d === "";
      return applyPatch(a, d) === b;
    }),
    { numRuns: 2000 },
  );
});
