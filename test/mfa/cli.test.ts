// `rampart mfa enroll` and `mfa status` through the CLI, on an image (--root): the text shows a QR code,
// the secret, the otpauth URI and five scratch codes once, the log never holds the secret; --json has the
// documented shape; a second enrol is refused (exit 1) and --force replaces; status reads what sshd asks.
import assert from "node:assert/strict";
import { chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { runCli } from "../helpers/cli.js";

const IS_ROOT = process.getuid?.() === 0;
const UID = IS_ROOT ? 1000 : (process.getuid?.() ?? 1000);
const GID = IS_ROOT ? 1000 : (process.getgid?.() ?? 1000);
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function image(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "rampart-mfa-cli-"));
  dirs.push(dir);
  await mkdir(path.join(dir, "etc/ssh"), { recursive: true });
  await mkdir(path.join(dir, "home/alice"), { recursive: true });
  if (IS_ROOT) await chown(path.join(dir, "home/alice"), UID, GID);
  await writeFile(path.join(dir, "etc/passwd"), `root:x:0:0:root:/root:/bin/bash\nalice:x:${UID}:${GID}::/home/alice:/bin/bash\n`);
  await writeFile(path.join(dir, "etc/group"), `root:x:0:\nsudo:x:27:alice\nalice:x:${GID}:\n`);
  await writeFile(path.join(dir, "etc/ssh/sshd_config"), "AuthenticationMethods publickey,password\nUsePAM yes\n");
  return dir;
}

test("mfa enroll: QR code, secret, URI and scratch codes on stdout once; never in the log", async () => {
  const root = await image();
  const r = await runCli(["mfa", "enroll", "alice", "--root", root]);
  assert.equal(r.code, 0, r.stderr);
  const secret = /secret: ([A-Z2-7]{32})/.exec(r.stdout)?.[1] ?? "";
  assert.ok(secret, r.stdout);
  assert.match(r.stdout, /[▀▄█]/, "a terminal QR code");
  assert.match(r.stdout, new RegExp(`uri: {4}otpauth://totp/rampart%3Aalice%40[^?]+\\?secret=${secret}&issuer=rampart`));
  assert.equal((r.stdout.match(/^ {2}[1-9]\d{7}$/gm) ?? []).length, 5, "five scratch codes");
  assert.doesNotMatch(r.stderr, new RegExp(secret));
  const file = path.join(root, "home/alice/.google_authenticator");
  assert.equal((await readFile(file, "utf8")).split("\n")[0], secret);
  assert.equal((await stat(file)).mode & 0o7777, 0o400);

  const again = await runCli(["mfa", "enroll", "alice", "--root", root]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /alice is already enrolled[\s\S]*hint: .*--force/);

  const forced = await runCli(["mfa", "enroll", "alice", "--root", root, "--force", "--json"]);
  assert.equal(forced.code, 0, forced.stderr);
  const j = JSON.parse(forced.stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(j).sort(), ["file", "replaced", "scratchCodes", "secret", "uri", "user"]);
  assert.equal(j.replaced, true);
  assert.notEqual(j.secret, secret);
});

test("mfa status: what sshd asks after the key and who is enrolled (text and --json)", async () => {
  const root = await image();
  const before = await runCli(["mfa", "status", "alice", "--root", root, "--json"]);
  assert.equal(before.code, 0, before.stderr);
  const b = JSON.parse(before.stdout) as { users: { user: string; enrolled: boolean; required: string; source: string }[] };
  assert.equal(b.users[0]?.enrolled, false);
  assert.equal(b.users[0]?.required, "password");
  assert.equal(b.users[0]?.source, "/etc/ssh/sshd_config:1");
  assert.equal((await runCli(["mfa", "enroll", "alice", "--root", root, "--no-qr"])).code, 0);
  const text = await runCli(["mfa", "status", "alice", "--root", root]);
  assert.match(text.stdout, /^alice: key \+ password \(AuthenticationMethods publickey,password, \/etc\/ssh\/sshd_config:1\); enrolled$/m);
  const none = await runCli(["mfa", "status", "--root", root]);
  assert.equal(none.code, 2, "no user and no admin in the policy: usage error");
});
