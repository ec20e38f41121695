// /etc/login.defs as a map (shadow-utils' configuration: password aging, UMASK, PATH for su and login, UID
// ranges, hashing rounds). Read once per audit; each value keeps its file:line. shadow-utils takes the first
// word after the key as the value (the rest of the line is ignored) and, for a repeated key, the last one.
import type { FactContext } from "./context.js";

export const LOGIN_DEFS = "/etc/login.defs";

export interface LoginDef {
  value: string;
  /** "/etc/login.defs:12" */
  source: string;
}

export interface LoginDefs {
  /** false when the file does not exist */
  present: boolean;
  get(key: string): LoginDef | undefined;
}

export function loginDefs(ctx: FactContext): Promise<LoginDefs> {
  return ctx.memo("login.defs", async () => {
    const text = await ctx.fs.readTextIfExists(LOGIN_DEFS);
    return parseLoginDefs(text, LOGIN_DEFS);
  });
}

/** Parse login.defs text (undefined = no file); exported for tests. */
export function parseLoginDefs(text: string | undefined, file: string): LoginDefs {
  const values = new Map<string, LoginDef>();
  (text ?? "").split("\n").forEach((raw, i) => {
    const l = raw.trim();
    if (l === "" || l.startsWith("#")) return;
    const [key, value] = l.split(/\s+/, 2);
    if (key && value !== undefined) values.set(key, { value: value.replace(/^"(.*)"$/, "$1"), source: `${file}:${i + 1}` });
  });
  return { present: text !== undefined, get: (k) => values.get(k) };
}
