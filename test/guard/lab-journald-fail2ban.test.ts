// A fail2ban jail reading the journal (Debian 12 without rsyslog: backend journald, or auto with no log
// file): the guard's journal source hands on `journalctl -o json` entries and fail2ban's postfix filter must
// match them as fail2ban's systemd backend does — rebuilt as `HOST IDENT[PID]: MESSAGE` — and ban. Before
// (#13) its regexes ran over the JSON text and the jail was silently deaf. Real journald in a lab host,
// entries sent through syslog() by logger, the ban checked in the kernel's set.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { CLI_ARGV, REPO } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";
import { labTest } from "../lab/index.js";
import { startJournal } from "../lab/journal.js";

const ATTACKER = "203.0.113.5";
const OTHER = "203.0.113.7";
const LONG = "203.0.113.9";
const NAME = "guard (journald): a fail2ban postfix jail matches journal entries and bans";
const noFail2ban = existsSync("/etc/fail2ban/filter.d/postfix.conf")
  ? undefined
  : "fail2ban's filters are not installed: apt-get install fail2ban";

if (noFail2ban) test(NAME, { skip: noFail2ban }, () => {});
else
  labTest(
    NAME,
    async (lab) => {
      const server = await lab.host("srv", { role: "server" });
      await startJournal(server);
      await server.writeFile(
        "/etc/rampart/policy.yaml",
        `firewall:
  inbound:
    - { service: ssh }
guard:
  jails:
    postfix: { filter: "fail2ban:postfix[mode=aggressive]", maxretry: 3, bantime: 10m, backend: auto, logpath: /var/log/no-such-mail.log }
`,
        { mode: 0o600 },
      );
      const rendered = await server.rampart(["firewall", "render"]);
      assert.equal(rendered.code, 0, rendered.stderr);
      await server.exec(["nft", "-f", "-"], { input: rendered.stdout });
      const guard = server.spawn([...CLI_ARGV, "guard", "run"], { cwd: REPO });
      await guard.waitFor(/backend auto chose the systemd journal/, 30_000);
      await until("the guard to answer", async () => (await server.rampart(["guard", "status", "--json"])).code === 0, 30_000, 200);
      // the control socket answers before journalctl follows the journal: let it start (from "now") first
      await new Promise((r) => setTimeout(r, 1500));

      const log = (message: string) => server.exec(["logger", "-t", "postfix/smtpd", "-i", message]);
      for (let i = 0; i < 3; i++) await log(`warning: unknown[${ATTACKER}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`);
      await log(
        `NOQUEUE: reject: RCPT from unknown[${OTHER}]: 554 5.7.1 <x@y>: Relay access denied; from=<a@b> to=<x@y> proto=ESMTP helo=<h>`,
      );
      await log(`connect from unknown[${OTHER}]`);
      // an entry over 4 KiB (journalctl shows such a field as null unless given --all): still matched
      await server.exec(["logger", "-t", "postfix/smtpd", "-i", "--size", "16384"], {
        input: `NOQUEUE: reject: RCPT from unknown[${LONG}]: 554 5.7.1 <x@y>: Relay access denied; from=<a@b> to=<x@y> proto=ESMTP helo=<${"h".repeat(6000)}>\n`,
      });

      const set = async () => (await server.exec(["nft", "list", "set", "inet", "rampart", "rampart_ban_v4"])).stdout;
      await until("the attacker to be banned", async () => (await set()).includes(`${ATTACKER} timeout`), 15_000, 100);
      const matches = async () =>
        (JSON.parse((await server.rampart(["guard", "status", "--json"])).stdout) as { jails: { matches: number }[] }).jails[0]?.matches;
      await until("the long entry to be read", async () => (await matches()) === 5, 10_000, 100);
      assert.doesNotMatch(await set(), new RegExp(OTHER.replace(/\./g, "\\.")), "one failure is below maxretry");
      const status = JSON.parse((await server.rampart(["guard", "status", "--json"])).stdout) as {
        sources: { kind: string; state: string }[];
        jails: { matches: number }[];
      };
      assert.deepEqual(
        status.sources.map((s) => [s.kind, s.state]),
        [["journald", "reading"]],
      );
      assert.equal(status.jails[0]?.matches, 5, "three SASL failures and two relay rejects (one over 4 KiB)");
    },
    { timeout: 90_000 },
  );
