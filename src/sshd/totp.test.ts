// The ~/.google_authenticator format: base32 (RFC 4648 vectors), the file as google-authenticator writes it,
// scratch codes the module accepts, the otpauth URI, and what readTotpFile reports without the secret.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { base32, newEnrolment, otpauthUri, readTotpFile, totpFileText } from "./totp.js";

describe("totp secret file", () => {
  test("base32 follows RFC 4648 (without padding)", () => {
    const vectors: [string, string][] = [
      ["", ""],
      ["f", "MY"],
      ["fo", "MZXQ"],
      ["foo", "MZXW6"],
      ["foob", "MZXW6YQ"],
      ["fooba", "MZXW6YTB"],
      ["foobar", "MZXW6YTBOI"],
    ];
    for (const [plain, enc] of vectors) assert.equal(base32(Buffer.from(plain)), enc);
  });

  test("a new enrolment: 160-bit secret, five distinct 8-digit scratch codes without a leading zero", () => {
    const a = newEnrolment();
    const b = newEnrolment();
    assert.match(a.secret, /^[A-Z2-7]{32}$/);
    assert.notEqual(a.secret, b.secret);
    assert.equal(a.scratch.length, 5);
    assert.equal(new Set(a.scratch).size, 5);
    for (const c of a.scratch) assert.match(c, /^[1-9]\d{7}$/);
  });

  test("the file is what `google-authenticator -t -d -r 3 -R 30 -w 3` writes", () => {
    const text = totpFileText({
      secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
      scratch: ["12345678", "23456789", "34567890", "45678901", "56789012"],
    });
    assert.equal(
      text,
      'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n" RATE_LIMIT 3 30\n" WINDOW_SIZE 3\n" DISALLOW_REUSE\n" TOTP_AUTH\n12345678\n23456789\n34567890\n45678901\n56789012\n',
    );
    assert.deepEqual(readTotpFile(text), { validSecret: true, timeBased: true, scratchLeft: 5 });
    assert.deepEqual(readTotpFile('JBSWY3DPEHPK3PXP\n" HOTP_COUNTER 1\n'), { validSecret: true, timeBased: false, scratchLeft: 0 });
    assert.equal(readTotpFile("not a secret\n").validSecret, false);
  });

  test("the otpauth URI names the issuer, the user and the host, escaped", () => {
    assert.equal(
      otpauthUri("alice", "web 1", "JBSWY3DPEHPK3PXP"),
      "otpauth://totp/rampart%3Aalice%40web%201?secret=JBSWY3DPEHPK3PXP&issuer=rampart&algorithm=SHA1&digits=6&period=30",
    );
  });
});
