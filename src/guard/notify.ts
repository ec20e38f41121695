// Notifications of bans: e-mail over SMTP (nodemailer) and webhooks (JSON POST). Each is its own delivery
// with its own bounded queue, retries and backoff (Channel), off the ban path: a slow or failing mail server
// never delays a ban, never holds back the webhook, and a failing webhook never sends the mail again. Attacker
// text (the matching log lines) only ever goes into the body, with control characters made visible; headers
// carry only values rampart chose (the address it parsed, the jail name from the policy). The community
// reporters (guard.report: AbuseIPDB, blocklist.de, a report webhook) are offered every ban here too; they
// keep their own queues with limits and retries (report/queue.ts), so neither delays the other nor a ban.
// nodemailer is loaded only when e-mail is configured (Notifier.create): with the net/tls/dns modules of Node
// it pulls in, it is ≈10 MiB of a daemon's memory that most hosts never use.
import type { Transporter } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import { tryParseIp } from "../core/ip.js";
import type { Logger } from "../core/logger.js";
import type { Policy } from "../policy/schema.js";
import type { Runner } from "../system/exec.js";
import type { Reports } from "./report/queue.js";
import { visible } from "./visible.js";

export interface BanNotice {
  target: string;
  jail: string;
  reason: string;
  startedAt: number;
  expiresAt: number;
  offense: number;
  /** the log lines that decided it (attacker-influenced text) */
  lines: string[];
  hostname: string;
  /** the host that decided the ban (another one for a ban received from the fleet) */
  origin: string;
  /** the address whose failures decided it (for a prefix ban, the address inside it) */
  address?: string | undefined;
}

type Notify = Policy["guard"]["notify"];

/** Notices a channel holds at most: a flood of bans must not grow memory without bound (the bans are in the log). */
const MAX_QUEUED = 1000;
/** Tries per delivery before it is counted as failed. */
const MAX_TRIES = 3;
/** What is read of a webhook's reply (then discarded): enough for any acknowledgement, bounded for a hostile one. */
const MAX_REPLY_BYTES = 64 * 1024;

/**
 * SMTP transport options for guard.notify.email.smtp, read by nodemailer's own URL parser (so a URL means here
 * what it means to nodemailer: host, port, user:password, ?tls.…) with time limits, and TLS required when
 * smtpNeedsTls says so.
 */
export function smtpOptions(parse: (url: string) => SMTPTransport.Options, url: string): SMTPTransport.Options {
  const o: SMTPTransport.Options = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000, ...parse(url) };
  // opportunisticTLS would carry on in clear after a refused STARTTLS, requireTLS notwithstanding
  return smtpNeedsTls(o) ? { ...o, requireTLS: true, ignoreTLS: false, opportunisticTLS: false } : o;
}

/**
 * Whether the relay must be reached over TLS: when it is not on loopback and the URL carries a login. Then
 * STARTTLS is required (nodemailer's requireTLS; smtps:// has TLS from the first byte anyway): a man in the
 * middle who strips STARTTLS from the relay's answer would otherwise be sent the password in clear, and a
 * relay that offers no STARTTLS fails with an error before any AUTH. A relay without a login (a smart host on
 * the LAN, port 25) keeps nodemailer's opportunistic STARTTLS: requiring TLS there would break such hosts with
 * no way out, for mail that carries what the ban log carries; the README's notify section says so.
 */
export function smtpNeedsTls(o: { host?: string | undefined; secure?: boolean | undefined; auth?: unknown }): boolean {
  if (o.secure === true) return false;
  const auth = o.auth as { user?: string; pass?: string } | undefined;
  if (!auth?.user && !auth?.pass) return false;
  return !isLoopback(o.host ?? "localhost");
}

function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  const ip = tryParseIp(host.replace(/^\[(.*)\]$/, "$1"));
  return ip.ok && (ip.value.family === 4 ? ip.value.value >> 24n === 127n : ip.value.value === 1n); // 127.0.0.0/8, ::1
}

/**
 * One way a ban is told (mail, webhook): its own queue (at most MAX_QUEUED notices), MAX_TRIES tries with a
 * growing delay, one delivery at a time.
 */
class Channel {
  private queue: { notice: BanNotice; tries: number }[] = [];
  private busy = false;
  sent = 0;
  failed = 0;

  constructor(
    readonly name: "mail" | "webhook",
    private readonly send: (n: BanNotice) => Promise<void>,
    private readonly log: Logger,
    private readonly retryDelayMs: number,
  ) {}

  get idle(): boolean {
    return this.queue.length === 0 && !this.busy;
  }

  offer(notice: BanNotice): void {
    if (this.queue.length >= MAX_QUEUED) {
      this.failed++;
      return;
    }
    this.queue.push({ notice, tries: 0 });
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length) {
        const item = this.queue[0] as { notice: BanNotice; tries: number };
        try {
          await this.send(item.notice);
          this.sent++;
          this.queue.shift();
        } catch (e) {
          item.tries++;
          this.log.warn(`ban notification (${this.name}) failed`, {
            target: item.notice.target,
            try: item.tries,
            error: (e as Error).message,
          });
          if (item.tries >= MAX_TRIES) {
            this.failed++;
            this.queue.shift();
          } else {
            await new Promise((r) => setTimeout(r, this.retryDelayMs * item.tries));
          }
        }
      }
    } finally {
      this.busy = false;
    }
  }
}

export class Notifier {
  private readonly channels: Channel[] = [];

  /** The notifier for this configuration, with its SMTP transport when guard.notify.email is set. */
  static async create(config: Notify, log: Logger, run: Runner, retryDelayMs = 5000, reports?: Reports): Promise<Notifier> {
    let transport: { mailer: Transporter; options: SMTPTransport.Options } | undefined;
    if (config.email) {
      const nodemailer = (await import("nodemailer")).default;
      const { parseConnectionUrl } = (await import("nodemailer/lib/shared/index.js")).default;
      const options = smtpOptions(parseConnectionUrl, config.email.smtp);
      transport = { mailer: nodemailer.createTransport(options), options };
    }
    return new Notifier(config, log, run, retryDelayMs, reports, transport);
  }

  private constructor(
    private readonly config: Notify,
    log: Logger,
    private readonly run: Runner,
    retryDelayMs: number,
    readonly reports: Reports | undefined,
    private readonly transport: { mailer: Transporter; options: SMTPTransport.Options } | undefined,
  ) {
    if (config.email && transport) this.channels.push(new Channel("mail", (n) => this.mail(n), log, retryDelayMs));
    if (config.webhook) this.channels.push(new Channel("webhook", (n) => this.webhook(n), log, retryDelayMs));
  }

  get enabled(): boolean {
    return this.channels.length > 0 || this.reports !== undefined;
  }

  /** Deliveries made (a mail and a webhook call are one each). */
  get sent(): number {
    return this.channels.reduce((a, c) => a + c.sent, 0);
  }

  /** Deliveries given up (after MAX_TRIES, or dropped from a full queue). */
  get failed(): number {
    return this.channels.reduce((a, c) => a + c.failed, 0);
  }

  /** Queue a notice on every channel; returns at once. */
  notify(notice: BanNotice): void {
    this.reports?.offer(notice);
    for (const c of this.channels) c.offer(notice);
  }

  /** Wait until the queues are empty (tests, shutdown). */
  async drain(timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!this.channels.every((c) => c.idle) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await this.reports?.drain(Math.max(0, end - Date.now()));
  }

  /** At shutdown: mail and webhook queues drained, reports in flight finished, then the reporters stopped. */
  async stop(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!this.channels.every((c) => c.idle) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await this.reports?.stop(Math.max(0, end - Date.now()));
  }

  private async mail(n: BanNotice): Promise<void> {
    const email = this.config.email;
    if (!email || !this.transport) return;
    const whois = email.whois ? await this.whois(n.target) : undefined;
    try {
      await this.transport.mailer.sendMail({
        from: email.from ?? `rampart@${n.hostname}`,
        to: email.to,
        subject: `[rampart] ${n.jail}: banned ${n.target} on ${n.hostname}`,
        text: mailBody(n, whois),
      });
    } catch (e) {
      const o = this.transport.options;
      // nodemailer's own words ("Error upgrading connection with STARTTLS") do not say why TLS was required
      if (o.requireTLS && /^Error upgrading connection with STARTTLS/.test((e as Error).message)) {
        throw new Error(
          `the mail relay ${o.host}:${o.port ?? 587} did not take STARTTLS; TLS is required for a relay that is not on loopback when the URL holds a login, so nothing was sent (no password): enable STARTTLS on the relay or use smtps://`,
        );
      }
      throw e;
    }
  }

  private async webhook(n: BanNotice): Promise<void> {
    const hook = this.config.webhook;
    if (!hook) return;
    const res = await fetch(hook.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        event: "ban",
        host: n.hostname,
        target: n.target,
        jail: n.jail,
        reason: n.reason,
        offense: n.offense,
        startedAt: new Date(n.startedAt).toISOString(),
        expiresAt: new Date(n.expiresAt).toISOString(),
        lines: n.lines.map(visible),
      }),
      // the whole exchange, reply body included
      signal: AbortSignal.timeout(10_000),
    });
    await discardReply(res);
    if (!res.ok) throw new Error(`webhook answered ${res.status}`);
  }

  private async whois(target: string): Promise<string | undefined> {
    try {
      const r = await this.run(["whois", target.split("/")[0] as string], { timeoutMs: 10_000, okCodes: "any", maxOutput: 64 * 1024 });
      return r.stdout.slice(0, 8000);
    } catch {
      return undefined;
    }
  }
}

/**
 * Read the reply's body to its end and drop it (at most MAX_REPLY_BYTES, then the rest is cancelled): an unread
 * body keeps its connection busy until the garbage collector finds it, so the next ban opens another one.
 */
async function discardReply(res: Response): Promise<void> {
  if (!res.body) return;
  const reader = res.body.getReader();
  let read = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
      if (read > MAX_REPLY_BYTES) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // a reply cut short: its status already said what happened
  }
}

export function mailBody(n: BanNotice, whois?: string): string {
  const L = [
    `rampart guard on ${n.hostname} banned ${n.target}.`,
    "",
    `jail:     ${n.jail}`,
    `reason:   ${n.reason}`,
    `offense:  ${n.offense}${n.offense > 1 ? " (repeat offender: longer ban)" : ""}`,
    `from:     ${new Date(n.startedAt).toISOString()}`,
    `until:    ${new Date(n.expiresAt).toISOString()}`,
    "",
    "Matching log lines:",
    ...n.lines.slice(-20).map((l) => `  ${visible(l)}`),
  ];
  if (whois) L.push("", "whois:", ...whois.split("\n").map((l) => `  ${visible(l)}`));
  L.push("", `Lift it: rampart guard unban ${n.target}`);
  return `${L.join("\n")}\n`;
}
