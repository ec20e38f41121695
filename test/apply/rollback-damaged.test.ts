// The rollback of a pending firewall apply when part of its backup cannot be put back: the real firewall part
// with the real nft (iptables in one case) in a throwaway namespace, the files in a temp root. The kernel comes back whatever happens
// to the files (a lost copy, a write that fails), every other file too, and a firewall snapshot that is itself
// lost fails open: table inet rampart deleted, and the saved-for-boot ruleset never stays the unconfirmed one.
// A rollback with any failure is reported (one error listing every piece) and not marked rolled back.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { createBackup, newApplyId, readManifest } from "../../src/apply/backup.js";
import { firewallPart } from "../../src/apply/parts/firewall.js";
import { writePending } from "../../src/apply/pending.js";
import type { PartContext } from "../../src/apply/plan.js";
import { rollbackPending } from "../../src/apply/transaction.js";
import { FakeClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import { createBackend } from "../../src/firewall/backends/index.js";
import { compile } from "../../src/firewall/compile.js";
import { defaultPolicy } from "../../src/policy/load.js";
import type { InboundRule } from "../../src/policy/schema.js";
import { HostFs } from "../../src/system/hostfs.js";
import { createNetns, type Netns, skipUnlessNetns } from "../firewall/netns.js";

const skip = skipUnlessNetns(["ip", "nft"]);
const skipIpt = skipUnlessNetns(["ip", "iptables-restore", "ip6tables-restore", "ipset"]);
const KEY = "nft:table inet rampart";
const SAVED = "/etc/rampart/firewall.nft";
const OTHER = "/etc/rampart/other.conf";
const THIRD = "/etc/rampart/third.conf";

interface Setup {
  ns: Netns;
  root: string;
  ctx: PartContext;
  id: string;
  /** `nft list table inet rampart` before the apply */
  before: string;
  blob(target: string): string;
  kernelBlob: string;
}

/** An applied, unconfirmed firewall (port 22 → port 80) with its backup and pending.json, as the apply leaves them. */
async function pendingApply(ns: Netns, backend: "nftables" | "iptables"): Promise<Setup> {
  const root = mkdtempSync(path.join(tmpdir(), "rampart-rbd-"));
  mkdirSync(path.join(root, "etc/rampart"), { recursive: true });
  writeFileSync(path.join(root, SAVED), "# the confirmed ruleset\n");
  writeFileSync(path.join(root, OTHER), "old\n");
  writeFileSync(path.join(root, THIRD), "old\n");
  const fs = new HostFs(root);
  const clock = new FakeClock(Date.now());
  const policy = defaultPolicy();
  const ctx: PartContext = { fs, run: ns.run, policy, log: silentLogger, clock, live: false, session: {} };
  const fw = createBackend(backend, ns.run);
  const rules = (port: string) => {
    const p = defaultPolicy();
    p.firewall.inbound = [{ ports: [port] } as InboundRule];
    return fw.render(compile(p, {}));
  };
  await fw.load(rules("22"));
  const before = (await ns.run(["nft", "list", "table", "inet", "rampart"], { okCodes: "any" })).stdout;
  const id = newApplyId(clock.now());
  const snapshot = JSON.stringify(await fw.snapshot());
  const m = await createBackup(fs, {
    id,
    parts: ["firewall"],
    files: [SAVED, OTHER, THIRD],
    dirs: [],
    kernel: [{ part: "firewall", key: backend === "nftables" ? KEY : "iptables:RAMPART", snapshot }],
    now: clock.now(),
  });
  const pending = {
    version: 1 as const,
    id,
    deadline: clock.now(),
    armedAt: clock.now(),
    timeoutSec: 120,
    parts: ["firewall"],
    session: {},
  };
  await writePending(fs, { ...pending, timer: { kind: "none" } });
  await fw.load(rules("80"));
  writeFileSync(path.join(root, SAVED), "# the UNCONFIRMED ruleset\n");
  writeFileSync(path.join(root, OTHER), "new\n");
  writeFileSync(path.join(root, THIRD), "new\n");
  const dir = path.join(root, `var/lib/rampart/backups/${id}`);
  const blob = (target: string) => path.join(dir, m.files.find((f) => f.path === target)?.blob as string);
  return { ns, root, ctx, id, before, blob, kernelBlob: path.join(dir, m.kernel[0]?.blob as string) };
}

async function withPendingApply(fn: (s: Setup) => Promise<void>, backend: "nftables" | "iptables" = "nftables"): Promise<void> {
  const ns = await createNetns();
  let root: string | undefined;
  try {
    const s = await pendingApply(ns, backend);
    root = s.root;
    await fn(s);
  } finally {
    await ns.destroy();
    if (root) rmSync(root, { recursive: true, force: true });
  }
}

test("a lost file copy and a file write that fails do not stop the rollback: the kernel and every other file come back", { skip }, () =>
  withPendingApply(async (s) => {
    rmSync(s.blob(OTHER)); // the copy of a file is lost …
    const third = path.join(s.root, THIRD);
    rmSync(third);
    mkdirSync(third); // … and another cannot be written (a directory took its place: EISDIR)
    writeFileSync(path.join(third, "x"), "");
    await assert.rejects(rollbackPending(s.ctx, [firewallPart], "not confirmed", s.id), (e: Error) => {
      assert.match(e.message, new RegExp(`backup ${s.id} was not fully restored:`));
      assert.match(e.message, /other\.conf: .*the copy of \/etc\/rampart\/other\.conf \(files\/0001\) is missing/);
      assert.match(e.message, /third\.conf: EISDIR/);
      assert.doesNotMatch(e.message, /kernel|firewall\.nft|fail/, "the firewall's own pieces came back: nothing of it fails open");
      return true;
    });
    assert.equal((await s.ns.run(["nft", "list", "table", "inet", "rampart"])).stdout, s.before, "the confirmed ruleset is loaded again");
    assert.equal(readFileSync(path.join(s.root, SAVED), "utf8"), "# the confirmed ruleset\n", "and loaded at the next boot");
    assert.equal(readFileSync(path.join(s.root, OTHER), "utf8"), "new\n", "left as it is: no copy to restore it from");
    assert.equal((await readManifest(s.ctx.fs, s.id)).state, "applying", "not reported as rolled back");
  }),
);

test("a lost firewall snapshot fails open, and the saved ruleset whose copy is altered does not stay the unconfirmed one", { skip }, () =>
  withPendingApply(async (s) => {
    writeFileSync(s.kernelBlob, "{}");
    writeFileSync(s.blob(SAVED), "# tampered\n");
    await assert.rejects(rollbackPending(s.ctx, [firewallPart], "not confirmed", s.id), (e: Error) => {
      assert.match(e.message, /kernel state nft:table inet rampart: .*does not match its checksum/);
      assert.match(e.message, /firewall: its nftables snapshot is lost: failed open/);
      return true;
    });
    const listed = await s.ns.run(["nft", "list", "table", "inet", "rampart"], { okCodes: "any" });
    assert.notEqual(listed.code, 0, "table inet rampart is deleted: nothing of the unconfirmed ruleset filters");
    assert.equal(existsSync(path.join(s.root, SAVED)), false);
    assert.equal(readFileSync(path.join(s.root, OTHER), "utf8"), "old\n", "the files with good copies are restored");
  }),
);

test("a damaged manifest: nothing can be restored, so the firewall fails open, now and at the next boot", { skip }, () =>
  withPendingApply(async (s) => {
    writeFileSync(path.join(s.root, `var/lib/rampart/backups/${s.id}/manifest.json`), '{"version": 1, "id": "');
    await assert.rejects(rollbackPending(s.ctx, [firewallPart], "not confirmed", s.id), (e: Error) => {
      assert.match(e.message, /damaged: manifest\.json is not valid JSON/);
      assert.match(e.message, /firewall: its nftables snapshot is lost: failed open/);
      assert.match(e.message, /firewall: the ruleset saved for boot could not be put back: removed .*firewall\.nft/);
      return true;
    });
    const listed = await s.ns.run(["nft", "list", "table", "inet", "rampart"], { okCodes: "any" });
    assert.notEqual(listed.code, 0, "table inet rampart is deleted");
    assert.equal(existsSync(path.join(s.root, SAVED)), false);
  }),
);

test("iptables: a lost firewall snapshot fails open (rampart's jumps and chains removed in both families)", { skip: skipIpt }, () =>
  withPendingApply(async (s) => {
    rmSync(s.kernelBlob);
    await assert.rejects(
      rollbackPending(s.ctx, [firewallPart], "not confirmed", s.id),
      /firewall: its iptables snapshot is lost: failed open/,
    );
    for (const save of ["iptables-save", "ip6tables-save"]) {
      assert.doesNotMatch((await s.ns.run([save, "-t", "filter"])).stdout, /RAMPART/, `${save}: no rampart rule left`);
    }
    assert.equal(readFileSync(path.join(s.root, SAVED), "utf8"), "# the confirmed ruleset\n", "its copy was good: restored");
  }, "iptables"),
);

test("with an intact backup the rollback is complete and reported as rolled back", { skip }, () =>
  withPendingApply(async (s) => {
    assert.equal(await rollbackPending(s.ctx, [firewallPart], "not confirmed", s.id), s.id);
    assert.equal((await s.ns.run(["nft", "list", "table", "inet", "rampart"])).stdout, s.before);
    assert.equal(readFileSync(path.join(s.root, SAVED), "utf8"), "# the confirmed ruleset\n");
    assert.equal((await readManifest(s.ctx.fs, s.id)).state, "rolled-back");
  }),
);
