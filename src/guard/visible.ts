// Log text made safe to show where a reader trusts the layout: a ban mail's body (notify.ts) and a report's
// comment (report/comment.ts). Its own module so the two can share it without importing each other.

/** Control characters (other than tab) shown as \xNN: a log line cannot forge lines or terminal escapes in a mail. */
export function visible(s: string): string {
  let out = "";
  for (const ch of s.slice(0, 2000)) {
    const c = ch.codePointAt(0) as number;
    out += (c < 0x20 && c !== 9) || c === 0x7f || (c >= 0x80 && c < 0xa0) ? `\\x${c.toString(16).padStart(2, "0")}` : ch;
  }
  return out;
}
