// Ban mail through a relay on another host (a lab address, not loopback) that offers AUTH but no STARTTLS — what
// a relay looks like to the guard when someone on the path strips STARTTLS from its answer. With a login in
// guard.notify.email.smtp the guard requires TLS: the mail fails with an error that says why, and the relay is
// sent no login (no password crosses in clear). Without a login, the same relay still gets the mail
// (opportunistic STARTTLS, as before). The Notifier runs in its own host (test/guard/notify-once.ts).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { REPO } from "../helpers/cli.js";
import { labTest } from "../lab/index.js";

const PASSWORD = "relay-s3cret";

labTest(
  "guard notify: a remote relay without STARTTLS is never sent the SMTP password",
  async (lab) => {
    const relay = await lab.host("relay", { role: "server" });
    const guard = await lab.host("adm", { role: "admin" });
    const mailbox = path.join(relay.dir, "mailbox.jsonl");
    const smtp = relay.spawn([process.execPath, path.join(REPO, "test/helpers/smtp-sink.mjs"), mailbox, "2525", relay.v4, "auth"]);
    await smtp.waitFor(/listening/);
    const received = () => {
      try {
        return readFileSync(mailbox, "utf8")
          .trim()
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { login?: string; data?: string });
      } catch {
        return [];
      }
    };
    const notifyOnce = async (url: string) => {
      const r = await guard.exec([process.execPath, "--import", "tsx", path.join(REPO, "test/guard/notify-once.ts"), url], {
        cwd: REPO,
        timeoutMs: 60_000,
      });
      return JSON.parse(r.stdout) as { sent: number; failed: number; log: string[] };
    };

    // with a login: refused before AUTH, with an error that says why
    const withLogin = await notifyOnce(`smtp://rampart:${PASSWORD}@${relay.v4}:2525`);
    assert.deepEqual([withLogin.sent, withLogin.failed], [0, 1], withLogin.log.join(""));
    assert.match(withLogin.log.join(""), new RegExp(`mail relay ${relay.v4.replace(/\./g, "\\.")}:2525 did not take STARTTLS`));
    assert.doesNotMatch(withLogin.log.join(""), new RegExp(PASSWORD), "the password is never logged");
    assert.deepEqual(received(), [], "no login and no mail reached the relay");

    // the relay itself works: without a login the mail goes through in plain SMTP (opportunistic TLS)
    const plain = await notifyOnce(`smtp://${relay.v4}:2525`);
    assert.deepEqual([plain.sent, plain.failed], [1, 0], plain.log.join(""));
    const got = received();
    assert.equal(got.length, 1);
    assert.match(got[0]?.data ?? "", /banned 198\.51\.100\.7/);
  },
  { timeout: 120_000 },
);
