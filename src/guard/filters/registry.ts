// The built-in filters by name, and the `name[key=value,…]` spec syntax fail2ban users know
// (`sshd[mode=aggressive]`). Adding a built-in filter is adding a file and one line here. Turning any filter
// name (built-in or fail2ban's) into a Filter is ./resolve.ts's job: every path goes through it.
import { RampartError } from "../../core/errors.js";
import { sshdFilter } from "./sshd.js";
import type { Filter, FilterFactory, FilterParams } from "./types.js";

const factories = new Map<string, FilterFactory>();

export function registerFilter(factory: FilterFactory): void {
  factories.set(factory.name, factory);
}

export function filterNames(): string[] {
  return [...factories.keys()].sort();
}

export function builtinFactory(name: string): FilterFactory | undefined {
  return factories.get(name);
}

registerFilter(sshdFilter);

export interface FilterSpec {
  name: string;
  params: FilterParams;
}

/** `sshd`, `sshd[mode=aggressive]`, `sshd[mode="extra", publickey=invalid]` */
export function parseFilterSpec(spec: string): FilterSpec {
  const open = spec.indexOf("[");
  if (open < 0) return { name: spec.trim(), params: {} };
  if (!spec.endsWith("]")) {
    throw new RampartError("USAGE", `filter "${spec}" has a "[" without a closing "]"`, {
      hint: 'Write parameters as NAME[key=value,...], e.g. "sshd[mode=aggressive]".',
    });
  }
  const params: FilterParams = {};
  for (const part of spec.slice(open + 1, -1).split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    if (eq < 0) {
      throw new RampartError("USAGE", `filter parameter "${part.trim()}" has no value`, {
        hint: 'Write parameters as key=value, e.g. "sshd[mode=aggressive]".',
      });
    }
    const key = part.slice(0, eq).trim();
    const value = part
      .slice(eq + 1)
      .trim()
      .replace(/^(["'])(.*)\1$/, "$2");
    params[key] = value;
  }
  return { name: spec.slice(0, open).trim(), params };
}

export function createFilter(spec: string | FilterSpec): Filter {
  const s = typeof spec === "string" ? parseFilterSpec(spec) : spec;
  const factory = factories.get(s.name);
  if (!factory) {
    throw new RampartError("USAGE", `unknown filter "${s.name}"`, {
      hint: `Built-in filters: ${filterNames().join(", ")}; fail2ban filters resolve through resolveFilter (./resolve.ts).`,
    });
  }
  return factory.create(s.params);
}
