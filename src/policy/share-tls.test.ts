// The fleet database's TLS rule (shareTlsRefusal), shared by `policy check` and the guard's start: it reads a URL
// the way node-postgres does — checked against node-postgres's own parser (pg-connection-string), so a URL
// whose host or sslmode pg reads differently cannot pass. The lab test test/fleet/share-credentials.test.ts
// checks the guard applies it to a URL from the credentials file.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "pg-connection-string";
import { databaseHost } from "../system/keepalive.js";
import { checkRules, shareTlsRefusal } from "./rules.js";
import { policySchema } from "./schema.js";

const urls = [
  "postgres://u@db.example:5432/r?sslmode=verify-full",
  "postgres://u:pw@203.0.113.5/r",
  "postgresql://u@[2001:db8::5]/r?sslmode=verify-ca",
  // the last parameter wins in pg: a second sslmode or host overrides the first
  "postgres://u@db.example/r?sslmode=verify-full&sslmode=disable",
  "postgres://u@localhost/r?host=203.0.113.9",
  "postgres://u@localhost/r?host=127.0.0.1&host=203.0.113.9",
  "postgres://u@/r?host=203.0.113.9",
  "postgres://u@127.0.0.1.nip.io/r",
  "postgres://u@localhost/r",
  "postgres://u@127.0.0.2:5432/r",
  "postgres://u@[::1]/r",
  "postgres://u@db.example/r?host=/var/run/postgresql",
];

test("databaseHost reads the host node-postgres connects to", () => {
  for (const url of urls) {
    const host = parse(url).host ?? "";
    assert.equal(databaseHost(url), host.startsWith("/") || host === "" ? undefined : host, url);
  }
});

test("a remote database without sslmode=verify-full|verify-ca is refused, however the URL spells it", () => {
  const refused = (url: string) => shareTlsRefusal(url, false)?.message;
  assert.equal(refused("postgres://u@db.example:5432/r?sslmode=verify-full"), undefined);
  assert.equal(refused("postgresql://u@[2001:db8::5]/r?sslmode=verify-ca"), undefined);
  assert.match(refused("postgres://u:pw@203.0.113.5/r") ?? "", /203\.0\.113\.5 is reached without sslmode/);
  assert.match(refused("postgres://u@db.example/r?sslmode=require") ?? "", /with sslmode=require/);
  assert.match(refused("postgres://u@db.example/r?sslmode=verify-full&sslmode=disable") ?? "", /with sslmode=disable/);
  assert.match(refused("postgres://u@203.0.113.5/r#?sslmode=verify-full") ?? "", /without sslmode/, "a ? in the fragment is no query");
  assert.match(refused("postgres://u@203.0.113.5/r?sslmode=disable#&sslmode=verify-full") ?? "", /with sslmode=disable/);
  assert.match(refused("postgres://u@localhost/r?host=203.0.113.9") ?? "", /203\.0\.113\.9/);
  assert.match(refused("postgres://u@localhost/r?host=127.0.0.1&host=203.0.113.9") ?? "", /203\.0\.113\.9/);
  assert.match(refused("postgres://u@/r?host=203.0.113.9") ?? "", /203\.0\.113\.9/);
  assert.match(refused("postgres://u@127.0.0.1.nip.io/r") ?? "", /127\.0\.0\.1\.nip\.io/, "a name is not a loopback address");
  for (const local of [
    "postgres://u@localhost/r",
    "postgres://u@127.0.0.2:5432/r",
    "postgres://u@[::1]/r",
    "postgres://u@db.example/r?host=/var/run/postgresql",
  ])
    assert.equal(refused(local), undefined, local);
  assert.equal(shareTlsRefusal("postgres://u@203.0.113.5/r", true), undefined, "insecure: true accepts the risk");
  assert.doesNotMatch(refused("postgres://u:hunter2@203.0.113.5/r") ?? "", /hunter2/);
  assert.match(shareTlsRefusal("postgres://u@203.0.113.5/r", false, "the URL in /etc/x")?.hint ?? "", /to the URL in \/etc\/x/);
});

test("policy check applies the same rule to guard.share.postgres", () => {
  const policy = (postgres: string) => policySchema.parse({ guard: { share: { postgres } } });
  const errors = (postgres: string) => checkRules(policy(postgres), new Date()).filter((r) => r.path.join(".") === "guard.share.postgres");
  assert.equal(errors("postgres://u@localhost/r?host=203.0.113.9").length, 1, "host= wins over the URL's host, as in pg");
  assert.equal(errors("postgres://u@db.example/r?sslmode=verify-full").length, 0);
});
