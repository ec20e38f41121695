// Debian version comparison (deb-version(7)), exactly as dpkg's lib/dpkg/version.c does it: epoch as a
// number, then upstream version and Debian revision each compared by alternating non-digit runs (letters
// before other characters, `~` before everything, even the end of the string) and digit runs (as numbers).
// Hand-written because it must be: the audit decides "is an update pending" without running apt, and no
// well-kept npm package implements dpkg's ordering — it is short, and debversion.test.ts checks it against
// `dpkg --compare-versions` on thousands of real version pairs from this machine's package lists.

export interface DebVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

/** "1:9.2p1-2+deb12u3" → {1, "9.2p1", "2+deb12u3"}; no epoch = 0, no revision = "" (as dpkg parses it). */
export function parseDebVersion(v: string): DebVersion {
  const s = v.trim();
  const colon = s.indexOf(":");
  const epoch = colon === -1 ? 0 : Number.parseInt(s.slice(0, colon), 10) || 0;
  const rest = colon === -1 ? s : s.slice(colon + 1);
  const dash = rest.lastIndexOf("-");
  return dash === -1 ? { epoch, upstream: rest, revision: "" } : { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) };
}

/** <0, 0, >0 as `a` is older than, equal to, newer than `b` (dpkg --compare-versions a lt|eq|gt b). */
export function compareDebVersions(a: string, b: string): number {
  const x = parseDebVersion(a);
  const y = parseDebVersion(b);
  if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1;
  return Math.sign(verrevcmp(x.upstream, y.upstream)) || Math.sign(verrevcmp(x.revision, y.revision));
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** dpkg's order(): digits 0, letters their code, `~` -1, anything else code+256; the end of the string 0. */
function order(c: number): number {
  if (Number.isNaN(c) || isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 126) return -1;
  return c + 256;
}

function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  // charCodeAt past the end is NaN: the C code's terminating NUL
  const at = (s: string, k: number) => s.charCodeAt(k);
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(at(a, i))) || (j < b.length && !isDigit(at(b, j)))) {
      const ac = order(at(a, i));
      const bc = order(at(b, j));
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (at(a, i) === 48) i++;
    while (at(b, j) === 48) j++;
    while (isDigit(at(a, i)) && isDigit(at(b, j))) {
      if (!firstDiff) firstDiff = at(a, i) - at(b, j);
      i++;
      j++;
    }
    if (isDigit(at(a, i))) return 1;
    if (isDigit(at(b, j))) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}
