// pam_limits' configuration: /etc/security/limits.conf, then /etc/security/limits.d/*.conf in name order
// (later lines win for the same domain, type and item). Lines are `<domain> <type> <item> <value>`; type
// is soft, hard or "-" (both).
import path from "node:path";
import type { FactContext } from "./context.js";

export const LIMITS_CONF = "/etc/security/limits.conf";
export const LIMITS_D = "/etc/security/limits.d";

export interface LimitLine {
  domain: string;
  type: "soft" | "hard" | "-";
  item: string;
  value: string;
  source: string;
}

export function limits(ctx: FactContext): Promise<LimitLine[]> {
  return ctx.memo("limits", async () => {
    const files = [
      LIMITS_CONF,
      ...(await ctx.fs.list(LIMITS_D)).filter((n) => n.endsWith(".conf")).map((n) => path.posix.join(LIMITS_D, n)),
    ];
    const texts = await Promise.all(files.map(async (file) => ({ file, text: (await ctx.fs.readTextIfExists(file)) ?? "" })));
    return texts.flatMap(({ file, text }) => parseLimits(text, file));
  });
}

/** Parse one limits file; exported for tests. */
export function parseLimits(text: string, file: string): LimitLine[] {
  const out: LimitLine[] = [];
  text.split("\n").forEach((raw, i) => {
    const l = raw.replace(/#.*/, "").trim();
    const [domain, type, item, value] = l.split(/\s+/);
    if (!domain || !item || value === undefined || (type !== "soft" && type !== "hard" && type !== "-")) return;
    out.push({ domain, type, item, value, source: `${file}:${i + 1}` });
  });
  return out;
}

/** The hard limit all users get for `item` ("*" domain, hard or "-"), the last line winning. */
export function hardLimitForAll(lines: LimitLine[], item: string): LimitLine | undefined {
  return lines.filter((l) => l.domain === "*" && l.item === item && (l.type === "hard" || l.type === "-")).at(-1);
}
