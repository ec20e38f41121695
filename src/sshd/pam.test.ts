// rampart's block in /etc/pam.d/sshd: inserted before the first auth rule, idempotent, removed byte for byte
// (also for files without a final newline, with CRLF, or with the block moved by hand), damaged blocks refused.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { PAM_BEGIN, PAM_END, TOTP_MODULE, pamBlockOf, pamUsesModule, totpBlock, withPamBlock } from "./pam.js";

const DEBIAN = `# PAM configuration for the Secure Shell service

# Standard Un*x authentication.
@include common-auth

# Disallow non-root logins when /etc/nologin exists.
account    required     pam_nologin.so

@include common-account
session    required     pam_loginuid.so
@include common-session
@include common-password
`;

describe("withPamBlock", () => {
  test("puts the block just before @include common-auth, and nothing else changes", () => {
    const out = withPamBlock(DEBIAN, totpBlock());
    const lines = out.split("\n");
    const at = lines.indexOf("@include common-auth");
    assert.equal(lines[at - 1], PAM_END);
    assert.equal(lines[at - 2], `auth [success=done new_authtok_reqd=done default=die] ${TOTP_MODULE}`);
    assert.equal(lines[at - 5], PAM_BEGIN);
    assert.equal(lines.filter((_l, i) => i < at - 5 || i >= at).join("\n"), DEBIAN);
    assert.deepEqual(pamBlockOf(out), totpBlock());
    assert.equal(pamUsesModule(out, TOTP_MODULE), true);
    assert.equal(pamUsesModule(DEBIAN, TOTP_MODULE), false);
  });

  test("is idempotent and removal gives back the original bytes", () => {
    const once = withPamBlock(DEBIAN, totpBlock());
    assert.equal(withPamBlock(once, totpBlock()), once);
    assert.equal(withPamBlock(once, undefined), DEBIAN);
    assert.equal(withPamBlock(DEBIAN, undefined), DEBIAN, "removing an absent block changes nothing");
  });

  test("before the first plain auth rule when there is no @include", () => {
    const text = "#%PAM-1.0\nauth required pam_env.so\nauth include system-auth\naccount include system-auth";
    const out = withPamBlock(text, ["auth required x.so"]);
    assert.equal(
      out,
      `#%PAM-1.0\n${PAM_BEGIN}\nauth required x.so\n${PAM_END}\nauth required pam_env.so\nauth include system-auth\naccount include system-auth`,
    );
    assert.equal(withPamBlock(out, undefined), text, "no final newline: still byte for byte");
  });

  test("a block moved or edited by hand is replaced where it stands", () => {
    const moved = DEBIAN.replace(
      "@include common-account\n",
      `@include common-account\n${PAM_BEGIN}\nauth required pam_edited.so\n${PAM_END}\n`,
    );
    const out = withPamBlock(moved, totpBlock());
    assert.equal(
      out,
      DEBIAN.replace("@include common-account\n", `@include common-account\n${[PAM_BEGIN, ...totpBlock(), PAM_END].join("\n")}\n`),
    );
  });

  test("a BEGIN without an END (or two blocks) is refused with the line and a fix", () => {
    const broken = `${PAM_BEGIN}\nauth required x.so\n${DEBIAN}`;
    assert.throws(
      () => withPamBlock(broken, totpBlock()),
      (e: Error & { location?: string; hint?: string }) => {
        assert.match(e.message, /marked block is damaged/);
        assert.equal(e.location, "/etc/pam.d/sshd:1");
        assert.match(e.hint ?? "", /by hand/);
        return true;
      },
    );
    const twice = withPamBlock(DEBIAN, totpBlock()) + [PAM_BEGIN, PAM_END, ""].join("\n");
    assert.throws(() => withPamBlock(twice, undefined), /damaged/);
  });

  test("commented-out module lines do not count as using it", () => {
    assert.equal(pamUsesModule(`# auth required ${TOTP_MODULE}\n`, TOTP_MODULE), false);
    assert.equal(pamUsesModule(`auth required /lib/security/${TOTP_MODULE} nullok\n`, TOTP_MODULE), true);
  });

  test("property: insert then remove is the identity for any file without markers (CRLF, tabs, no newline)", () => {
    const line = fc.oneof(
      fc.constantFrom(
        "@include common-auth",
        "auth\trequired pam_unix.so",
        "account required pam_nologin.so",
        "",
        "# comment",
        "session optional x.so\r",
      ),
      fc.string({ maxLength: 20 }).filter((s) => !s.includes("\n") && !s.includes("rampart")),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const text = lines.join("\n");
        const out = withPamBlock(text, totpBlock());
        assert.equal(withPamBlock(out, totpBlock()), out);
        assert.equal(withPamBlock(out, undefined), text);
      }),
    );
  });
});
