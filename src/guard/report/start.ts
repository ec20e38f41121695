// guard.report → the report queues, built once at the guard's start. The key files are read here (root-only
// files; a group- or world-readable one is refused with the chmod that fixes it). A reporter whose key cannot
// be used is disabled — logged as an error and shown by `guard status` (which then exits 1) — while the guard
// runs on: a reporting problem must never cost the host its bans. The extra CA is read once, and the
// scrubber learns this host's names, addresses and accounts.
import { readFileSync } from "node:fs";
import os from "node:os";
import type { Clock } from "../../core/clock.js";
import { RampartError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { Policy } from "../../policy/schema.js";
import { parseRate, type Rate } from "../../policy/units.js";
import { readCredentials } from "../share/credentials.js";
import { CommentScrubber, loginUsers } from "./comment.js";
import { Eligible } from "./eligible.js";
import { type ChannelLimits, ReportChannel, Reports, type RetryPolicy } from "./queue.js";
import { abuseIpdb, blocklistDe, type HttpOptions, type Reporter, webhook } from "./reporters.js";

export interface ReportDeps {
  policy: Policy;
  clock: Clock;
  log: Logger;
  hostname: string;
  /** this host's addresses (never reported, taken out of comments) */
  own: readonly string[];
  /** /etc/passwd text (account names taken out of comments) */
  passwd: string;
  /** test seam: the uid rampart runs as */
  uid?: number;
}

/** The queues for the configured reporters, or undefined when guard.report names none. */
export function startReports(d: ReportDeps): Reports | undefined {
  const r = d.policy.guard.report;
  if (!r.abuseipdb && !r.blocklistDe && !r.webhook) return undefined;
  const uid = d.uid ?? process.getuid?.() ?? 0;
  const http: HttpOptions = r.caFile ? { ca: readCa(r.caFile) } : {};
  const retry: RetryPolicy = {
    initialMs: Math.max(1, r.retry.initial) * 1000,
    maxMs: Math.max(1, r.retry.max) * 1000,
    giveUpAfterMs: r.retry.giveUpAfter * 1000,
  };
  const channels: ReportChannel[] = [];
  const disabled: { name: string; error: string }[] = [];
  const withKey = (name: string, file: string, what: string, make: (key: string) => void) => {
    try {
      make(readCredentials(file, uid, what));
    } catch (e) {
      if (!(e instanceof RampartError)) throw e;
      disabled.push({ name, error: `${e.message}${e.hint ? ` (${e.hint})` : ""}` });
      d.log.error(`not reporting to ${name}: ${e.message}`, { hint: e.hint });
    }
  };
  const add = (rep: Reporter, l: { rateLimit: string; dailyCap: number; sameAddressEvery: number }) => {
    const limits: ChannelLimits = { rate: parseRate(l.rateLimit) as Rate, dailyCap: l.dailyCap, sameAddressEvery: l.sameAddressEvery };
    channels.push(new ReportChannel(rep, limits, retry, d.clock, d.log));
  };
  const ab = r.abuseipdb;
  if (ab)
    withKey("abuseipdb", ab.keyFile, "the AbuseIPDB API key", (key) =>
      add(abuseIpdb({ key, baseUrl: ab.baseUrl, categories: ab.categories }, http), ab),
    );
  const bl = r.blocklistDe;
  if (bl)
    withKey("blocklist.de", bl.keyFile, "the blocklist.de server API key", (key) =>
      add(blocklistDe({ email: bl.email, key, service: bl.service, baseUrl: bl.baseUrl }, http), bl),
    );
  if (r.webhook) add(webhook({ url: r.webhook.url }, http), r.webhook);
  const g = d.policy.guard;
  const eligible = new Eligible({
    hostname: d.hostname,
    ignore: [...g.ignore, ...Object.values(g.jails).flatMap((j) => j.ignore)],
    own: d.own,
    jails: r.jails,
    reportDocumentationRanges: r.reportDocumentationRanges,
  });
  const scrubber = new CommentScrubber({
    hostnames: [...new Set([d.hostname, os.hostname()])],
    addresses: d.own,
    users: [...new Set([...d.policy.admins.map((a) => a.name), ...loginUsers(d.passwd)])],
  });
  if (r.reportDocumentationRanges)
    d.log.warn("guard.report.reportDocumentationRanges is on: documentation addresses are reported (for labs only)");
  if (channels.length) d.log.info(`reporting bans to ${channels.map((c) => c.name).join(", ")}`);
  return new Reports(channels, eligible, scrubber, d.log, disabled);
}

function readCa(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new RampartError(
      "NOT_FOUND",
      `guard.report.caFile ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      {
        hint: "give a PEM file of the CA that signed the report endpoint's certificate, or remove caFile",
      },
    );
  }
}
