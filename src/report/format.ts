// Short human text for evidence values (shared by the text and HTML renderers): strings as they are,
// lists joined, objects as "key: value" pairs. Never used for JSON output.

export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.length ? v.map(formatValue).join("; ") : "none";
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>);
    return entries.length ? entries.map(([k, x]) => `${k}: ${formatValue(x)}`).join("; ") : "none";
  }
  return String(v);
}

/** Value as lines (one per list item or object key), for multi-line display. */
export function valueLines(v: unknown): string[] {
  if (Array.isArray(v)) return v.length ? v.map(formatValue) : ["none"];
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>);
    return entries.length ? entries.map(([k, x]) => `${k}: ${formatValue(x)}`) : ["none"];
  }
  return [formatValue(v)];
}

/** Remove terminal control characters from host-supplied text before printing it to a terminal. */
export function safeText(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "?");
}
