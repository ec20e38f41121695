// Who the journal says sent an entry (sentBy): the sshd programs under /usr, run by root — never the entry's
// own SYSLOG_IDENTIFIER, a copy named sshd elsewhere, or /usr/sbin/sshd run by a user (a preloaded library
// can make it log anything). The lab test (test/guard/lab-journald.test.ts) checks the same with journald.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SSHD_PROGRAMS } from "../jail-specs.js";
import { cursorTime, sentBy } from "./journald.js";

const entry = (fields: Record<string, string>) =>
  JSON.stringify({ MESSAGE: "Failed password for root from 203.0.113.7 port 22 ssh2", SYSLOG_IDENTIFIER: "sshd", ...fields });
const by = (fields: Record<string, string>) => {
  const text = `x${entry(fields)}y`; // the entry in the middle of a chunk, as the splitter hands it
  return sentBy(text, 1, text.length - 1, SSHD_PROGRAMS);
};

test("sentBy: sshd, sshd-session and sshd-auth under /usr, run by root", () => {
  for (const exe of ["/usr/sbin/sshd", "/usr/lib/openssh/sshd-session", "/usr/lib/openssh/sshd-auth"])
    assert.equal(by({ _EXE: exe, _UID: "0", _COMM: "sshd" }), true, exe);
});

test("sentBy: refuses other senders whatever the entry claims", () => {
  assert.equal(by({ _EXE: "/usr/bin/logger", _UID: "0" }), false, "logger -t sshd");
  assert.equal(by({ _EXE: "/tmp/sshd", _UID: "1000" }), false, "a copy named sshd outside /usr");
  assert.equal(by({ _EXE: "/usr/sbin/sshd", _UID: "1000" }), false, "the real sshd run by a user (LD_PRELOAD)");
  assert.equal(by({ _EXE: "/usr/sbin/sshd" }), false, "no _UID");
  assert.equal(by({ _UID: "0" }), false, "no _EXE");
  assert.equal(by({ _EXE: "/usr/../tmp/sshd", _UID: "0" }), false, "a path that leaves /usr");
  assert.equal(by({ _EXE: "/usr/sbin/ss\\hd", _UID: "0" }), false, "escapes in the path");
  // the fields inside the message are escaped JSON text, never fields
  assert.equal(by({ MESSAGE: '"_EXE":"/usr/sbin/sshd","_UID":"0"', _EXE: "/usr/bin/logger", _UID: "1000" }), false);
});

test("cursorTime: journald's stamp in a cursor, in whole seconds; nothing from a cursor without one", () => {
  assert.equal(cursorTime("s=6a1b;i=4f2;b=9c3d;m=1e2f;t=62f1c8a9b3c10;x=77"), Math.floor(0x62f1c8a9b3c10 / 1e6));
  assert.equal(cursorTime("t=62f1c8a9b3c10"), Math.floor(0x62f1c8a9b3c10 / 1e6));
  for (const bad of [
    "garbage",
    "",
    "s=1;t=;x=2",
    "s=1;t=zz;x=2",
    "s=1;xt=62f1c8a9b3c10",
    "t=0",
    "t=62f1c8a9b3c10ffff",
    `t=${((Date.now() + 86_400_000) * 1000).toString(16)}`,
  ])
    assert.equal(cursorTime(bad), undefined, bad);
});
