// Run inside a lab host by lab-notify-tls.test.ts: one ban notice through the guard's Notifier to the SMTP
// URL in argv[2] (e-mail only, retries 10 ms apart); prints {sent, failed, log} as JSON (log: its JSON lines).
import { createLogger } from "../../src/core/logger.js";
import { Notifier } from "../../src/guard/notify.js";
import { run } from "../../src/system/exec.js";

const lines: string[] = [];
const log = createLogger({ format: "json", write: (l) => lines.push(l) });
const n = await Notifier.create({ email: { to: "root@localhost", smtp: process.argv[2] as string, whois: false } }, log, run, 10);
n.notify({
  target: "198.51.100.7",
  jail: "sshd",
  reason: "3 failures",
  startedAt: Date.now(),
  expiresAt: Date.now() + 600_000,
  offense: 1,
  lines: ["Failed password for root from 198.51.100.7 port 1 ssh2"],
  hostname: "relay-test",
  origin: "relay-test",
});
await n.drain(30_000);
process.stdout.write(`${JSON.stringify({ sent: n.sent, failed: n.failed, log: lines })}\n`);
