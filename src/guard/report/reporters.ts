// The report endpoints: AbuseIPDB (API v2), blocklist.de (its HTTP report API) and a generic webhook. Each is
// one small function of a Report → one HTTP request; the queue (./queue.ts) owns limits and retries. Requests
// go through node's http/https with a timeout and an optional extra CA (a lab's own), never through a shell.
// Attacker text (the comment) only ever travels URL-encoded or JSON-encoded in the body; headers carry only
// what rampart chose. The API keys are never logged: every error text is passed through `redact` first.
//   AbuseIPDB:    POST {baseUrl}/report, headers `Key: <key>`, `Accept: application/json`, form fields
//                 ip, categories (comma-separated ids), comment, timestamp (ISO 8601).
//   blocklist.de: POST {baseUrl}/en/httpreports.html, form fields server (the server's e-mail), apikey, ip,
//                 service, logs, format=json; the answer says status success or lists errors.
//   webhook:      POST url, JSON {event:"report", host, address, target, jail, reason, offense, startedAt, comment}.

/** One report: what the endpoints need, already checked (eligible.ts) and scrubbed (comment.ts). */
export interface Report {
  address: string;
  target: string;
  jail: string;
  reason: string;
  offense: number;
  startedAt: number;
  comment: string;
  hostname: string;
}

export interface Reporter {
  readonly name: string;
  send(r: Report): Promise<void>;
}

/** A failed delivery: `retry` when it may work later (network, 5xx, 429), else final (bad key, refused). */
export class ReportFailure extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface HttpOptions {
  /** extra CAs (PEM) trusted besides the system's */
  ca?: string | undefined;
  timeoutMs?: number;
  /** values that must never appear in an error (API keys) */
  secrets?: readonly string[];
}

interface Answer {
  status: number;
  body: string;
  retryAfter: string | undefined;
}

async function post(url: string, body: string, headers: Record<string, string>, o: HttpOptions): Promise<Answer> {
  const u = new URL(url);
  // Node's http/https/tls are loaded by the first request: a guard that reports nowhere does not carry them
  const lib = u.protocol === "https:" ? await import("node:https") : await import("node:http");
  const tls = u.protocol === "https:" && o.ca ? await import("node:tls") : undefined;
  const timeoutMs = o.timeoutMs ?? 15_000;
  let deadline: NodeJS.Timeout | undefined;
  return new Promise<Answer>((resolve, reject) => {
    const req = lib.request(
      u,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)), "user-agent": "rampart-guard" },
        timeout: timeoutMs,
        ...(tls && o.ca ? { ca: [...tls.rootCertificates, o.ca] } : {}),
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          if (text.length < 64 * 1024) text += c;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: text, retryAfter: res.headers["retry-after"] as string | undefined }),
        );
        res.on("error", reject);
      },
    );
    const late = () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`));
    req.on("timeout", late); // (an idle timeout only: a server that trickles bytes never trips it)
    // the whole exchange has the same bound: a reply that never ends would hold the reporter's queue for good
    deadline = setTimeout(late, timeoutMs);
    req.on("error", reject);
    req.end(body);
  }).finally(() => clearTimeout(deadline));
}

/** The request, with network errors and HTTP statuses turned into ReportFailure (retry or not). */
async function deliver(name: string, url: string, body: string, headers: Record<string, string>, o: HttpOptions): Promise<Answer> {
  let a: Answer;
  try {
    a = await post(url, body, headers, o);
  } catch (e) {
    throw new ReportFailure(redact(`${name}: ${(e as Error).message}`, o.secrets), true);
  }
  if (a.status >= 200 && a.status < 300) return a;
  const detail = redact(errorDetail(a.body), o.secrets);
  const msg = `${name} answered HTTP ${a.status}${detail ? `: ${detail}` : ""}`;
  if (a.status === 429 || a.status >= 500 || a.status === 408) throw new ReportFailure(msg, true, retryAfterMs(a.retryAfter));
  throw new ReportFailure(msg, false);
}

export function abuseIpdb(c: { key: string; baseUrl: string; categories: readonly number[] }, o: HttpOptions): Reporter {
  const opts = { ...o, secrets: [c.key] };
  return {
    name: "abuseipdb",
    async send(r) {
      const form = new URLSearchParams({
        ip: r.address,
        categories: c.categories.join(","),
        comment: r.comment,
        timestamp: new Date(r.startedAt).toISOString(),
      });
      await deliver(
        "abuseipdb",
        `${c.baseUrl.replace(/\/+$/, "")}/report`,
        form.toString(),
        { Key: c.key, Accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
        opts,
      );
    },
  };
}

export function blocklistDe(c: { email: string; key: string; service: string; baseUrl: string }, o: HttpOptions): Reporter {
  const opts = { ...o, secrets: [c.key] };
  return {
    name: "blocklist.de",
    async send(r) {
      const form = new URLSearchParams({
        server: c.email,
        apikey: c.key,
        ip: r.address,
        service: c.service,
        logs: r.comment,
        format: "json",
      });
      const a = await deliver(
        "blocklist.de",
        `${c.baseUrl.replace(/\/+$/, "")}/en/httpreports.html`,
        form.toString(),
        { "content-type": "application/x-www-form-urlencoded", Accept: "application/json" },
        opts,
      );
      // HTTP 200 with {"status":"error","error":[…]} is a refusal (bad key, unknown server): final
      const refused = blocklistRefusal(a.body);
      if (refused) throw new ReportFailure(redact(`blocklist.de refused the report: ${refused}`, opts.secrets), false);
    },
  };
}

export function webhook(c: { url: string }, o: HttpOptions): Reporter {
  return {
    name: "webhook",
    async send(r) {
      const body = JSON.stringify({
        event: "report",
        host: r.hostname,
        address: r.address,
        target: r.target,
        jail: r.jail,
        reason: r.reason,
        offense: r.offense,
        startedAt: new Date(r.startedAt).toISOString(),
        comment: r.comment,
      });
      await deliver("webhook", c.url, body, { "content-type": "application/json" }, o);
    },
  };
}

/** blocklist.de's answer: undefined when accepted (or not JSON: the HTTP status said OK), else its errors. */
export function blocklistRefusal(body: string): string | undefined {
  let j: unknown;
  try {
    j = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!j || typeof j !== "object") return undefined;
  const { status, error } = j as { status?: unknown; error?: unknown };
  if (status === "success") return undefined;
  if (status !== "error" && (error === undefined || error === 0 || error === "0" || error === "")) return undefined;
  const text = Array.isArray(error)
    ? error.map(String).join("; ")
    : typeof error === "object"
      ? JSON.stringify(error)
      : String(error ?? status);
  return text.slice(0, 200);
}

/** AbuseIPDB answers {"errors":[{"detail":"…"}]}; others plain text. One short line, control characters out. */
function errorDetail(body: string): string {
  let text = body;
  try {
    const j = JSON.parse(body) as { errors?: { detail?: unknown }[] };
    const d = j.errors?.[0]?.detail;
    if (typeof d === "string") text = d;
  } catch {
    // not JSON: the text itself
  }
  return text
    .replace(/[\u0000-\u001f\u007f]+/g, " ")
    .trim()
    .slice(0, 200);
}

function retryAfterMs(h: string | undefined): number | undefined {
  if (!h) return undefined;
  if (/^\d+$/.test(h.trim())) return Number(h.trim()) * 1000;
  const t = Date.parse(h);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

/** Every secret replaced by ***: an endpoint that echoes the key must not put it in our log. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let t = text;
  for (const s of secrets) if (s.length >= 4) t = t.split(s).join("***");
  return t;
}
