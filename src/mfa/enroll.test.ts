// Enrolment writes ~USER/.google_authenticator with the user's owner and mode 0400, refuses to replace an
// existing secret without --force, and refuses unknown users; mfaStatus then sees the user as enrolled, and
// a group-readable or foreign-owned file as refused. Ownership is exact only as root (skipped otherwise).
import assert from "node:assert/strict";
import { chmod, chown, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { HostFs } from "../system/hostfs.js";
import { readTotpFile } from "../sshd/totp.js";
import { enroll } from "./enroll.js";
import { secondFactorOf, keyAlwaysRequired } from "./factor.js";
import { secretProblem } from "./status.js";

const IS_ROOT = process.getuid?.() === 0;
const UID = IS_ROOT ? 1000 : (process.getuid?.() ?? 1000);
const GID = IS_ROOT ? 1000 : (process.getgid?.() ?? 1000);
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function host(): Promise<HostFs> {
  const dir = await mkdtemp(path.join(tmpdir(), "rampart-mfa-"));
  dirs.push(dir);
  await mkdir(path.join(dir, "etc"), { recursive: true });
  await writeFile(
    path.join(dir, "etc/passwd"),
    `root:x:0:0:root:/root:/bin/bash\nalice:x:${UID}:${GID}::/home/alice:/bin/bash\nnohome:x:1001:1001::/:/bin/sh\n`,
  );
  await writeFile(path.join(dir, "etc/group"), `root:x:0:\nalice:x:${GID}:\n`);
  await mkdir(path.join(dir, "home/alice"), { recursive: true, mode: 0o750 });
  if (IS_ROOT) await chown(path.join(dir, "home/alice"), UID, GID);
  return new HostFs(dir);
}

describe("mfa enroll", () => {
  test("writes the secret owned by the user, mode 0400, in the module's format", async () => {
    const fs = await host();
    const e = await enroll(fs, "alice", { hostname: "srv" });
    assert.equal(e.file, "/home/alice/.google_authenticator");
    const st = await stat(fs.display(e.file));
    assert.equal(st.mode & 0o7777, 0o400);
    assert.equal(st.uid, UID);
    assert.equal(st.gid, GID);
    const text = await fs.readText(e.file);
    assert.equal(text.split("\n")[0], e.secret);
    assert.deepEqual(text.split("\n").slice(5, 10), e.scratch);
    assert.deepEqual(readTotpFile(text), { validSecret: true, timeBased: true, scratchLeft: 5 });
    assert.match(e.uri, new RegExp(`^otpauth://totp/rampart%3Aalice%40srv\\?secret=${e.secret}&`));
    assert.equal(e.replaced, false);
    assert.equal(await secretProblem(fs, e.file, UID), undefined);
  });

  test("refuses to replace a secret without force; with force the old one is gone", async () => {
    const fs = await host();
    const first = await enroll(fs, "alice", { hostname: "srv" });
    await assert.rejects(enroll(fs, "alice", { hostname: "srv" }), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, "REFUSED");
      assert.match(e.message, /already enrolled/);
      assert.match(e.hint ?? "", /--force/);
      return true;
    });
    assert.equal((await fs.readText(first.file)).split("\n")[0], first.secret, "the refused call changed nothing");
    const second = await enroll(fs, "alice", { hostname: "srv", force: true });
    assert.equal(second.replaced, true);
    assert.notEqual(second.secret, first.secret);
    assert.equal((await fs.readText(second.file)).split("\n")[0], second.secret);
  });

  test("unknown users, bad names and users without a home are refused with a hint", async () => {
    const fs = await host();
    await assert.rejects(enroll(fs, "bob", { hostname: "srv" }), /user bob does not exist[\s\S]*/);
    await assert.rejects(enroll(fs, "../etc", { hostname: "srv" }), (e: Error & { code?: string }) => e.code === "USAGE");
    await assert.rejects(enroll(fs, "nohome", { hostname: "srv" }), /no home directory of their own/);
  });

  test("a group-readable or foreign-owned secret is reported as refused by the module", async () => {
    const fs = await host();
    const e = await enroll(fs, "alice", { hostname: "srv" });
    await chmod(fs.display(e.file), 0o640);
    assert.match((await secretProblem(fs, e.file, UID)) ?? "", /mode 0640: group or others can read it/);
    await chmod(fs.display(e.file), 0o400);
    assert.match((await secretProblem(fs, e.file, UID + 1)) ?? "", /is owned by uid/);
    assert.equal(await secretProblem(fs, "/home/alice/none", UID), "absent");
  });
});

describe("second factor of AuthenticationMethods", () => {
  test("the weakest alternative counts; keyboard-interactive is TOTP only with the module in PAM", () => {
    assert.equal(secondFactorOf("any", true), "none");
    assert.equal(secondFactorOf("publickey,keyboard-interactive:pam", true), "totp");
    assert.equal(secondFactorOf("publickey,keyboard-interactive:pam", false), "password");
    assert.equal(secondFactorOf("publickey,password", false), "password");
    assert.equal(secondFactorOf("publickey,keyboard-interactive publickey", true), "none");
    assert.equal(secondFactorOf("publickey,keyboard-interactive publickey,password", true), "password");
    assert.equal(keyAlwaysRequired("publickey,password"), true);
    assert.equal(keyAlwaysRequired("publickey,password password"), false);
    assert.equal(keyAlwaysRequired("any"), false);
  });
});
