#!/usr/bin/env node
// The layering check (`npm run lint` runs it after Biome): every import in src/**/*.ts — static `import … from`,
// `export … from`, `import "…"`, dynamic `import("…")` and `import("…")` types — must point to the same layer or
// a lower one (LAYERS), no runtime import may close a cycle (type-only imports are erased by the compiler, so
// they count for the layers but cannot knot the load order), and nothing outside src/audit/ may import
// src/audit/checks/** (a check is a verdict; what it reads belongs in src/facts/ or in the folder that owns it).
// A small script of ours instead of dependency-cruiser: the rules are three, and the file list and the import
// list come from TypeScript's own pre-processor (already a dev dependency), so comments and strings never count.
//
//   node scripts/layers.mjs [--root DIR]      exit 1 with one line per violation, 0 when clean
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/**
 * The layers, lowest first: a folder may import any lower layer, its own folder, and another folder of its own
 * layer only where SAME_LEVEL names the pair; never a higher layer. A folder of src/ not named here is itself a
 * violation (say where it belongs). sshd/ sits below facts/: it is the parser of sshd's own language (config,
 * Match, `sshd -T`), which the sshd fact reads with; it knows nothing of policy or audit.
 */
export const LAYERS = [
  ["core"],
  ["system"],
  ["sshd"],
  ["facts"],
  ["firewall", "policy"],
  ["audit", "apply", "guard", "blocklist", "integrity", "mfa"],
  ["report"],
  ["cli"],
];

/**
 * Imports between two folders of one layer that are allowed ("a>b": files of a may import files of b). Each is
 * one way except firewall/policy, whose files import each other's (never in a loop: the cycle rule is per file).
 */
export const SAME_LEVEL = new Set([
  // the firewall compiles the policy's inbound rules, services and units into rules
  "firewall>policy",
  // the policy's cross-field rules check what the firewall can load (ban timeout ceiling, set backend)
  "policy>firewall",
  // apply installs the guard's unit, the integrity baseline and the MFA enrolment as parts of a plan
  "apply>guard",
  "apply>integrity",
  "apply>mfa",
  // the audit's integrity and ssh checks judge the integrity store and the MFA set-up
  "audit>integrity",
  "audit>mfa",
]);

const here = path.dirname(fileURLToPath(import.meta.url));

function listTs(dir, out = []) {
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) listTs(p, out);
    else if (e.endsWith(".ts") && !e.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** "./x.js" → the .ts file it names (x.ts, x/index.ts), or undefined for a package or a missing file. */
function resolve(fromFile, spec, known) {
  if (!spec.startsWith(".")) return undefined;
  const base = path.resolve(path.dirname(fromFile), spec);
  const stem = base.replace(/\.(js|ts|mjs)$/, "");
  for (const c of [`${stem}.ts`, path.join(stem, "index.ts"), path.join(base, "index.ts")]) if (known.has(c)) return c;
  return undefined;
}

/** The folder under src/ that holds a file ("" for a file directly in src/). */
const topOf = (rel) => (rel.includes("/") ? rel.slice(0, rel.indexOf("/")) : "");

/** The module specifiers a file imports, each with whether it is erased at compile time (type-only). */
function importsOf(fileName, text) {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out = [];
  const add = (lit, typeOnly) => {
    if (lit && ts.isStringLiteralLike(lit)) out.push({ spec: lit.text, pos: lit.getStart(sf), typeOnly });
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const c = node.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      // `import type …`, or `import { type A, type B }` with no default and only type specifiers
      const typeOnly = !!c && (c.isTypeOnly || (!c.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      add(node.moduleSpecifier, node.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) add(arg.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Every import edge of src/: { from, to, line, typeOnly } with paths relative to src/. */
export function importEdges(srcDir) {
  const files = listTs(srcDir);
  const known = new Set(files);
  const edges = [];
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    for (const imp of importsOf(f, text)) {
      const target = resolve(f, imp.spec, known);
      if (!target) continue;
      const line = text.slice(0, imp.pos).split("\n").length;
      edges.push({ from: path.relative(srcDir, f), to: path.relative(srcDir, target), line, typeOnly: imp.typeOnly });
    }
  }
  return { files: files.map((f) => path.relative(srcDir, f)), edges };
}

/** One cycle per strongly connected component of more than one file (or a file importing itself). */
function cycles(files, edges) {
  const next = new Map(files.map((f) => [f, []]));
  for (const e of edges) next.get(e.from)?.push(e.to);
  // Tarjan's algorithm, iterative (deep import chains must not overflow the stack)
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const components = [];
  for (const start of files) {
    if (index.has(start)) continue;
    const work = [[start, 0]];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const top = work[work.length - 1];
      const [v, i] = top;
      const out = next.get(v) ?? [];
      if (i < out.length) {
        top[1]++;
        const w = out[i];
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v) === index.get(v)) {
        const comp = [];
        let w;
        do {
          w = stack.pop();
          onStack.delete(w);
          comp.push(w);
        } while (w !== v);
        if (comp.length > 1 || (next.get(v) ?? []).includes(v)) components.push(comp);
      }
    }
  }
  // name one concrete cycle inside each component: a path from its first file back to itself
  return components.map((comp) => {
    const inComp = new Set(comp);
    const first = [...comp].sort()[0];
    const prev = new Map([[first, undefined]]);
    const queue = [first];
    while (queue.length) {
      const v = queue.shift();
      for (const w of next.get(v) ?? []) {
        if (w === first) {
          const pathBack = [];
          for (let x = v; x !== undefined; x = prev.get(x)) pathBack.unshift(x);
          return [...pathBack, first];
        }
        if (inComp.has(w) && !prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    return [...comp, comp[0]];
  });
}

/** The violations of src/ under root, as lines. */
export function check(root) {
  const srcDir = path.join(root, "src");
  const { files, edges } = importEdges(srcDir);
  const levelOf = new Map();
  LAYERS.forEach((folders, i) => {
    for (const f of folders) levelOf.set(f, i);
  });
  const problems = [];
  const unknown = new Set();
  for (const f of files) {
    const top = topOf(f);
    if (!levelOf.has(top) && !unknown.has(top)) {
      unknown.add(top);
      problems.push(`src/${f}: folder src/${top || "."} has no layer — add it to LAYERS in scripts/layers.mjs`);
    }
  }
  for (const e of edges) {
    const where = `src/${e.from}:${e.line} → src/${e.to}`;
    const a = topOf(e.from);
    const b = topOf(e.to);
    if (e.to.startsWith("audit/checks/") && a !== "audit") {
      problems.push(`${where}: audit/checks is imported from outside src/audit/ (read the fact from src/facts/ instead)`);
    }
    if (a === b || !levelOf.has(a) || !levelOf.has(b)) continue;
    const la = levelOf.get(a);
    const lb = levelOf.get(b);
    if (lb > la) problems.push(`${where}: ${a} (layer ${la}) imports the higher layer ${b} (layer ${lb})`);
    else if (lb === la && !SAME_LEVEL.has(`${a}>${b}`)) {
      problems.push(`${where}: ${a} imports ${b} of the same layer, and "${a}>${b}" is not an allowed pair`);
    }
  }
  // a cycle is a load-order knot: type-only imports are erased by the compiler and cannot form one (they
  // still count for the layers above)
  const runtime = edges.filter((e) => !e.typeOnly);
  for (const c of cycles(files, runtime)) problems.push(`import cycle: ${c.map((f) => `src/${f}`).join(" → ")}`);
  return problems;
}

function main() {
  const args = process.argv.slice(2);
  const at = args.indexOf("--root");
  const root = at >= 0 ? path.resolve(args[at + 1] ?? ".") : path.resolve(here, "..");
  const problems = check(root);
  for (const p of problems) console.log(p);
  if (problems.length) {
    console.error(`layers: ${problems.length} violation(s) of the layering (${LAYERS.map((l) => l.join(",")).join(" ← ")})`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
