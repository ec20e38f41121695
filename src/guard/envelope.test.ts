// The envelope's one-pass tag reading (each header token scanned once, noting its last `[` and the first
// non-digit after it) against the plain definition of a tag: `name[digits]:` (the last `[`) or `name:`,
// name not empty — on random header tokens, with and without a host name, inside a chunk of lines.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { newEnvelope, parseEnvelopeAt } from "./envelope.js";

/** the plain definition: where the program name and pid of a tag token are, or undefined */
function plainTag(token: string): { prog: string; pid?: string } | undefined {
  const withPid = /^([\s\S]+)\[(\d*)\]:$/.exec(token);
  if (withPid) return { prog: withPid[1] as string, pid: withPid[2] as string };
  if (token.endsWith("]:")) return undefined; // a `[…]` that is not a pid: no tag
  const bare = /^([\s\S]+):$/.exec(token);
  return bare ? { prog: bare[1] as string } : undefined;
}

const piece = fc.constantFrom(
  "sshd",
  "sshd-session",
  "web1",
  "a",
  "[",
  "]",
  ":",
  "[1]",
  "123",
  "0",
  "x9",
  "-",
  "]:",
  "[]",
  "::",
  "é",
  "\r",
);
const token = fc.array(piece, { minLength: 1, maxLength: 6 }).map((a) => a.join(""));

describe("parseEnvelopeAt reads a tag as the plain definition does", () => {
  test("random tokens, with and without a host, inside a chunk", () => {
    fc.assert(
      fc.property(token, token, fc.boolean(), (t1, t2, withHost) => {
        const header = withHost ? `${t1} ${t2}` : t1;
        const line = `Nov 20 00:00:01 ${header} message text`;
        const text = `previous line\n${line}\nnext sshd[1]: line`;
        const start = 14;
        const env = newEnvelope();
        const ok = parseEnvelopeAt(text, start, start + line.length, env);
        // the plain reading: the first token is the tag, else the host and the second token is the tag
        const first = plainTag(t1);
        const tagToken = first ? t1 : withHost ? t2 : undefined;
        const want = first ?? (withHost ? plainTag(t2) : undefined);
        assert.equal(ok, want !== undefined, line);
        if (!want || tagToken === undefined) return;
        const at = start + 16 + (first ? 0 : t1.length + 1);
        assert.equal(text.slice(env.progStart, env.progEnd), want.prog, line);
        assert.equal(env.progStart, at, line);
        if (want.pid === undefined) assert.equal(env.pidEnd, env.pidStart, line);
        else assert.equal(text.slice(env.pidStart, env.pidEnd), want.pid, line);
        assert.equal(env.msgStart, at + tagToken.length + 1, line);
        if (!first) assert.equal(text.slice(env.hostStart, env.hostEnd), t1, line);
      }),
      { numRuns: 20_000 },
    );
  });
});
