// The fast path (lines as positions in a decoded chunk, filter.matchAt) must give exactly what matching
// each line as its own string gives — whatever the chunking, and even when neighbouring lines hold text a
// filter looking past its line's end would pick up.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { FakeClock } from "../../src/core/clock.js";
import { createFilter } from "../../src/guard/filters/registry.js";
import { SSHD_MODES } from "../../src/guard/filters/sshd.js";
import { scanLog } from "../../src/guard/scan.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = readFileSync(path.join(here, "../fixtures/logs/sshd.log"), "utf8")
  .split("\n")
  .filter((l) => l !== "" && !l.startsWith("#"));
const clock = () => new FakeClock(Date.UTC(2026, 10, 22, 12));

function perLine(lines: string[], mode: string): string[] {
  const f = createFilter({ name: "sshd", params: { mode } });
  const st = f.createState({ clock: clock(), utcOffsetMinutes: 0 });
  const out: string[] = [];
  lines.forEach((l, i) => {
    const r = f.match(l, st);
    if (r.kind === "failure") out.push(`${i + 1} ${r.rule} ${r.address} ${r.time}`);
  });
  return out;
}

async function chunked(lines: string[], mode: string, sizes: number[], eol = "\n"): Promise<string[]> {
  const bytes = Buffer.from(lines.join(eol) + eol);
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length] ?? 1);
    chunks.push(bytes.subarray(at, at + n));
    at += n;
  }
  const out: string[] = [];
  await scanLog(chunks, createFilter({ name: "sshd", params: { mode } }), {
    clock: clock(),
    utcOffsetMinutes: 0,
    onMatch: (m) => out.push(`${m.line} ${m.rule} ${m.address} ${m.time}`),
  });
  return out;
}

describe("chunked matching equals per-line matching", () => {
  for (const mode of SSHD_MODES) {
    test(`fixture, mode ${mode}, several chunkings and CRLF`, async () => {
      const want = perLine(fixture, mode);
      assert.ok(want.length > 10);
      for (const sizes of [[1 << 20], [1], [7, 13, 64], [100, 3, 1000]]) {
        assert.deepEqual(await chunked(fixture, mode, sizes), want, `sizes ${sizes}`);
      }
      assert.deepEqual(await chunked(fixture, mode, [33], "\r\n"), want, "CRLF");
    });
  }

  test("truncated lines followed by lines that would complete them (property)", async () => {
    const P = "Nov 22 07:01:02 web1 sshd[42]: ";
    const tails = [
      "Failed password for root from 198.51.100.7 port 22 ssh2",
      "Invalid user x from 198.51.100.8 port 1",
      "Connection closed by authenticating user r 198.51.100.9 port 2 [preauth]",
      "User root from 198.51.100.10 not allowed because not listed in AllowUsers",
      "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.51.100.11",
      "Failed publickey for invalid user u from 198.51.100.12 port 3 ssh2: RSA SHA256:x",
      "Received disconnect from 198.51.100.13 port 4:11: Bye Bye [preauth]",
      "Unable to negotiate with 198.51.100.14 port 5: no matching cipher found. Their offer: x",
    ];
    const line = fc.tuple(fc.constantFrom(...tails), fc.nat(120), fc.boolean()).map(([t, cut, trailing]) => {
      const full = P + t;
      return (trailing ? full : full.slice(0, Math.max(P.length - 5, full.length - (cut % full.length)))) + (cut % 7 === 0 ? " " : "");
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 1, maxLength: 30 }),
        fc.constantFrom(...SSHD_MODES),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 5 }),
        async (lines, mode, sizes) => {
          assert.deepEqual(await chunked(lines, mode, sizes), perLine(lines, mode));
        },
      ),
      { numRuns: 150 },
    );
  });
});
