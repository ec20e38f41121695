import assert from "node:assert/strict";
import { test } from "node:test";
import { readFilter } from "./filter-config.js";
import { type ConfFs, parseIni, readConfig } from "./ini.js";
import { str2seconds } from "./jails.js";

export function memFs(files: Record<string, string>): ConfFs {
  return {
    readTextIfExists: async (p) => files[p],
    list: async (d) =>
      Object.keys(files)
        .filter((p) => p.startsWith(`${d}/`) && !p.slice(d.length + 1).includes("/"))
        .map((p) => p.slice(d.length + 1))
        .sort(),
  };
}

test("configparser syntax: continuation lines, comments, inline ' ;' comments, ':' delimiter", () => {
  const f = parseIni("[A]\nx = 1 ; note\ny: two\nz = a\n  b\n# c\n  c\n\n[B]\nk=v;w\n", "f");
  assert.equal(f.sections.get("A")?.get("x")?.value, "1");
  assert.equal(f.sections.get("A")?.get("y")?.value, "two");
  assert.equal(f.sections.get("A")?.get("z")?.value, "a\nb\nc");
  assert.equal(f.sections.get("B")?.get("k")?.value, "v;w");
});

test("includes, .local overrides, %(var)s, %(section/var)s and %(known/var)s", async () => {
  const fs = memFs({
    "/f/filter.d/common.conf": "[DEFAULT]\n_daemon = \\S*\npre = P<_daemon>\n",
    "/f/filter.d/x.conf": "[INCLUDES]\nbefore = common.conf\n[Definition]\nfailregex = ^%(pre)s fail <HOST>\n",
    "/f/filter.d/x.local": "[Definition]\nfailregex = %(known/failregex)s\n            ^second <HOST>\n",
  });
  const ini = await readConfig(fs, ["/f/filter.d/x.conf"]);
  assert.deepEqual(ini.files, ["/f/filter.d/common.conf", "/f/filter.d/x.conf", "/f/filter.d/x.local"]);
  const d = await readFilter(fs, "/f", "x");
  assert.deepEqual(d.failregex, ["^P\\S* fail <HOST>", "^second <HOST>"]);
});

test("filter parameters and [Init] feed <tag> substitution (sshd[mode=aggressive])", async () => {
  const fs = memFs({
    "/f/filter.d/s.conf": "[Definition]\nmode = normal\nm-normal = ^n <HOST>\nm-aggressive = ^a <HOST>\nfailregex = <m-<mode>>\n",
  });
  assert.deepEqual((await readFilter(fs, "/f", "s")).failregex, ["^n <HOST>"]);
  assert.deepEqual((await readFilter(fs, "/f", "s", { params: { mode: "aggressive" } })).failregex, ["^a <HOST>"]);
});

test("fail2ban's time abbreviations", () => {
  assert.equal(str2seconds("600"), 600);
  assert.equal(str2seconds("10m"), 600);
  assert.equal(str2seconds("1h"), 3600);
  assert.equal(str2seconds("1d"), 86400);
  assert.equal(str2seconds("1h 30m"), 5400);
  assert.equal(str2seconds("1w"), 604800);
  assert.equal(str2seconds("-1"), -1);
  assert.equal(str2seconds("rm -rf"), undefined);
});
