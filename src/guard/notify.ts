// Notifications of bans: e-mail over SMTP (nodemailer) and webhooks (JSON POST). They run on a queue with
// retries and backoff, off the ban path: a slow or failing mail server never delays a ban. Attacker text
// (the matching log lines) only ever goes into the body, with control characters made visible; headers
// carry only values rampart chose (the address it parsed, the jail name from the policy). The community
// reporters (guard.report: AbuseIPDB, blocklist.de, a report webhook) are offered every ban here too; they
// keep their own queues with limits and retries (report/queue.ts), so neither delays the other nor a ban.
// nodemailer is loaded only when e-mail is configured (Notifier.create): with the net/tls/dns modules of Node
// it pulls in, it is ≈10 MiB of a daemon's memory that most hosts never use.
import type { Transporter } from "nodemailer";
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

export class Notifier {
  private queue: { notice: BanNotice; tries: number }[] = [];
  private busy = false;
  sent = 0;
  failed = 0;

  /** The notifier for this configuration, with its SMTP transport when guard.notify.email is set. */
  static async create(config: Notify, log: Logger, run: Runner, retryDelayMs = 5000, reports?: Reports): Promise<Notifier> {
    const transport = config.email
      ? (await import("nodemailer")).default.createTransport(config.email.smtp, {
          connectionTimeout: 10_000,
          socketTimeout: 20_000,
        } as never)
      : undefined;
    return new Notifier(config, log, run, retryDelayMs, reports, transport);
  }

  private constructor(
    private readonly config: Notify,
    private readonly log: Logger,
    private readonly run: Runner,
    private readonly retryDelayMs: number,
    readonly reports: Reports | undefined,
    private readonly transport: Transporter | undefined,
  ) {}

  get enabled(): boolean {
    return this.mails || this.reports !== undefined;
  }

  private get mails(): boolean {
    return this.config.email !== undefined || this.config.webhook !== undefined;
  }

  /** Queue a notice; returns at once. */
  notify(notice: BanNotice): void {
    this.reports?.offer(notice);
    if (!this.mails) return;
    if (this.queue.length > 1000) {
      this.failed++;
      return; // a flood of bans must not grow memory without bound; the bans themselves are in the log
    }
    this.queue.push({ notice, tries: 0 });
    void this.pump();
  }

  /** Wait until the queue is empty (tests, shutdown). */
  async drain(timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while ((this.queue.length || this.busy) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await this.reports?.drain(Math.max(0, end - Date.now()));
  }

  /** At shutdown: mail queue drained, reports in flight finished, then the reporters stopped. */
  async stop(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while ((this.queue.length || this.busy) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await this.reports?.stop(Math.max(0, end - Date.now()));
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length) {
        const item = this.queue[0] as { notice: BanNotice; tries: number };
        try {
          await this.deliver(item.notice);
          this.sent++;
          this.queue.shift();
        } catch (e) {
          item.tries++;
          this.log.warn("ban notification failed", { target: item.notice.target, try: item.tries, error: (e as Error).message });
          if (item.tries >= 3) {
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

  private async deliver(n: BanNotice): Promise<void> {
    const email = this.config.email;
    if (email && this.transport) {
      const whois = email.whois ? await this.whois(n.target) : undefined;
      await this.transport.sendMail({
        from: email.from ?? `rampart@${n.hostname}`,
        to: email.to,
        subject: `[rampart] ${n.jail}: banned ${n.target} on ${n.hostname}`,
        text: mailBody(n, whois),
      });
    }
    const hook = this.config.webhook;
    if (hook) {
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
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`webhook answered ${res.status}`);
    }
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
