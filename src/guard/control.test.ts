// The control socket refuses what is not a well-formed request before the daemon sees it (a ban whose jail is
// an object reached SQLite and ended the daemon), and a request too large is answered once and not kept.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { type ControlRequest, serveControl } from "./control.js";

const dir = mkdtempSync(path.join(tmpdir(), "rampart-control-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function send(socket: string, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socket, () => c.write(raw));
    let out = "";
    c.setEncoding("utf8");
    c.on("data", (d: string) => (out += d));
    c.on("end", () => resolve(out));
    c.on("error", reject);
  });
}

test("control socket: malformed requests are refused with why, the handler never sees them", async () => {
  const seen: ControlRequest[] = [];
  const socket = path.join(dir, "a.sock");
  const server = await serveControl(socket, async (req) => {
    seen.push(req);
    return "ok";
  });
  try {
    for (const [raw, why] of [
      ["not json\n", /not JSON/],
      ["[1,2]\n", /no cmd/],
      ['{"cmd":"ban","target":"198.51.100.9","jail":{"x":1}}\n', /target and a jail/],
      ['{"cmd":"ban","target":"198.51.100.9","jail":"sshd","seconds":"1h"}\n', /seconds/],
      ['{"cmd":"unban","target":7}\n', /target must be a string/],
      ['{"cmd":"unban","all":"yes"}\n', /all must be a boolean/],
    ] as const) {
      const res = JSON.parse(await send(socket, raw));
      assert.equal(res.ok, false, raw);
      assert.equal(res.error.code, "INPUT", raw);
      assert.match(res.error.message, why, raw);
    }
    assert.deepEqual(seen, []);
    const good = JSON.parse(await send(socket, '{"cmd":"ban","target":"198.51.100.9","jail":"sshd","seconds":60}\n'));
    assert.deepEqual(good, { ok: true, data: "ok" });
    const big = JSON.parse(await send(socket, `${"x".repeat(200 << 10)}\n`));
    assert.match(big.error.message, /too large/);
  } finally {
    await new Promise((r) => server.close(r));
  }
});
