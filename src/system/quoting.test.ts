// The words rampart writes into unit files and cron lines reach the program as they were: checked for cron
// with cron's own `%` rule and the real /bin/sh, for systemd against its escapes (`%%`, `$$`, quotes).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { cronWord, systemdWord } from "./systemd.js";

const WORDS = ["/opt/ram%part/bin/rampart", "it's $HOME and %h", "plain", 'a "quoted" \\ word', "100%"];

test("cron: a line of cronWord()s, after cron's % rule, gives /bin/sh the same words", () => {
  const line = `printf '%s\\n' ${WORDS.map(cronWord).join(" ")}`.replace(/^printf '%s/, "printf '\\%s");
  // cron: an unescaped % ends the command (the rest is its stdin); \% is a plain %
  const command = (line.split(/(?<!\\)%/)[0] as string).replace(/\\%/g, "%");
  const out = execFileSync("/bin/sh", ["-c", command], { encoding: "utf8" });
  assert.deepEqual(out.split("\n").slice(0, -1), WORDS);
});

test("systemd: % and $ are doubled (no specifier or variable expands), quotes and backslashes escaped", () => {
  assert.equal(systemdWord("/opt/ram%part/bin/rampart"), "/opt/ram%%part/bin/rampart");
  assert.equal(systemdWord("it's $HOME and %h"), `"it's $$HOME and %%h"`);
  assert.equal(systemdWord('a "quoted" \\ word'), `"a \\"quoted\\" \\\\ word"`);
  assert.equal(systemdWord("plain"), "plain");
});
