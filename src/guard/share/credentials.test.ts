// The share's credentials: refused when others can read them (with the chmod that fixes it), the password
// put into the URL given to the client, never into what is printed; a whole URL in the file replaces the
// policy's; TLS settings in the URL are kept for node-postgres.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { RampartError } from "../../core/errors.js";
import { databaseToKeep, redactUrl, resolveConnection } from "./credentials.js";

const dir = mkdtempSync(path.join(tmpdir(), "rampart-cred-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const uid = process.getuid?.() ?? 0;

function file(name: string, text: string, mode: number): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  chmodSync(f, mode);
  return f;
}

test("a password file readable by root only fills in the password; display hides it; sslmode kept", () => {
  const f = file("ok", "p@ss:word/1\n", 0o600);
  const c = resolveConnection({ postgres: "postgres://rampart@db.example:5432/fleet?sslmode=verify-full", credentialsFile: f, uid });
  const u = new URL(c.connectionString);
  assert.equal(decodeURIComponent(u.password), "p@ss:word/1");
  assert.equal(u.searchParams.get("sslmode"), "verify-full");
  assert.doesNotMatch(c.display, /p%40ss|p@ss/);
  assert.match(c.display, /rampart:\*\*\*@db\.example/);
});

test("a group- or world-readable credentials file is refused with the fix", () => {
  for (const mode of [0o640, 0o604, 0o644]) {
    const f = file(`bad-${mode.toString(8)}`, "pw\n", mode);
    assert.throws(
      () => resolveConnection({ postgres: "postgres://rampart@db/fleet", credentialsFile: f, uid }),
      (e: unknown) =>
        e instanceof RampartError &&
        e.code === "PERMISSION" &&
        /readable by others/.test(e.message) &&
        (e.hint ?? "").includes(`chmod 600 ${f}`),
    );
  }
});

test("a missing or empty file is a clear error; a URL in the file replaces the policy's", () => {
  assert.throws(() => resolveConnection({ postgres: "postgres://db/x", credentialsFile: path.join(dir, "none"), uid }), /cannot be read/);
  assert.throws(() => resolveConnection({ postgres: "postgres://db/x", credentialsFile: file("empty", "\n", 0o600), uid }), /is empty/);
  const f = file("url", "postgres://fleet:topsecret@10.0.0.5/fleet?sslmode=require\n", 0o400);
  const c = resolveConnection({ postgres: "postgres://db/x", credentialsFile: f, uid });
  assert.equal(new URL(c.connectionString).host, "10.0.0.5");
  assert.equal(c.source, f, "the file is named as where the URL came from (the guard's TLS check points there)");
  assert.doesNotMatch(c.display, /topsecret/);
  assert.equal(
    resolveConnection({ postgres: "postgres://db/x", credentialsFile: file("pw", "pw\n", 0o600), uid }).source,
    "guard.share.postgres",
  );
});

test("redactUrl never returns the password, even for junk", () => {
  assert.equal(redactUrl("postgres://u:pw@h/db"), "postgres://u:***@h/db");
  assert.doesNotMatch(redactUrl("postgres://u:pw@[bad"), /pw/);
});

test("databaseToKeep: the host the guard really connects to (a whole URL in the file), else the policy's", () => {
  const postgres = "postgres://rampart@203.0.113.5/fleet?sslmode=verify-full";
  const whole = file("whole-keep", "postgres://rampart:s3cret@198.51.100.44:5432/fleet?sslmode=verify-full\n", 0o600);
  const kept = databaseToKeep({ postgres, credentialsFile: whole }) ?? "";
  assert.equal(new URL(kept).hostname, "198.51.100.44");
  assert.doesNotMatch(kept, /s3cret/);
  assert.equal(databaseToKeep({ postgres, credentialsFile: file("pw-keep", "s3cret\n", 0o600) })?.includes("203.0.113.5"), true);
  // a file others can read (the guard refuses it): the policy's URL, not an error
  assert.equal(databaseToKeep({ postgres, credentialsFile: file("open-keep", "postgres://u:p@198.51.100.45/f\n", 0o644) }), postgres);
  assert.equal(databaseToKeep(undefined), undefined);
});
