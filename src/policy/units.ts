// Small value syntaxes shared by the policy schema and the CLI: durations ("10m", "1w", 600) and rates
// ("10/minute"). Kept apart so `guard ban --for 1h` and `bantime: 1h` mean exactly the same thing.

const UNIT_SECONDS: Record<string, number> = {
  s: 1,
  sec: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hour: 3600,
  hours: 3600,
  d: 86400,
  day: 86400,
  days: 86400,
  w: 604800,
  week: 604800,
  weeks: 604800,
};

/** "10m", "1h30m", "1w", "600" or 600 → seconds. Returns a reason string when invalid. */
export function parseDuration(input: string | number): number | string {
  if (typeof input === "number") {
    return Number.isInteger(input) && input >= 0 ? input : "a duration in seconds must be a whole number >= 0";
  }
  const text = input.trim().toLowerCase();
  if (/^\d+$/.test(text)) return Number(text);
  const re = /(\d+)\s*([a-z]+)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const unit = UNIT_SECONDS[m[2] as string];
    if (unit === undefined) return `unknown unit "${m[2]}" (use s, m, h, d or w)`;
    total += Number(m[1]) * unit;
    pos = re.lastIndex;
    while (text[pos] === " ") pos++;
    re.lastIndex = pos;
  }
  if (pos !== text.length || text.length === 0) return `"${input}" is not a duration (examples: 600, 10m, 1h, 1w)`;
  return total;
}

export function formatDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  const parts: string[] = [];
  let rest = seconds;
  for (const [u, s] of [
    ["w", 604800],
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    if (rest >= s) {
      parts.push(`${Math.floor(rest / s)}${u}`);
      rest %= s;
    }
  }
  return parts.join("");
}

export interface Rate {
  count: number;
  per: "second" | "minute" | "hour" | "day";
}

/** "10/minute", "10/min", "5/s" → Rate, or a reason string. */
export function parseRate(text: string): Rate | string {
  const m = /^\s*(\d+)\s*\/\s*(s|sec|second|m|min|minute|h|hour|d|day)\s*$/i.exec(text);
  if (!m) return `"${text}" is not a rate (examples: 10/minute, 5/second, 100/hour)`;
  const count = Number(m[1]);
  if (count < 1) return "a rate must allow at least 1";
  const u = (m[2] as string).toLowerCase();
  const per = u.startsWith("s") ? "second" : u.startsWith("m") ? "minute" : u.startsWith("h") ? "hour" : "day";
  return { count, per };
}
