// The HTML report, opened in headless Chromium (Debian's chromium): the page shows the summary counts,
// host-supplied text is escaped (a crafted host name or sudoers line stays text), and a screenshot is saved
// to test-artifacts/audit-report.png for people to look at.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { renderHtml } from "../../src/report/html.js";
import { REPO } from "../helpers/cli.js";
import { audit, type FixtureRoot, goodRoot } from "./helpers/root.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACT = path.join(REPO, "test-artifacts/audit-report.png");
const roots: FixtureRoot[] = [];
after(async () => {
  for (const r of roots) await r.cleanup();
});

function chromium(args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (b) => (stdout += b));
    child.stderr.on("data", (b) => (stderr += b));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

const BASE_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

describe("HTML report", { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)` }, () => {
  it("shows the summary counts in Chromium, escapes host text, and is screenshotted", async () => {
    const r = await goodRoot("html");
    roots.push(r);
    // a host with findings of every kind, and attacker-influenced text
    await r.write("/etc/os-release", 'PRETTY_NAME="Debian 12 <img src=x onerror=alert(1)>"\n');
    await r.write("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\ntoor:x:0:0::/root:/bin/sh\n");
    await r.write("/etc/sudoers.d/90-cloud-init-users", "alice,<script>alert(2)</script> ALL=(ALL) NOPASSWD:ALL\n", { mode: 0o440 });
    await r.write("/proc/sys/net/ipv4/conf/all/accept_redirects", "1\n");
    await r.write("/proc/sys/net/ipv4/conf/all/rp_filter", "2\n");
    await r.write("/proc/sys/kernel/kptr_restrict", "0\n");
    await r.remove("/etc/sysctl.d/60-rampart.conf");
    await r.write("/sys/kernel/security/apparmor/profiles", "a (enforce)\nb (complain)\n");
    await r.remove("/proc/sys/kernel/yama");
    const report = await audit(r, {
      policy: "waivers:\n  - { check: KERN-PTR-RESTRICT, reason: needed by perf profiling, until: 2026-06-30 }\n",
    });
    const html = renderHtml(report);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/i);
    assert.match(html, /Debian 12 &lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(html, /alice,&lt;script&gt;alert\(2\)&lt;\/script&gt;/);

    const tmp = await mkdtemp(path.join(os.tmpdir(), "rampart-html-"));
    try {
      const file = path.join(tmp, "report.html");
      await writeFile(file, html);
      const url = `file://${file}`;
      const dom = await chromium([...BASE_FLAGS, `--user-data-dir=${path.join(tmp, "profile-dom")}`, "--dump-dom", url]);
      assert.equal(dom.code, 0, dom.stderr.slice(-2000));
      const s = report.summary;
      for (const [k, n] of Object.entries({ pass: s.pass, fail: s.fail, warn: s.warn, skip: s.skip, error: s.error, waived: s.waived })) {
        assert.match(dom.stdout, new RegExp(`id="summary-${k}"><div class="n">${n}</div>`), `summary tile ${k} shows ${n}`);
      }
      assert.ok(s.fail > 0 && s.warn > 0 && s.skip > 0 && s.waived === 1, JSON.stringify(s));
      assert.match(dom.stdout, /id="check-ACC-UID0-ONLY-ROOT"/);
      assert.match(dom.stdout, /\/etc\/passwd:3/);

      await mkdir(path.dirname(ARTIFACT), { recursive: true });
      await rm(ARTIFACT, { force: true });
      const shot = await chromium([
        ...BASE_FLAGS,
        `--user-data-dir=${path.join(tmp, "profile-shot")}`,
        "--hide-scrollbars",
        `--screenshot=${ARTIFACT}`,
        "--window-size=1200,2000",
        url,
      ]);
      assert.equal(shot.code, 0, shot.stderr.slice(-2000));
      assert.ok((await stat(ARTIFACT)).size > 10_000, "a real screenshot was written");
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
