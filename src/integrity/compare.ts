// Compare the baseline with the current tree: added, removed and changed entries, what changed in each
// (content, mode, owner, type, link target), and — for content changes — whether the package manager made
// them (the file now matches an installed package's md5sum) or someone else did.
import type { Entry } from "./walk.js";

export type ChangeKind = "added" | "removed" | "changed";
export type Attribution = "package" | "local";

export interface Difference {
  path: string;
  kind: ChangeKind;
  /** for "changed": which properties differ */
  what: ("content" | "mode" | "owner" | "type" | "link")[];
  type: Entry["type"];
  before?: Pick<Entry, "mode" | "uid" | "gid" | "sha256" | "link" | "type">;
  after?: Pick<Entry, "mode" | "uid" | "gid" | "sha256" | "link" | "type">;
  /** content changes and added files: made by the package manager or not */
  by?: Attribution;
  package?: string;
}

const pick = (e: Entry) => {
  const p: Difference["before"] = { mode: e.mode, uid: e.uid, gid: e.gid, type: e.type };
  if (e.sha256 !== undefined) p.sha256 = e.sha256;
  if (e.link !== undefined) p.link = e.link;
  return p;
};

/** Both lists sorted by path (walk() and the store return them so): one linear merge. */
export function compare(baseline: Entry[], current: Entry[]): Difference[] {
  const out: Difference[] = [];
  let i = 0;
  let j = 0;
  while (i < baseline.length || j < current.length) {
    const b = baseline[i];
    const c = current[j];
    if (c === undefined || (b !== undefined && b.path < c.path)) {
      const e = b as Entry;
      out.push({ path: e.path, kind: "removed", what: [], type: e.type, before: pick(e) });
      i++;
    } else if (b === undefined || c.path < b.path) {
      out.push({ path: c.path, kind: "added", what: [], type: c.type, after: pick(c) });
      j++;
    } else {
      const what: Difference["what"] = [];
      if (b.type !== c.type) what.push("type");
      else {
        if (b.type === "file" && b.sha256 !== c.sha256) what.push("content");
        if (b.type === "link" && b.link !== c.link) what.push("link");
      }
      if (b.mode !== c.mode && b.type !== "link") what.push("mode");
      if (b.uid !== c.uid || b.gid !== c.gid) what.push("owner");
      if (what.length) out.push({ path: c.path, kind: "changed", what, type: c.type, before: pick(b), after: pick(c) });
      i++;
      j++;
    }
  }
  return out;
}
