// `rampart blocklist merge` and `blocklist check` as users run them (from source, through tsx).
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { REPO, runCli } from "../helpers/cli.js";

const fx = (f: string) => path.join(REPO, "test/fixtures/blocklists", f);

test("merge: files, --except, --intersect, formats; invalid lines warned on stderr", async () => {
  const r = await runCli(["blocklist", "merge", fx("sample.netset"), fx("zz.zone"), "--except", fx("drop.txt")]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "0.0.0.0/8\n10.0.0.0/8\n169.254.0.0/16\n192.0.2.128/25\n");
  assert.match(r.stderr, /drop\.txt: 1 invalid line\(s\) skipped/);
  assert.match(r.stderr, /drop\.txt:8: 999 is larger than 255/);
  const i = await runCli(["blocklist", "merge", fx("sample.netset"), "--intersect", fx("zz.zone"), "--format", "range"]);
  assert.equal(i.stdout, "192.0.2.0-192.0.2.127\n198.51.100.7-198.51.100.7\n");
});

test("merge reads stdin when no file is given, IPv6 included", async () => {
  const r = await runCli(["blocklist", "merge"], { input: "2001:db8::/48\n192.0.2.1\n192.0.2.0/31\n" });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "192.0.2.0/31\n2001:db8::/48\n");
  const ipset = await runCli(["blocklist", "merge", "--format", "ipset"], { input: "192.0.2.0/24\n" });
  assert.match(
    ipset.stdout,
    /^create rampart_block_v4 hash:net family inet hashsize 1024 maxelem 65536\nadd rampart_block_v4 192\.0\.2\.0\/24\n/,
  );
});

test("check: which cached lists hold an address, with the entry and its reference", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "rampart-blc-"));
  try {
    await writeFile(path.join(dir, "spamhaus-drop.list"), "; head\n192.0.2.0/25 ; SBL000001\n");
    await writeFile(path.join(dir, "mine.list"), "192.0.2.5-192.0.2.9\n2001:db8::/32\n");
    const r = await runCli(["blocklist", "check", "192.0.2.7", "--cache-dir", dir, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      ip: "192.0.2.7",
      listed: true,
      lists: 2,
      hits: [
        { list: "mine", line: 1, entry: "192.0.2.5-192.0.2.9" },
        { list: "spamhaus-drop", line: 2, entry: "192.0.2.0/25", ref: "SBL000001" },
      ],
    });
    const none = await runCli(["blocklist", "check", "198.51.100.1", "--cache-dir", dir]);
    assert.match(none.stdout, /198\.51\.100\.1 is in none of the 2 cached list\(s\)/);
    const bad = await runCli(["blocklist", "check", "192.0.2.300", "--cache-dir", dir]);
    assert.equal(bad.code, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
