// Text from outside (a downloaded list, a peer, a target to ban) made safe to print and short: a terminal reads
// ESC, CSI (also the one-byte C1 form U+009B), OSC and friends as commands — a list line could retitle the
// window, erase the lines above it or fake an "OK". Control characters (C0, DEL, C1), the Unicode line and
// paragraph separators and the bidirectional overrides become "?"; text past `max` characters is cut with "...".
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `s` with no control characters, at most `max` characters (cut ones end in "..."). */
export function clip(s: string, max = 60): string {
  const flat = s.replace(UNPRINTABLE, "?");
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}
