import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { fetchList } from "./fetch.js";

test("progress is reported per chunk with the announced size", async () => {
  const body = "192.0.2.0/24\n".repeat(20_000);
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-length": String(body.length) });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  try {
    const seen: [number, number | undefined][] = [];
    const r = await fetchList(`http://127.0.0.1:${(server.address() as AddressInfo).port}/list`, {
      allowHttp: true,
      onProgress: (n, t) => seen.push([n, t]),
    });
    assert.equal(r.status, "ok");
    assert.ok(seen.length >= 1);
    assert.deepEqual(seen[seen.length - 1], [body.length, body.length]);
  } finally {
    server.close();
  }
});

test("plain http is refused unless allowed, before any connection", async () => {
  await assert.rejects(fetchList("http://192.0.2.1:9/list", { retries: 0 }), (e: Error & { code?: string; hint?: string }) => {
    assert.equal(e.code, "REFUSED");
    assert.match(e.message, /uses plain http/);
    assert.match(e.hint ?? "", /https:\/\/.*sha256.*insecure: true/);
    return true;
  });
});
