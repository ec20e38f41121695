// Which cached lists hold an address, and by which entry (`rampart blocklist check`): each cached list is
// parsed again keeping its entries' line numbers and comments, so the answer names the line to look at.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { RampartError } from "../core/errors.js";
import { formatIp, parseIp } from "../core/ip.js";
import { parseList } from "./parse.js";

export interface CheckHit {
  list: string;
  line: number;
  entry: string;
  ref?: string;
}

export interface CheckResult {
  /** the address as rampart writes it */
  ip: string;
  /** how many cached lists were searched */
  lists: number;
  hits: CheckHit[];
}

export async function checkAddress(ip: string, cacheDir: string): Promise<CheckResult> {
  const addr = parseIp(ip);
  let files: string[];
  try {
    files = (await readdir(cacheDir)).filter((f) => f.endsWith(".list")).sort();
  } catch {
    throw new RampartError("NOT_FOUND", `no cached blocklists in ${cacheDir}`, {
      hint: "Run `rampart blocklist update` first, or pass --cache-dir DIR.",
    });
  }
  const hits: CheckHit[] = [];
  for (const f of files) {
    const list = parseList(await readFile(path.join(cacheDir, f)), { name: f.slice(0, -5), keepRefs: true });
    for (const r of list.refs ?? []) {
      if (r.family === addr.family && r.start <= addr.value && addr.value <= r.end) {
        hits.push(r.ref ? { list: list.name, line: r.line, entry: r.text, ref: r.ref } : { list: list.name, line: r.line, entry: r.text });
      }
    }
  }
  return { ip: formatIp(addr), lists: files.length, hits };
}
