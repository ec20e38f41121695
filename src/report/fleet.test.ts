// The fleet report: ranking, shared findings, escaping of host-supplied text, and the CLI's error on a file
// that is not a rampart audit (exit 2, the file named, nothing written).
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../../test/helpers/cli.js";
import { buildFleetReport, type FleetInput, renderFleetHtml, renderFleetJson } from "./fleet.js";

type Check = { id: string; severity: string; status: string; remediation?: string; waiver?: { reason: string } };

function audit(hostname: string, score: number, checks: Check[]): string {
  const count = (s: string) => checks.filter((c) => c.status === s && !c.waiver).length;
  return JSON.stringify({
    tool: { name: "rampart", version: "0.1.0" },
    host: { hostname, os: "Debian GNU/Linux 12", kernel: "6.1.0" },
    startedAt: "2026-11-22T08:00:00.000Z",
    durationMs: 812,
    summary: { pass: count("pass"), fail: count("fail"), warn: count("warn"), skip: 0, error: 0, waived: 0, total: checks.length, score },
    checks: checks.map((c) => ({
      id: c.id,
      area: c.id.startsWith("SSH") ? "ssh" : "firewall",
      title: `title of ${c.id}`,
      severity: c.severity,
      status: c.status,
      evidence: { observed: null, expected: null, source: "" },
      remediation: c.remediation ?? `fix ${c.id}`,
      refs: [],
      ...(c.waiver ? { waiver: c.waiver } : {}),
      durationMs: 1,
    })),
  });
}

const WEB1 = audit("web1", 62, [
  { id: "SSH-PASSWORD-AUTH", severity: "high", status: "fail", remediation: "Set `PasswordAuthentication no`." },
  { id: "FW-DEFAULT-DENY-IN", severity: "critical", status: "fail" },
  { id: "SSH-ROOT-LOGIN", severity: "high", status: "pass" },
]);
const WEB2 = audit("web2", 90, [
  { id: "SSH-PASSWORD-AUTH", severity: "high", status: "fail", remediation: "Set `PasswordAuthentication no`." },
  { id: "FW-DEFAULT-DENY-IN", severity: "critical", status: "pass" },
  { id: "SSH-CRYPTO", severity: "medium", status: "warn" },
]);
const DB1 = audit("db1", 100, [
  { id: "SSH-PASSWORD-AUTH", severity: "high", status: "fail", waiver: { reason: "legacy" } },
  { id: "FW-DEFAULT-DENY-IN", severity: "critical", status: "pass" },
]);
const NOW = new Date("2026-11-22T09:00:00Z");

test("hosts ranked worst first; shared findings worst first with the hosts that fail them; waivers do not count", () => {
  const r = buildFleetReport(
    [
      { file: "a/web2.json", text: WEB2 },
      { file: "a/db1.json", text: DB1 },
      { file: "a/web1.json", text: WEB1 },
    ],
    NOW,
  );
  assert.deepEqual(
    r.hosts.map((h) => [h.name, h.score]),
    [
      ["web1", 62],
      ["web2", 90],
      ["db1", 100],
    ],
  );
  assert.deepEqual(
    r.findings.map((f) => [f.id, f.severity, f.failing, f.warning]),
    [
      ["FW-DEFAULT-DENY-IN", "critical", ["web1"], []],
      ["SSH-PASSWORD-AUTH", "high", ["web2", "web1"], []],
      ["SSH-CRYPTO", "medium", [], ["web2"]],
    ],
  );
  const json = JSON.parse(renderFleetJson(r));
  assert.equal(json.generatedAt, "2026-11-22T09:00:00.000Z");
  assert.equal(json.hosts.length, 3);
  const html = renderFleetHtml(r);
  assert.match(html, /<h1>3 hosts<\/h1>/);
  assert.match(html, /SSH-PASSWORD-AUTH<\/span> <span class="title">title of SSH-PASSWORD-AUTH<\/span> <span class="count">2\/3 failing/);
  assert.match(html, /Set <code>PasswordAuthentication no<\/code>\./);
  assert.ok(html.indexOf("web1") < html.indexOf("web2") && html.indexOf("web2") < html.indexOf("db1"), "rank order in the page");
  assert.doesNotMatch(html, /<script|https?:\/\//, "self-contained: no script, no external asset");
});

test("same hostname on several hosts (containers, lab namespaces): told apart by file name", () => {
  const r = buildFleetReport(
    [
      { file: "out/srv1.json", text: audit("box", 80, []) },
      { file: "out/srv2.json", text: audit("box", 70, []) },
      { file: "other/srv2.json", text: audit("box", 70, []) },
    ],
    NOW,
  );
  assert.deepEqual(
    r.hosts.map((h) => h.name),
    ["box (srv2) #1", "box (srv2) #2", "box (srv1)"],
  );
});

test("host-supplied text is escaped everywhere", () => {
  const evil = `<img src=x onerror=alert(1)>"'&`;
  const text = audit(evil, 10, [{ id: "SSH-<b>X", severity: "high", status: "fail", remediation: `run \`<script>alert(1)</script>\`` }]);
  const html = renderFleetHtml(buildFleetReport([{ file: "x.json", text }], NOW));
  assert.doesNotMatch(html, /<img|<script|<b>X/);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;&quot;&#39;&amp;/);
  assert.match(html, /<code>&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/code>/);
});

test("malformed or foreign JSON is an INPUT error naming the file", () => {
  const cases: [FleetInput, RegExp][] = [
    [{ file: "bad.json", text: "{ not json" }, /^bad\.json: not JSON/],
    [
      { file: "other.json", text: JSON.stringify({ tool: { name: "lynis", version: "3" } }) },
      /^other\.json: not a rampart audit report \(tool\.name/,
    ],
    [
      { file: "noscore.json", text: JSON.stringify({ ...JSON.parse(WEB1), summary: { pass: 1 } }) },
      /^noscore\.json: not a rampart audit report \(summary\./,
    ],
    [{ file: "sev.json", text: WEB1.replace('"critical"', '"urgent"') }, /^sev\.json: not a rampart audit report \(checks\.1\.severity/],
  ];
  for (const [input, want] of cases) {
    assert.throws(
      () => buildFleetReport([{ file: "ok.json", text: WEB1 }, input], NOW),
      (err: Error & { code?: string }) => err.code === "INPUT" && want.test(err.message),
      input.file,
    );
  }
});

test("CLI: writes one HTML page; a bad file exits 2, names it, and writes nothing", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "rampart-fleet-"));
  try {
    await writeFile(path.join(dir, "web1.json"), WEB1);
    await writeFile(path.join(dir, "web2.json"), WEB2);
    await writeFile(path.join(dir, "junk.json"), '{"tool":{"name":"rampart","version":"1"},"host":{}}');
    const out = path.join(dir, "fleet.html");
    const ok = await runCli(["report", "fleet", path.join(dir, "web1.json"), path.join(dir, "web2.json"), "--output", out]);
    assert.equal(ok.code, 0, ok.stderr);
    const html = await readFile(out, "utf8");
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /web1[\s\S]*web2/);
    const json = await runCli(["report", "fleet", path.join(dir, "web1.json"), "--format", "json"]);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).hosts[0].name, "web1");
    const out2 = path.join(dir, "none.html");
    const bad = await runCli(["report", "fleet", path.join(dir, "web1.json"), path.join(dir, "junk.json"), "--output", out2]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /junk\.json: not a rampart audit report/);
    await assert.rejects(readFile(out2), /ENOENT/);
    const missing = await runCli(["report", "fleet", path.join(dir, "nope.json")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope\.json/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
