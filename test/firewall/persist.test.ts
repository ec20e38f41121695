// Persistence of the firewall at boot: the systemd unit passes `systemd-analyze verify` with nothing on
// stderr; `rampart apply --root IMG --only firewall` writes the saved ruleset, the unit and its
// sysinit.target.wants link, and the audit's FW-PERSISTED check then passes on that image; an ifupdown-only
// image gets the if-pre-up.d hook instead (a fixed script: no variables, valid for `sh -n`). A second apply
// changes nothing. --root never touches the running kernel, so these run without namespaces.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { accessSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { IFUP_HOOK, SAVED, UNIT_LINK, UNIT_NAME, UNIT_PATH, ifupHookText, unitText } from "../../src/apply/parts/firewall-persist.js";
import { runCli } from "../helpers/cli.js";

function has(cmd: string): boolean {
  for (const d of ["/usr/bin", "/usr/sbin", "/bin", "/sbin"]) {
    try {
      accessSync(path.join(d, cmd));
      return true;
    } catch {}
  }
  return false;
}

const tmp = mkdtempSync(path.join(tmpdir(), "rampart-fw-persist-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("rampart-firewall.service", () => {
  for (const backend of ["nftables", "iptables"] as const) {
    test(`${backend}: systemd-analyze verify prints nothing`, {
      skip: has("systemd-analyze") ? false : "systemd-analyze not installed",
    }, () => {
      const dir = path.join(tmp, `unit-${backend}`);
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, UNIT_NAME);
      writeFileSync(file, unitText(backend));
      const r = spawnSyncText("systemd-analyze", ["verify", file]);
      assert.equal(r.stderr, "", `systemd-analyze verify: ${r.stderr}`);
      assert.equal(r.status, 0);
    });
  }

  test("the unit is ordered before the network and named as FW-PERSISTED expects", () => {
    const text = unitText("nftables");
    for (const line of [
      "DefaultDependencies=no",
      "Before=network-pre.target shutdown.target",
      "Wants=network-pre.target",
      "Type=oneshot",
      "ExecStart=/usr/sbin/nft -f /etc/rampart/firewall.nft",
      "WantedBy=sysinit.target",
    ]) {
      assert.ok(text.split("\n").includes(line), `missing: ${line}`);
    }
    assert.match(UNIT_NAME, /^rampart.*firewall.*\.service$/);
    const ipt = unitText("iptables");
    assert.match(ipt, /^ExecStart=\/usr\/sbin\/ipset restore -exist -file \/etc\/rampart\/firewall.ipset$/m);
    assert.match(ipt, /^ExecStart=\/usr\/sbin\/iptables-restore --noflush \/etc\/rampart\/firewall.rules.v4$/m);
    assert.match(ipt, /^ExecStart=\/usr\/sbin\/ip6tables-restore --noflush \/etc\/rampart\/firewall.rules.v6$/m);
  });

  test("the if-pre-up.d hook is a fixed script: no variables, valid sh", () => {
    for (const backend of ["nftables", "iptables"] as const) {
      const text = ifupHookText(backend);
      assert.ok(text.startsWith("#!/bin/sh\n"));
      assert.doesNotMatch(text, /[$`]/, "no expansion of any kind");
      const file = path.join(tmp, `hook-${backend}`);
      writeFileSync(file, text);
      assert.equal(spawnSyncText("sh", ["-n", file]).status, 0);
    }
  });
});

const POLICY = "firewall:\n  inbound:\n    - { service: ssh }\n    - { ports: [80, 443] }\n";
const asRoot = process.getuid?.() === 0 ? false : "needs root (files are written owned by root)";

describe("rampart apply --root IMG --only firewall", { skip: asRoot }, () => {
  const policy = path.join(tmp, "policy.yaml");
  writeFileSync(policy, POLICY);

  test("systemd image: saved ruleset, unit, wants link; FW-PERSISTED passes; a second apply changes nothing", async () => {
    const img = path.join(tmp, "img-systemd");
    mkdirSync(path.join(img, "etc/systemd/system"), { recursive: true });
    const audit = async () => {
      const r = await runCli(["audit", "--root", img, "--only", "firewall", "--format", "json"]);
      const doc = JSON.parse(r.stdout) as { checks: { id: string; status: string }[] };
      return doc.checks.find((c) => c.id === "FW-PERSISTED")?.status;
    };
    assert.equal(await audit(), "fail", "before: nothing persisted");
    const r = await runCli(["apply", "--root", img, "--only", "firewall", "--policy", policy, "--yes"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /--root: the ruleset is saved for the next boot/);
    assert.doesNotMatch(r.stdout, /load table inet rampart/, "no kernel change under --root");
    const saved = readFileSync(path.join(img, SAVED["rampart.nft"] as string), "utf8");
    const rendered = await runCli(["firewall", "render", "--policy", policy]);
    assert.equal(saved, rendered.stdout, "the saved file is the rendered ruleset");
    assert.equal(statSync(path.join(img, SAVED["rampart.nft"] as string)).mode & 0o777, 0o600);
    assert.equal(readFileSync(path.join(img, UNIT_PATH), "utf8"), unitText("nftables"));
    assert.ok(lstatSync(path.join(img, UNIT_LINK)).isSymbolicLink());
    assert.equal(readlinkSync(path.join(img, UNIT_LINK)), UNIT_PATH);
    assert.equal(await audit(), "pass");

    const again = await runCli(["apply", "--root", img, "--only", "firewall", "--policy", policy, "--yes"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /nothing to change/);
  });

  test("ifupdown-only image (no systemd): the if-pre-up.d hook, executable; iptables files", async () => {
    const img = path.join(tmp, "img-ifupdown");
    mkdirSync(path.join(img, "etc/network"), { recursive: true });
    writeFileSync(path.join(img, "etc/network/interfaces"), "auto lo\niface lo inet loopback\n");
    const ipt = path.join(tmp, "policy-ipt.yaml");
    writeFileSync(ipt, POLICY.replace("firewall:\n", "firewall:\n  backend: iptables\n"));
    const r = await runCli(["apply", "--root", img, "--only", "firewall", "--policy", ipt, "--yes"]);
    assert.equal(r.code, 0, r.stderr);
    const hook = path.join(img, IFUP_HOOK);
    assert.equal(readFileSync(hook, "utf8"), ifupHookText("iptables"));
    assert.equal(statSync(hook).mode & 0o777, 0o755);
    for (const f of ["rampart.ipset", "rules.v4", "rules.v6"]) assert.ok(statSync(path.join(img, SAVED[f] as string)).isFile(), f);
    assert.throws(() => lstatSync(path.join(img, UNIT_PATH)), "no systemd unit on an ifupdown-only image");
  });
});

function spawnSyncText(cmd: string, args: string[]): { status: number; stderr: string } {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  return { status: r.status ?? 1, stderr: r.stderr ?? "" };
}
