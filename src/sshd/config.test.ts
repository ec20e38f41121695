import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import { HostFs } from "../system/hostfs.js";
import { lexLine, parseConfigText, quoteArg, serializeConfig, splitArgs } from "./config.js";
import { ensureIncludeAtTop, removeDirective, setDirective } from "./edit.js";
import { viewFromParser } from "./effective.js";
import { globalValue, loadSshdConfig, matchOverrides, where } from "./load.js";
import { resolveFor } from "./match.js";
import { OverlayFs } from "./overlay.js";
import { wildcardMatch } from "./patterns.js";

const roots: string[] = [];
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

/** A throw-away root with the given files (paths relative to /). */
async function root(files: Record<string, string>): Promise<HostFs> {
  const dir = await mkdtemp(path.join(tmpdir(), "rampart-sshd-"));
  roots.push(dir);
  for (const [p, text] of Object.entries(files)) {
    await mkdir(path.join(dir, path.dirname(p)), { recursive: true });
    await writeFile(path.join(dir, p), text);
  }
  return new HostFs(dir);
}

describe("lexer", () => {
  test("round trip is byte-identical for any text", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", " ", "\t", "\n", "\r", "#", '"', "'", "\\", "=", "é") }), (s) => {
        assert.equal(serializeConfig(parseConfigText("/x", s)), s);
      }),
      { numRuns: 500 },
    );
  });

  test("keywords are case-insensitive, aliases resolve, '=' separates", () => {
    assert.equal(lexLine("passwordauthentication=no", "", 1).key, "passwordauthentication");
    assert.deepEqual(lexLine("PasswordAuthentication = no", "", 1).args, ["no"]);
    assert.equal(lexLine("  ChallengeResponseAuthentication yes", "", 1).key, "kbdinteractiveauthentication");
  });

  test("quotes, escapes and trailing comments follow argv_split", () => {
    assert.deepEqual(splitArgs(`"a b" c # comment`), ["a b", "c"]);
    assert.deepEqual(splitArgs(`'x y' a\\ b "q\\"q"`), ["x y", "a b", 'q"q']);
    assert.deepEqual(splitArgs(`a#b`), ["a#b"]);
    assert.equal(typeof splitArgs(`"open`), "string");
    assert.equal(lexLine(`Banner "/etc/is sue`, "", 1).kind, "invalid");
    for (const a of ["plain", "with space", 'q"uote', "#hash", "back\\slash", ""]) assert.deepEqual(splitArgs(quoteArg(a)), [a]);
  });

  test("comments, blanks, CRLF", () => {
    const f = parseConfigText("/x", "# c\r\n\r\nPort 22\r\n  #Port 2\n");
    assert.deepEqual(
      f.lines.map((l) => [l.kind, l.eol]),
      [
        ["comment", "\r\n"],
        ["blank", "\r\n"],
        ["directive", "\r\n"],
        ["comment", "\n"],
      ],
    );
    assert.deepEqual(f.lines[2]?.args, ["22"]);
  });

  test("a keyword without an argument is invalid, like sshd says", () => {
    const l = lexLine("PermitRootLogin   ", "", 3);
    assert.equal(l.kind, "invalid");
    assert.match(l.error ?? "", /no argument/);
  });

  test("a hostile 2 MB line is lexed in linear time", () => {
    const line = `AllowUsers ${"a\\ ".repeat(700_000)}"${"x".repeat(100_000)}`;
    const t0 = performance.now();
    const l = lexLine(line, "", 1);
    assert.equal(l.kind, "invalid"); // unclosed quote
    assert.ok(performance.now() - t0 < 5000);
    assert.ok(!wildcardMatch(`${"*a".repeat(2000)}b`, "a".repeat(5000)));
  });
});

describe("Include, Match and first-wins", () => {
  test("Debian layout: the drop-in read first wins, with its file:line", async () => {
    const fs = await root({
      "etc/ssh/sshd_config": "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication no\nAllowUsers alice\n",
      "etc/ssh/sshd_config.d/50-cloud-init.conf": "PasswordAuthentication yes\n",
      "etc/ssh/sshd_config.d/10-a.conf": "AllowUsers bob\n",
      "etc/ssh/sshd_config.d/ignored.txt": "PasswordAuthentication maybe\n",
    });
    const cfg = await loadSshdConfig(fs);
    const g = globalValue(cfg, "passwordauthentication");
    assert.deepEqual(g.args, ["yes"]);
    assert.equal(where(g.source ?? { file: "", line: 0 }), "/etc/ssh/sshd_config.d/50-cloud-init.conf:1");
    assert.equal(g.all.length, 2);
    // accumulating: both lines, drop-in first
    assert.deepEqual(globalValue(cfg, "AllowUsers").args, ["bob", "alice"]);
    assert.deepEqual(
      [...cfg.files.keys()],
      ["/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d/10-a.conf", "/etc/ssh/sshd_config.d/50-cloud-init.conf"],
    );
  });

  test("relative globs resolve under /etc/ssh, sorted byte-wise, recursive", async () => {
    const fs = await root({
      "etc/ssh/sshd_config": "Include conf.d/*\n",
      "etc/ssh/conf.d/b": "Include /etc/ssh/nested/x.conf\n",
      "etc/ssh/conf.d/B": "MaxAuthTries 5\n",
      "etc/ssh/conf.d/a": "LogLevel VERBOSE\n",
      "etc/ssh/conf.d/.hidden": "LogLevel QUIET\n",
      "etc/ssh/nested/x.conf": "MaxAuthTries 2\n",
    });
    const cfg = await loadSshdConfig(fs);
    assert.deepEqual(
      cfg.directives.map((d) => `${path.basename(d.file)}:${d.keyword}`),
      ["B:MaxAuthTries", "a:LogLevel", "x.conf:MaxAuthTries"],
    );
    assert.equal(globalValue(cfg, "maxauthtries").args?.[0], "5");
  });

  test("Match blocks: scoped, ANDed with an Include's Match, ended by Match all and by the end of an included file", async () => {
    const fs = await root({
      "etc/ssh/sshd_config": [
        "PermitRootLogin no",
        "Match User bob",
        "  PasswordAuthentication yes",
        "  Include /etc/ssh/inner.conf",
        "Match all",
        "X11Forwarding no",
        "Match Address 10.0.0.0/8",
        "  Include /etc/ssh/leak.conf",
        "  PermitRootLogin yes",
        "",
      ].join("\n"),
      "etc/ssh/inner.conf": "MaxAuthTries 9\nMatch Group admins\nLogLevel DEBUG\n",
      "etc/ssh/leak.conf": "Match User carol\nMaxSessions 1\n",
    });
    const cfg = await loadSshdConfig(fs);
    assert.deepEqual(globalValue(cfg, "X11Forwarding").args, ["no"]);
    assert.equal(globalValue(cfg, "PasswordAuthentication").source, undefined);
    assert.equal(matchOverrides(cfg, "passwordauthentication")[0]?.match?.criteria.join(" "), "User bob");
    const bob = { user: "bob", host: "h", addr: "203.0.113.9", groups: ["admins"] };
    assert.equal(resolveFor(cfg, "maxauthtries", bob).args?.[0], "9");
    assert.equal(resolveFor(cfg, "loglevel", bob).args?.[0], "DEBUG");
    assert.equal(resolveFor(cfg, "loglevel", { ...bob, groups: ["users"] }).args, undefined);
    // the PermitRootLogin after leak.conf's own Match is still in "Match Address"
    const lan = { user: "root", host: "h", addr: "10.1.2.3" };
    assert.equal(resolveFor(cfg, "permitrootlogin", lan).args?.[0], "yes");
    assert.equal(resolveFor(cfg, "permitrootlogin", { ...lan, addr: "203.0.113.1" }).args?.[0], "no");
    const v = viewFromParser(cfg, bob, "test");
    assert.equal(v.settings.get("passwordauthentication")?.source, "/etc/ssh/sshd_config:3");
    assert.equal(v.settings.get("kbdinteractiveauthentication")?.source, "default (assumed)");
  });

  test("OverlayFs shows a planned drop-in winning without writing it", async () => {
    const fs = await root({
      "etc/ssh/sshd_config": "Include /etc/ssh/sshd_config.d/*.conf\n",
      "etc/ssh/sshd_config.d/50-cloud-init.conf": "PasswordAuthentication yes\n",
    });
    const cfg = await loadSshdConfig(new OverlayFs(fs, { "/etc/ssh/sshd_config.d/00-rampart.conf": "PasswordAuthentication no\n" }));
    assert.equal(
      where(globalValue(cfg, "PasswordAuthentication").source ?? { file: "", line: 0 }),
      "/etc/ssh/sshd_config.d/00-rampart.conf:1",
    );
  });
});

describe("editor", () => {
  const text =
    "# header\r\n\r\nPort 22\r\n  PasswordAuthentication yes   # was cloud\r\nPasswordAuthentication maybe\r\nMatch User bob\r\n  PasswordAuthentication yes\r\n";

  test("set rewrites the first global line in place; everything else is byte-identical", () => {
    const f = parseConfigText("/etc/ssh/sshd_config", text);
    const r = setDirective(f, "passwordauthentication", ["no"]);
    assert.ok(r.changed);
    assert.equal(
      serializeConfig(r.file),
      "# header\r\n\r\nPort 22\r\n  PasswordAuthentication no   # was cloud\r\nMatch User bob\r\n  PasswordAuthentication yes\r\n",
    );
    const again = setDirective(r.file, "PasswordAuthentication", ["no"]);
    assert.equal(again.changed, false);
  });

  test("set adds before the first Match; remove drops only global lines", () => {
    const f = parseConfigText("/x", text);
    const r = setDirective(f, "AllowUsers", ["alice", "b b"]);
    const out = serializeConfig(r.file);
    assert.ok(out.includes('PasswordAuthentication maybe\r\nAllowUsers alice "b b"\r\nMatch User bob'));
    const rm = removeDirective(f, "PASSWORDAUTHENTICATION");
    assert.equal(serializeConfig(rm.file), "# header\r\n\r\nPort 22\r\nMatch User bob\r\n  PasswordAuthentication yes\r\n");
  });

  test("set appends to a file without a final newline, and to an empty file", () => {
    assert.equal(
      serializeConfig(setDirective(parseConfigText("/x", "Port 22"), "LogLevel", ["VERBOSE"]).file),
      "Port 22\nLogLevel VERBOSE\n",
    );
    assert.equal(serializeConfig(setDirective(parseConfigText("/x", ""), "LogLevel", ["VERBOSE"]).file), "LogLevel VERBOSE\n");
  });

  test("ensureIncludeAtTop inserts after the header comments, moves a later one, and is idempotent", () => {
    const inc = "/etc/ssh/sshd_config.d/*.conf";
    const f = parseConfigText("/x", "# head\nPort 22\nInclude /etc/ssh/sshd_config.d/*.conf\n");
    const r = ensureIncludeAtTop(f, inc);
    assert.equal(serializeConfig(r.file), "# head\nInclude /etc/ssh/sshd_config.d/*.conf\nPort 22\n");
    assert.equal(ensureIncludeAtTop(r.file, inc).changed, false);
    assert.deepEqual(
      r.file.lines.map((l) => l.line),
      [1, 2, 3],
    );
  });
});
