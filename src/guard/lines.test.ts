// The one line splitter: whatever the chunking (and the pieces a large chunk is decoded in), it delivers
// exactly the lines of the input — split on "\n", a CR before it dropped, UTF-8 decoded — and a line over the
// cap is dropped whole and reported once.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { LineSplitter } from "./lines.js";

function split(input: Buffer, sizes: number[], maxBytes: number): string[] {
  const out: string[] = [];
  const sp = new LineSplitter(
    {
      line: (text, start, end) => out.push(text.slice(start, end)),
      tooLong: () => out.push("<too long>"),
    },
    maxBytes,
  );
  for (let at = 0, i = 0; at < input.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length] ?? 1);
    sp.push(input.subarray(at, at + n));
    at += n;
  }
  sp.end();
  return out;
}

/** what the splitter must deliver: the lines, CR-stripped, those over maxBytes (in bytes) as <too long> */
function expected(lines: string[], maxBytes: number): string[] {
  return lines.map((l) => {
    const t = l.endsWith("\r") ? l.slice(0, -1) : l;
    return Buffer.byteLength(t) > maxBytes ? "<too long>" : t;
  });
}

describe("LineSplitter", () => {
  test("a chunk of several hundred KiB (decoded in pieces) gives every line, also lines longer than a piece", () => {
    const lines: string[] = [];
    for (let i = 0; i < 12_000; i++)
      lines.push(`Nov 22 07:01:02 web1 sshd[${i}]: Failed password for root from 198.51.100.${i % 250} port 22 ssh2`);
    // lines longer than a 64 KiB piece, one of them over the cap, and non-ASCII text next to a piece's end
    lines.splice(700, 0, "x".repeat(70_000));
    lines.splice(3000, 0, `${"y".repeat(100_000)}\r`);
    lines.splice(5000, 0, "é".repeat(40_000), "ü ✓ 𝄞");
    lines.splice(8000, 0, "", "", "\r");
    const input = Buffer.from(`${lines.join("\n")}\n`);
    const want = expected(lines, 90_000);
    assert.ok(want.includes("<too long>"));
    for (const sizes of [[input.length], [256 * 1024], [65_536, 65_537, 1], [300_001, 7]]) {
      assert.deepEqual(split(input, sizes, 90_000), want, `sizes ${sizes}`);
    }
  });

  test("any text, any chunking (property)", () => {
    const line = fc.oneof(
      fc.string({ maxLength: 40 }).map((s) => s.replaceAll("\n", " ")),
      fc.constantFrom("", "\r", "é✓", "a".repeat(70_000), "b".repeat(200)),
    );
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 60 }),
        fc.array(fc.integer({ min: 1, max: 140_000 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom(100, 80_000),
        fc.boolean(),
        (lines, sizes, maxBytes, finalNewline) => {
          const input = Buffer.from(finalNewline ? lines.map((l) => `${l}\n`).join("") : lines.join("\n"));
          // without a final newline, an empty last line is no line
          const delivered = !finalNewline && lines.at(-1) === "" ? lines.slice(0, -1) : lines;
          const want = expected(delivered, maxBytes);
          assert.deepEqual(split(input, sizes, maxBytes), want);
        },
      ),
      { numRuns: 200 },
    );
  });
});
