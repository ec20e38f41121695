// Every list format rampart reads, from small hand-made fixtures: detection, good lines, bad lines (counted,
// sampled with line number and reason), header dates, and IPv6 never read as IPv4.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fromParsed, render, toText } from "../../src/blocklist/merge.js";
import { parseList } from "../../src/blocklist/parse.js";
import { REPO } from "../helpers/cli.js";

const fixture = (name: string) => readFileSync(path.join(REPO, "test/fixtures/blocklists", name));
const merged = (name: string) =>
  toText(render(fromParsed(parseList(fixture(name))), "cidr"))
    .trim()
    .split("\n");

test("FireHOL netset: header date and entries, CIDRs and bare addresses", () => {
  const l = parseList(fixture("sample.netset"), { name: "sample" });
  assert.equal(l.format, "netset");
  assert.equal(l.invalid, 0);
  assert.equal(l.entries, 6);
  assert.equal(l.header.date?.toISOString(), "2026-06-06T06:29:45.000Z"); // the source's date, not the file's
  assert.equal(l.header.entries, "5 subnets, 1048837 unique IPs");
  assert.deepEqual(merged("sample.netset"), [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "169.254.0.0/16",
    "192.0.2.0/24",
    "198.51.100.7",
    "203.0.113.0/25",
  ]);
});

test("Spamhaus DROP: `; SBL` references kept, bad line sampled", () => {
  const l = parseList(fixture("drop.txt"), { keepRefs: true });
  assert.equal(l.format, "spamhaus");
  assert.equal(l.entries, 3);
  assert.equal(l.invalid, 1);
  assert.equal(l.samples[0]?.line, 8);
  assert.match(l.samples[0]?.reason ?? "", /999 is larger than 255/);
  assert.equal(l.header.date?.toISOString(), "2026-06-04T14:55:35.000Z");
  assert.deepEqual(
    l.refs?.map((r) => [r.text, r.ref, r.line]),
    [
      ["192.0.2.0/25", "SBL000001", 5],
      ["198.51.100.0/24", "SBL000002", 6],
      ["203.0.113.0/24", "SBL000003", 7],
    ],
  );
});

test("Spamhaus JSON lines: cidr + sblid, metadata timestamp, bad lines", () => {
  const l = parseList(fixture("drop_v4.json"), { keepRefs: true });
  assert.equal(l.format, "spamhaus-json");
  assert.equal(l.entries, 2);
  assert.equal(l.invalid, 2);
  assert.deepEqual(
    l.samples.map((s) => s.line),
    [3, 4],
  );
  assert.equal(l.header.date?.getTime(), 1780584935_000);
  assert.equal(l.refs?.[1]?.ref, "SBL000011");
  assert.deepEqual(merged("drop_v4.json"), ["192.0.2.0/24", "2001:db8:bad::/48"]);
});

test("DShield block.txt: start/end columns, header row skipped, bad row sampled", () => {
  const l = parseList(fixture("block.txt"));
  assert.equal(l.format, "dshield");
  assert.equal(l.entries, 2);
  assert.equal(l.invalid, 1);
  assert.equal(l.samples[0]?.line, 8);
  assert.deepEqual(merged("block.txt"), ["192.0.2.0/24", "198.51.100.0/24"]);
});

test("ipdeny zone file: plain CIDRs, adjacent ones joined", () => {
  const l = parseList(fixture("zz.zone"));
  assert.equal(l.format, "plain");
  assert.deepEqual(merged("zz.zone"), ["192.0.2.0/25", "198.51.100.0/24"]);
});

test("Spamhaus DROPv6 with trailing spaces: IPv6 only, /129 rejected", () => {
  const l = parseList(fixture("dropv6.txt"));
  assert.equal(l.v4.length, 0, "an IPv6 line must never become IPv4");
  assert.equal(l.v6.starts.length, 2);
  assert.equal(l.invalid, 1);
  assert.match(l.samples[0]?.reason ?? "", /longer than 128 bits/);
});

test("plain list: every entry form, and each bad line with its reason", () => {
  const l = parseList(fixture("mixed.txt"), { name: "mixed.txt" });
  assert.equal(l.entries, 7);
  assert.deepEqual(merged("mixed.txt"), [
    "192.0.2.1",
    "192.0.2.16/28",
    "192.0.2.100/30",
    "192.0.2.104/29",
    "192.0.2.112/29",
    "192.0.2.120",
    "198.51.100.0/25",
    "203.0.113.5",
    "2001:db8::/48",
    "2001:db8:1::1",
    "2001:db8:1::2/127",
    "2001:db8:1::4/126",
    "2001:db8:1::8/125",
    "2001:db8:1::10/124",
    "2001:db8:1::20/123",
    "2001:db8:1::40/122",
    "2001:db8:1::80/121",
  ]);
  const reasons = l.samples.map((s) => `${s.line}: ${s.reason}`);
  assert.equal(l.invalid, 8, reasons.join("\n"));
  const want = [
    /^9: prefix length \/33 is longer than 32 bits/,
    /^10: .*leading zero/,
    /^11: an IPv4 address has 4 dot-separated numbers/,
    /^12: unexpected text after the entry/,
    /^13: range start is after its end/,
    /^14: netmask .* is not contiguous/,
    /^15: range mixes IPv4 and IPv6/,
    /^16: prefix length "48\/64" is not a number/,
  ];
  for (const [i, re] of want.entries()) assert.match(reasons[i] ?? "", re);
});

test("2001:db8::/48 is IPv6 (iprange reads it as IPv4 0.0.7.209)", () => {
  const l = parseList("2001:db8::/48\n");
  assert.equal(l.v4.length, 0);
  assert.equal(l.v6.starts.length, 1);
});

test("no trailing newline, CRLF line ends, blank lines", () => {
  const l = parseList("192.0.2.1\r\n\r\n   \n198.51.100.0/24");
  assert.equal(l.entries, 2);
  assert.equal(l.invalid, 0);
});

test("list text kept for display (invalid lines, reasons, references) carries no terminal escapes", () => {
  const body = Buffer.from(
    [
      "; Last-Modified: Sat, 06 Jun 2026 06:00:00 GMT",
      "192.0.2.0/25 ; SBL1\x1b]0;owned\x07",
      "0.0.0.0/0 # \x1b]0;owned\x07\x1b[2K\x1b[1A\x1b[2K blocklist OK",
      "198.51.100.9 \x1b[31mred",
      "203.0.113.9\x00",
      "2001:db8::\u009b2K/48",
      "",
    ].join("\n"),
  );
  const l = parseList(body, { keepRefs: true, limits: { minPrefixV4: 8, minPrefixV6: 19 } });
  assert.equal(l.entries, 1);
  assert.equal(l.invalid, 4);
  const shown = JSON.stringify([l.samples, l.refs?.map((r) => [r.text, r.ref])]);
  assert.doesNotMatch(shown, /[\u0000-\u001f\u007f-\u009f]|\\u00[01]|\\u009|\\u007f/, shown);
  assert.equal(l.refs?.[0]?.ref, "SBL1?]0;owned?");
  assert.equal(l.samples[0]?.text, "0.0.0.0/0 # ?]0;owned??[2K?[1A?[2K blocklist OK");
  assert.match(l.samples[1]?.reason ?? "", /^unexpected text after the entry: "\?\[31mred"$/);
});

test("maxEntries: parsing stops past the cap and says so (fast IPv4 path and IPv6 alike)", () => {
  const v4 = "192.0.2.1\n192.0.2.2\n192.0.2.3\n192.0.2.4\n";
  const v6 = "2001:db8::1\n2001:db8::2\n2001:db8::3\n2001:db8::4\n";
  for (const body of [v4, v6, `${v4}${v6}`]) {
    const n = body.trim().split("\n").length;
    const at = parseList(body, { maxEntries: n });
    assert.deepEqual([at.entries, at.overMax], [n, false], "exactly the cap is fine");
    const over = parseList(body, { maxEntries: 3 });
    assert.deepEqual([over.entries, over.overMax], [3, true]);
    assert.equal(over.v4.length + over.v6.starts.length, 3, "nothing past the cap is kept");
  }
  assert.equal(parseList(v4).overMax, false, "no cap by default");
});
