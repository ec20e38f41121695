// clip(): what a terminal would read as a command (ESC/CSI/OSC, the one-byte C1 CSI, BEL, bidi overrides,
// line separators) comes out as "?", and long text is cut.
import assert from "node:assert/strict";
import { test } from "node:test";
import { clip } from "./printable.js";

test("clip: control characters become ?, text is cut at max with ...", () => {
  assert.equal(clip("\x1b]0;owned\x07\x1b[2K\x1b[1A ok", 100), "?]0;owned??[2K?[1A ok");
  assert.equal(clip("a\u009b2Kb\u202ec\u2028d\x00e\x7f", 100), "a?2Kb?c?d?e?");
  assert.equal(clip("203.0.113.0/24 # plain text, tabs\tand all"), "203.0.113.0/24 # plain text, tabs?and all");
  assert.equal(clip("x".repeat(70)), `${"x".repeat(57)}...`);
  assert.equal(clip("x".repeat(10), 8), "xxxxx...");
  assert.equal(clip("ünïcødé stays"), "ünïcødé stays");
});
