// Read a policy file: YAML with positions → schema (strict) → normalised Policy, plus the semantic rules.
// Parsing does no I/O beyond reading the one file, so the same function serves `policy check`, `plan`,
// `apply` and the audit. Every problem becomes a Diagnostic with file:line:column and, for unknown keys,
// a "did you mean".
import path from "node:path";
import { LineCounter, isMap, isScalar, parseDocument, visit } from "yaml";
import type { Document, Node as YamlNode } from "yaml";
import type { z } from "zod";
import { RampartError } from "../core/errors.js";
import { HostFs } from "../system/hostfs.js";
import { type Diagnostic, didYouMean, PolicyInvalidError } from "./diagnostics.js";

export { PolicyInvalidError };
import { checkRules } from "./rules.js";
import { type Policy, policySchema } from "./schema.js";

export const DEFAULT_POLICY_PATH = "/etc/rampart/policy.yaml";

/** What reading a policy file gives: the policy (undefined when there are errors) and the diagnostics. */
export interface ParsedPolicy {
  /** undefined when there are errors */
  policy: Policy | undefined;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/** A policy is a page or two; anything this large is a mistake or an attack (yaml builds it all in memory). */
export const MAX_POLICY_BYTES = 1024 * 1024;
/** Nesting of flow collections ([ and {): yaml recurses per level, and tens of thousands exhaust V8. */
const MAX_FLOW_DEPTH = 64;
/** Aliases a policy may expand (yaml's own guard against "billion laughs"; a real policy uses a few). */
const MAX_ALIAS_COUNT = 100;

/** Parse policy text; `file` is used in messages only. */
export function parsePolicy(text: string, file: string, now: Date = new Date()): ParsedPolicy {
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const limit = (message: string, line: number, column: number, hint: string): ParsedPolicy => ({
    policy: undefined,
    errors: [{ severity: "error", message, file, line, column, path: "", hint }],
    warnings,
  });
  if (text.length > MAX_POLICY_BYTES) {
    return limit(
      `the policy is ${text.length} bytes, over the ${MAX_POLICY_BYTES}-byte limit`,
      1,
      1,
      "Is this the right file? A policy is a few kilobytes.",
    );
  }
  const deep = tooDeep(text, MAX_FLOW_DEPTH);
  if (deep) {
    return limit(
      `the YAML nests deeper than ${MAX_FLOW_DEPTH} levels of [ ] or { }`,
      deep.line,
      deep.column,
      "A policy is a few levels deep: is this the right file?",
    );
  }
  const lineCounter = new LineCounter();
  const at = (offset: number | undefined) => {
    const p = lineCounter.linePos(offset ?? 0);
    return { line: p.line, column: p.col };
  };
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  } catch (e) {
    // the parser recurses per nesting level: thousands of nested [ or { end here (RangeError)
    return limit(`the YAML cannot be read: ${(e as Error).message}`, 1, 1, "Nest less deeply: a policy is a few levels deep.");
  }
  for (const e of doc.errors) {
    errors.push({
      severity: "error",
      message: e.message.split("\n")[0] ?? e.message,
      file,
      ...at(e.pos[0]),
      path: "",
      hint: "Fix the YAML syntax at this place (indentation, a missing ':' or quote).",
    });
  }
  if (errors.length > 0) return { policy: undefined, errors, warnings };
  for (const w of doc.warnings) warnings.push({ severity: "warning", message: w.message, file, ...at(w.pos[0]), path: "" });

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (e) {
    // yaml refuses to expand an alias bomb ("billion laughs"): a policy error at the first alias, not a crash
    let first: number | undefined;
    visit(doc, {
      Alias(_, node) {
        first = node.range?.[0];
        return visit.BREAK;
      },
    });
    const p = at(first);
    return limit(
      `the YAML cannot be expanded: ${(e as Error).message.split("\n")[0]}`,
      p.line,
      p.column,
      `Write the values out instead of repeating aliases (*name); a policy may expand at most ${MAX_ALIAS_COUNT} aliases.`,
    );
  }
  if (typeof raw !== "object" || Array.isArray(raw)) {
    errors.push({
      severity: "error",
      message: "a policy is a YAML mapping (key: value) at the top level",
      file,
      line: 1,
      column: 1,
      path: "",
    });
    return { policy: undefined, errors, warnings };
  }
  const parsed = policySchema.safeParse(raw, { reportInput: true, jitless: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors.push(...issueToDiagnostics(issue, doc, file, at));
    errors.sort((a, b) => a.line - b.line || a.column - b.column);
    return { policy: undefined, errors, warnings };
  }
  const ruled = checkRules(parsed.data, now);
  for (const r of ruled) {
    const d: Diagnostic = {
      severity: r.severity,
      message: r.message,
      file,
      ...at(nodeAt(doc, r.path)?.range?.[0]),
      path: r.path.join("."),
    };
    if (r.hint) d.hint = r.hint;
    (r.severity === "error" ? errors : warnings).push(d);
  }
  return { policy: errors.length ? undefined : parsed.data, errors, warnings };
}

/** Where flow nesting first goes past `max` (outside quotes and comments), or undefined. */
function tooDeep(text: string, max: number): { line: number; column: number } | undefined {
  let depth = 0;
  let line = 1;
  let col = 0;
  let quote = "";
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    col++;
    if (c === "\n") {
      line++;
      col = 0;
      comment = false;
      continue;
    }
    if (comment) continue;
    if (quote) {
      if (c === quote) quote = "";
      else if (c === "\\" && quote === '"') {
        i++; // an escaped character never closes the string
        col++;
      }
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(text[i - 1] as string))) comment = true;
    else if (c === "[" || c === "{") {
      if (++depth > max) return { line, column: col };
    } else if ((c === "]" || c === "}") && depth > 0) depth--;
  }
  return undefined;
}

/** Read and parse a policy file under the given root. Throws POLICY with all errors when invalid. */
export async function loadPolicy(
  path: string = DEFAULT_POLICY_PATH,
  fs: HostFs = new HostFs(),
): Promise<{ policy: Policy; warnings: Diagnostic[]; text: string }> {
  const text = await fs.readTextIfExists(path);
  if (text === undefined) {
    throw new RampartError("POLICY", `no policy at ${fs.display(path)}`, {
      hint: `Write one with \`rampart init --output ${path}\`, or pass --policy FILE.`,
    });
  }
  const r = parsePolicy(text, fs.display(path));
  if (!r.policy) throw new PolicyInvalidError(r.errors, r.warnings);
  return { policy: r.policy, warnings: r.warnings, text };
}

/** The policy every part uses when the user has none: the built-in baseline. */
export function defaultPolicy(): Policy {
  // jitless, here and in parsePolicy: a policy is parsed once or twice per run, and zod's compiled fast path (a
  // `new Function` per object schema) took longer to generate — 40-80 ms of every audit's start — than it saves
  return policySchema.parse({}, { jitless: true });
}

// ---- mapping schema issues to places in the YAML

type At = (offset: number | undefined) => { line: number; column: number };

function nodeAt(doc: Document, path: readonly PropertyKey[]): YamlNode | undefined {
  // the deepest node that exists along the path (a missing key points at its parent)
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true) as YamlNode | undefined;
    if (node && (node as { range?: unknown }).range) return node;
    if (n === 0) return doc.contents ?? undefined;
  }
  return undefined;
}

function keyNodeAt(doc: Document, path: readonly PropertyKey[], key: string): YamlNode | undefined {
  const parent = nodeAt(doc, path);
  if (!isMap(parent)) return undefined;
  for (const pair of parent.items) {
    if (isScalar(pair.key) && String(pair.key.value) === key) return pair.key;
  }
  return undefined;
}

function issueToDiagnostics(issue: z.core.$ZodIssue, doc: Document, file: string, at: At): Diagnostic[] {
  const path = issue.path;
  const dotted = path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    const known = knownKeys(path);
    return issue.keys.map((key) => {
      const suggestion = didYouMean(key, known);
      const d: Diagnostic = {
        severity: "error",
        message: `unknown key \`${key}\`${dotted ? ` in \`${dotted}\`` : ""}${suggestion ? ` — did you mean \`${suggestion}\`?` : ""}`,
        file,
        ...at(keyNodeAt(doc, path, key)?.range?.[0]),
        path: dotted ? `${dotted}.${key}` : key,
        hint: known.length ? `Known keys here: ${known.join(", ")}.` : "Remove it.",
      };
      return d;
    });
  }
  const node = nodeAt(doc, path);
  let message = issue.message;
  if (issue.code === "invalid_type") {
    message = `\`${dotted || "(top level)"}\`: expected ${issue.expected}${issue.input === undefined ? " (missing)" : `, got ${describeValue(issue.input)}`}`;
  } else if (issue.code === "invalid_value") {
    const options = issue.values.map((v) => JSON.stringify(v));
    message = `\`${dotted}\`: expected one of ${options.join(", ")}`;
    const got = doc.getIn(path as unknown[]);
    const suggestion = typeof got === "string" ? didYouMean(got, issue.values.map(String)) : undefined;
    if (suggestion) message += ` — did you mean "${suggestion}"?`;
  } else if (issue.code === "invalid_union") {
    message = `\`${dotted}\`: ${unionMessage(issue)}`;
  } else if (dotted) {
    message = `\`${dotted}\`: ${issue.message}`;
  }
  return [{ severity: "error", message, file, ...at(node?.range?.[0]), path: dotted }];
}

function unionMessage(issue: z.core.$ZodIssueInvalidUnion): string {
  // When every branch failed on the value's type or literal, list what would have been accepted;
  // otherwise report the branch that got furthest (what the user most likely meant).
  const branches = issue.errors.filter((b) => b.length > 0);
  const shallow = branches.every(
    (b) => b.length === 1 && b[0]?.path.length === 0 && (b[0].code === "invalid_type" || b[0].code === "invalid_value"),
  );
  if (shallow) {
    const accepted = branches.flatMap((b) => {
      const i = b[0] as z.core.$ZodIssue;
      if (i.code === "invalid_value") return i.values.map((v) => JSON.stringify(v));
      if (i.code === "invalid_type") return [i.expected === "boolean" ? "true/false" : `a ${i.expected}`];
      return [];
    });
    return `expected ${accepted.join(" or ")}`;
  }
  const best = branches.find((b) => b.some((i) => i.code !== "invalid_type" && i.code !== "invalid_value")) ?? branches[0];
  return best?.[0]?.message ?? issue.message;
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Keys of the strict object the schema expects at this path (for "did you mean"). */
function knownKeys(path: readonly PropertyKey[]): string[] {
  let s: unknown = policySchema;
  const unwrap = (x: unknown): unknown => {
    for (let i = 0; i < 20; i++) {
      const def = (x as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
      if (!def) return x;
      if (def.type === "optional" || def.type === "default" || def.type === "prefault" || def.type === "nullable") x = def.innerType;
      else if (def.type === "pipe") x = def.in;
      else if (def.type === "union") {
        const obj = (def.options as unknown[]).find(
          (o) => (unwrap(o) as { _zod?: { def?: { type?: string } } })._zod?.def?.type === "object",
        );
        if (!obj) return x;
        x = obj;
      } else return x;
    }
    return x;
  };
  for (const key of path) {
    s = unwrap(s);
    const def = (s as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (def.type === "object") s = (def.shape as Record<string, unknown>)[String(key)];
    else if (def.type === "array") s = def.element;
    else if (def.type === "record") s = def.valueType;
    else return [];
    if (!s) return [];
  }
  s = unwrap(s);
  const def = (s as { _zod: { def: Record<string, unknown> } })._zod.def;
  return def.type === "object" ? Object.keys(def.shape as object) : [];
}

export interface ResolvedPolicy {
  policy: Policy;
  warnings: Diagnostic[];
  /** the file it came from (as shown to the user), or undefined for the built-in baseline */
  file: string | undefined;
  /** the file's text (waivers point back into it) */
  text: string | undefined;
}

/**
 * The policy a command works with: the file given with --policy (which must exist), else
 * /etc/rampart/policy.yaml when present, else the built-in baseline. One rule for every command.
 */
export async function resolvePolicy(fs: HostFs, explicit: string | undefined): Promise<ResolvedPolicy> {
  if (explicit !== undefined) {
    // --policy names a file on this machine, also with --root (the image's own policy is the default)
    const file = path.resolve(explicit);
    return { ...(await loadPolicy(file, new HostFs())), file };
  }
  if (await fs.exists(DEFAULT_POLICY_PATH)) {
    const loaded = await loadPolicy(DEFAULT_POLICY_PATH, fs);
    // only comments (the file the Debian package installs): the built-in baseline, without warnings about it
    if (loaded.text.replace(/#.*$/gm, "").trim() === "") return { ...loaded, warnings: [], file: fs.display(DEFAULT_POLICY_PATH) };
    return { ...loaded, file: fs.display(DEFAULT_POLICY_PATH) };
  }
  return { policy: defaultPolicy(), warnings: [], file: undefined, text: undefined };
}
