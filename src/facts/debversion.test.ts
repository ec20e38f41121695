// The Debian version comparison against its definition: hand cases for the rules (epoch, `~`, letters before
// other characters, digit runs as numbers, revision) and thousands of real version pairs from this machine's
// dpkg status and apt package lists, each checked against `dpkg --compare-versions` itself.
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { test } from "node:test";
import { run } from "../system/exec.js";
import { compareDebVersions, parseDebVersion } from "./debversion.js";

test("parse: epoch, upstream, revision (the last hyphen splits)", () => {
  assert.deepEqual(parseDebVersion("1:9.2p1-2+deb12u3"), { epoch: 1, upstream: "9.2p1", revision: "2+deb12u3" });
  assert.deepEqual(parseDebVersion("2.36-9+deb12u10"), { epoch: 0, upstream: "2.36", revision: "9+deb12u10" });
  assert.deepEqual(parseDebVersion("1.2-3-4"), { epoch: 0, upstream: "1.2-3", revision: "4" });
  assert.deepEqual(parseDebVersion("20230311"), { epoch: 0, upstream: "20230311", revision: "" });
});

test("the rules of deb-version(7)", () => {
  const lt: [string, string][] = [
    ["1.0~rc1", "1.0"], // ~ sorts before the end of the string
    ["1.0~~", "1.0~"],
    ["1.0", "1.0a"],
    ["1.0a", "1.0+"], // letters before other characters
    ["1.0-1", "1.0-1+deb12u1"],
    ["9:1.0", "10:0.1"], // epochs are numbers
    ["2.0", "1:1.0"],
    ["1.9", "1.10"], // digit runs are numbers
    ["1.0-9", "1.0-10"],
    ["1.0", "1.0-0.1"],
    ["3.0.8-3", "3.0.8-3+deb12u1"],
    ["1:9.2p1-2+deb12u2", "1:9.2p1-2+deb12u3"],
  ];
  for (const [a, b] of lt) {
    assert.ok(compareDebVersions(a, b) < 0, `${a} < ${b}`);
    assert.ok(compareDebVersions(b, a) > 0, `${b} > ${a}`);
  }
  for (const [a, b] of [
    ["1.0", "1.00"],
    ["0:1.0", "1.0"],
    ["1.0-0", "1.0-0"],
    ["01", "1"],
  ] as const)
    assert.equal(compareDebVersions(a, b), 0, `${a} = ${b}`);
});

/** Every Version: of the dpkg status and the package lists apt has fetched (apt-helper decompresses). */
async function realVersions(): Promise<Map<string, string[]>> {
  const byPkg = new Map<string, Set<string>>();
  const add = (text: string) => {
    let pkg = "";
    for (const l of text.split("\n")) {
      if (l.startsWith("Package: ")) pkg = l.slice(9);
      else if (l.startsWith("Version: ") && pkg) {
        const set = byPkg.get(pkg) ?? new Set<string>();
        set.add(l.slice(9));
        byPkg.set(pkg, set);
      }
    }
  };
  if (existsSync("/var/lib/dpkg/status")) add(readFileSync("/var/lib/dpkg/status", "utf8"));
  const dir = "/var/lib/apt/lists";
  for (const n of existsSync(dir) ? readdirSync(dir) : []) {
    if (!/_Packages(\.\w+)?$/.test(n)) continue;
    const r = await run(["/usr/lib/apt/apt-helper", "cat-file", `${dir}/${n}`], { timeoutMs: 60_000, maxOutput: 512 * 1024 * 1024 });
    add(r.stdout);
  }
  return new Map([...byPkg].map(([k, v]) => [k, [...v]]));
}

const HAVE_DPKG = existsSync("/usr/bin/dpkg") && existsSync("/usr/lib/apt/apt-helper");

test("agrees with dpkg --compare-versions on thousands of real version pairs", {
  skip: HAVE_DPKG ? false : "needs dpkg and apt (a Debian/Ubuntu machine)",
  timeout: 600_000,
}, async () => {
  const byPkg = await realVersions();
  const all = [...new Set([...byPkg.values()].flat())].sort();
  assert.ok(all.length > 500, `only ${all.length} distinct versions on this machine`);
  const pairs: [string, string][] = [];
  // versions of the same package (the comparison the audit makes: installed vs candidate)
  for (const vs of byPkg.values()) for (let i = 1; i < vs.length; i++) pairs.push([vs[0] as string, vs[i] as string]);
  // neighbours in plain string order: the closest, most confusable pairs (1.0~rc1 / 1.0 / 1.0+b1 …)
  for (let i = 1; i < all.length; i += Math.max(1, Math.floor(all.length / 1500))) pairs.push([all[i - 1] as string, all[i] as string]);
  // and a deterministic spread of unrelated pairs
  let seed = 17;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % all.length;
  };
  for (let i = 0; i < 800; i++) pairs.push([all[next()] as string, all[next()] as string]);
  const sample = pairs.slice(0, 2500);
  assert.ok(sample.length >= 2000, `${sample.length} pairs`);
  const dpkgSays = async (a: string, op: string, b: string) =>
    (await run(["dpkg", "--compare-versions", a, op, b], { okCodes: "any", timeoutMs: 10_000 })).code === 0;
  const wrong: string[] = [];
  let i = 0;
  const worker = async () => {
    while (i < sample.length) {
      const [a, b] = sample[i++] as [string, string];
      // one dpkg call per pair proves the whole answer: ask dpkg whether our relation holds
      const ours = Math.sign(compareDebVersions(a, b));
      const op = ours < 0 ? "lt" : ours > 0 ? "gt" : "eq";
      if (!(await dpkgSays(a, op, b))) wrong.push(`${a} vs ${b}: rampart says ${op}, dpkg does not`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  assert.deepEqual(wrong, [], `${wrong.length} of ${sample.length} disagree`);
});
