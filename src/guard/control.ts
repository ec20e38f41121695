// The guard's control socket: a root-only unix socket (/run/rampart/guard.sock, mode 0600) speaking one JSON
// request and one JSON response per line. `rampart guard status|bans|ban|unban|metrics` are its clients.
// Requests are validated here (addresses parsed strictly) before the daemon sees them.
import { chmodSync, existsSync, mkdirSync, rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { RampartError, isRampartError } from "../core/errors.js";

export const CONTROL_SOCKET = "/run/rampart/guard.sock";

export type ControlRequest =
  | { cmd: "status" }
  | { cmd: "bans" }
  | { cmd: "metrics" }
  | { cmd: "ban"; target: string; jail: string; seconds?: number }
  | { cmd: "unban"; target?: string; all?: boolean };

export type ControlResponse = { ok: true; data: unknown } | { ok: false; error: { code: string; message: string; hint?: string } };

export type ControlHandler = (req: ControlRequest) => Promise<unknown>;

const MAX_REQUEST = 64 * 1024;

export async function serveControl(socketPath: string, handler: ControlHandler): Promise<net.Server> {
  mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  if (existsSync(socketPath)) {
    // a live daemon answers; a stale socket from a crash is removed
    const alive = await new Promise<boolean>((resolve) => {
      const c = net.connect(socketPath, () => {
        c.destroy();
        resolve(true);
      });
      c.on("error", () => resolve(false));
    });
    if (alive)
      throw new RampartError("REFUSED", `another guard is already running (${socketPath} answers)`, {
        hint: "Stop it first, or use `rampart guard status`.",
      });
    rmSync(socketPath, { force: true });
  }
  const server = net.createServer((sock) => {
    let buf = "";
    let done = false;
    sock.setEncoding("utf8");
    sock.on("data", (chunk: string) => {
      if (done) return; // one request per connection: what follows is not read (nor kept)
      buf += chunk;
      if (buf.length > MAX_REQUEST) {
        done = true;
        buf = "";
        sock.end(`${JSON.stringify({ ok: false, error: { code: "INPUT", message: "request too large" } })}\n`);
        return;
      }
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      buf = "";
      done = true;
      void respond(line, handler).then((res) => sock.end(`${JSON.stringify(res)}\n`));
    });
    sock.on("error", () => {});
  });
  const old = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => resolve());
    });
  } finally {
    process.umask(old);
  }
  chmodSync(socketPath, 0o600);
  return server;
}

async function respond(line: string, handler: ControlHandler): Promise<ControlResponse> {
  let req: ControlRequest;
  try {
    req = JSON.parse(line) as ControlRequest;
  } catch {
    return { ok: false, error: { code: "INPUT", message: "malformed request: not JSON" } };
  }
  const wrong = malformed(req);
  if (wrong) return { ok: false, error: { code: "INPUT", message: `malformed request: ${wrong}` } };
  try {
    return { ok: true, data: await handler(req) };
  } catch (e) {
    if (isRampartError(e)) return { ok: false, error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } };
    return { ok: false, error: { code: "INTERNAL", message: (e as Error).message } };
  }
}

/** What is wrong with a request's fields (their types: the values are the daemon's to check), if anything. */
function malformed(req: unknown): string | undefined {
  if (typeof req !== "object" || req === null) return "not an object";
  const r = req as Record<string, unknown>;
  if (typeof r.cmd !== "string") return "no cmd";
  const kind = (k: string, type: "string" | "number" | "boolean") =>
    r[k] === undefined || typeof r[k] === type ? undefined : `${k} must be a ${type}`;
  if (r.cmd === "ban") {
    if (typeof r.target !== "string" || typeof r.jail !== "string") return "ban needs a target and a jail (strings)";
    if (r.seconds !== undefined && !Number.isFinite(r.seconds)) return "seconds must be a finite number";
  }
  if (r.cmd === "unban") return kind("target", "string") ?? kind("all", "boolean");
  return undefined;
}

/** Send one request to the running guard. */
export async function callGuard(req: ControlRequest, socketPath = CONTROL_SOCKET, timeoutMs = 10_000): Promise<unknown> {
  const raw = await new Promise<string>((resolve, reject) => {
    const sock = net.connect(socketPath);
    let out = "";
    const timer = setTimeout(() => {
      sock.destroy();
      reject(
        new RampartError("TIMEOUT", `the guard did not answer within ${timeoutMs} ms`, {
          hint: "Check it with `systemctl status rampart-guard` or its log.",
        }),
      );
    }, timeoutMs);
    sock.setEncoding("utf8");
    sock.on("connect", () => sock.write(`${JSON.stringify(req)}\n`));
    sock.on("data", (d: string) => (out += d));
    sock.on("end", () => {
      clearTimeout(timer);
      resolve(out);
    });
    sock.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === "ENOENT" || e.code === "ECONNREFUSED") {
        reject(
          new RampartError("UNAVAILABLE", `the guard is not running (no answer on ${socketPath})`, {
            hint: "Start it: `systemctl start rampart-guard`, or `rampart guard run` in the foreground.",
          }),
        );
      } else if (e.code === "EACCES") {
        reject(
          new RampartError("PERMISSION", `cannot talk to the guard: permission denied on ${socketPath}`, {
            hint: "Run as root (sudo rampart guard …).",
          }),
        );
      } else reject(new RampartError("UNAVAILABLE", `cannot talk to the guard: ${e.message}`));
    });
  });
  let res: ControlResponse;
  try {
    res = JSON.parse(raw) as ControlResponse;
  } catch {
    throw new RampartError("UNAVAILABLE", "the guard sent a malformed answer", { hint: "Check the guard's log; restart it if needed." });
  }
  if (!res.ok) throw new RampartError((res.error.code as never) ?? "EXEC", res.error.message, { hint: res.error.hint });
  return res.data;
}
