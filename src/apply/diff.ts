// Unified diffs (the `diff -u` format) of a file's current and planned content, for `rampart plan`.
// Written by hand rather than with the `diff` package: it is one function (Myers' O(ND) line diff plus
// hunk grouping), config files are small, and it keeps rampart's dependency list short. The output is
// checked in the tests by applying it with GNU `patch` and by a property test (apply(diff(a,b), a) == b).

export interface DiffOptions {
  /** lines of context around each change (default 3, as diff -u) */
  context?: number;
  /** label of the old side; "/dev/null" when the file does not exist yet */
  oldLabel?: string;
  newLabel?: string;
}

type Op = { kind: " " | "-" | "+"; line: string; oldNo: number; newNo: number };

/** Split into lines keeping track of a missing final newline ("\ No newline at end of file"). */
function lines(text: string): { list: string[]; noEol: boolean } {
  if (text === "") return { list: [], noEol: false };
  const noEol = !text.endsWith("\n");
  const list = (noEol ? text : text.slice(0, -1)).split("\n");
  return { list, noEol };
}

/** Myers' shortest edit script over two line arrays (tokens compared by string equality). */
function editScript(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number))) x = v[offset + k + 1] as number;
      else x = (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) break outer;
    }
  }
  // walk the trace backwards
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d] as Int32Array;
    const k = x - y;
    let prevK: number;
    if (k === -d || (k !== d && (vd[offset + k - 1] as number) < (vd[offset + k + 1] as number))) prevK = k + 1;
    else prevK = k - 1;
    const prevX = d === 0 ? 0 : (vd[offset + prevK] as number);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: " ", line: a[x - 1] as string, oldNo: x, newNo: y });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) ops.push({ kind: "+", line: b[y - 1] as string, oldNo: x, newNo: y });
      else ops.push({ kind: "-", line: a[x - 1] as string, oldNo: x, newNo: y });
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

/**
 * A unified diff of `before` → `after`, or "" when they are equal. `before` undefined means the file does
 * not exist (old side /dev/null); `after` undefined means it is removed.
 */
export function unifiedDiff(before: string | undefined, after: string | undefined, path: string, options: DiffOptions = {}): string {
  if (before === after) return "";
  const ctx = options.context ?? 3;
  const oldLabel = options.oldLabel ?? (before === undefined ? "/dev/null" : `a${path}`);
  const newLabel = options.newLabel ?? (after === undefined ? "/dev/null" : `b${path}`);
  const A = lines(before ?? "");
  const B = lines(after ?? "");
  // A missing final newline makes the last line differ from the same text with one.
  const a = A.list.map((l, i) => (A.noEol && i === A.list.length - 1 ? `${l}\u0000noeol` : l));
  const b = B.list.map((l, i) => (B.noEol && i === B.list.length - 1 ? `${l}\u0000noeol` : l));
  const ops = editScript(a, b);
  if (!ops.some((o) => o.kind !== " ")) return "";

  const out: string[] = [`--- ${oldLabel}`, `+++ ${newLabel}`];
  let i = 0;
  while (i < ops.length) {
    // find the next change
    while (i < ops.length && (ops[i] as Op).kind === " ") i++;
    if (i >= ops.length) break;
    const start = Math.max(0, i - ctx);
    let end = i;
    // extend while changes are within 2*ctx lines of each other
    for (;;) {
      while (end < ops.length && (ops[end] as Op).kind !== " ") end++;
      let run = 0;
      while (end + run < ops.length && (ops[end + run] as Op).kind === " ") run++;
      if (end + run < ops.length && run <= 2 * ctx) {
        end += run;
        continue;
      }
      end = Math.min(ops.length, end + Math.min(run, ctx));
      break;
    }
    const hunk = ops.slice(start, end);
    const oldCount = hunk.filter((o) => o.kind !== "+").length;
    const newCount = hunk.filter((o) => o.kind !== "-").length;
    const first = hunk[0] as Op;
    // line numbers of the first line of the hunk on each side (1-based); for an empty side, the line before
    // ("+" ops carry the count of old lines before them, "-" ops the count of new lines before them)
    const oldFrom = oldCount > 0 && first.kind === "+" ? first.oldNo + 1 : first.oldNo;
    const newFrom = newCount > 0 && first.kind === "-" ? first.newNo + 1 : first.newNo;
    out.push(`@@ -${range(oldFrom, oldCount)} +${range(newFrom, newCount)} @@`);
    for (const o of hunk) {
      const noeol = o.line.endsWith("\u0000noeol");
      out.push(`${o.kind}${noeol ? o.line.slice(0, -"\u0000noeol".length) : o.line}`);
      if (noeol) out.push("\\ No newline at end of file");
    }
    i = end;
  }
  return `${out.join("\n")}\n`;
}

function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}
