// Part `services`: legacy network services (telnet, rsh/rlogin, ftp and tftp servers, inetd/xinetd, NIS,
// talk — policy `services.remove`) are purged through the package manager (`apt-get purge -y PKG`, one
// command per package, listed in the plan), never by deleting files. What a package serves comes from the
// legacy-services table (src/facts/legacy-services.ts), the same one the audit and the policy default read. Refused, with the reason and the fix, when the policy
// also says the service is needed: a firewall inbound rule opens its port. `services.keep` keeps a package.
// A purge cannot be rolled back byte for byte: the plan says so and apply asks for --yes.
import { listeningSockets, socketsOn } from "../../facts/listening.js";
import { packages } from "../../facts/packages.js";
import { legacyServiceOf } from "../../facts/legacy-services.js";
import type { Policy } from "../../policy/schema.js";
import { type Change, type CommandChange, type Note, type Part, type PartPlan, type Refusal, partFacts } from "../plan.js";
import { purgeArgv } from "./apt-commands.js";

const PART = "services";
const PACKAGE_RE = /^[a-z0-9][a-z0-9+.-]+$/;

/** The firewall inbound rule (index and text) that opens proto/port, if any. */
export function inboundRuleFor(policy: Policy, proto: "tcp" | "udp", port: number): { index: number; text: string } | undefined {
  if (!policy.firewall.enabled) return undefined;
  for (const [i, r] of policy.firewall.inbound.entries()) {
    if (!r.ports || (r.proto ?? "tcp") !== proto) continue;
    for (const spec of r.ports) {
      const [a = 0, b = a] = String(spec).split("-").map(Number);
      if (port >= a && port <= b) return { index: i, text: `ports: [${r.ports.join(", ")}]${r.proto ? `, proto: ${r.proto}` : ""}` };
    }
  }
  return undefined;
}

const packageOf = (c: CommandChange) => c.argv[c.argv.length - 1] ?? "";

export const servicesPart: Part = {
  name: PART,
  needsConfirm: false,

  async plan(ctx): Promise<PartPlan> {
    const changes: Change[] = [];
    const notes: Note[] = [];
    const note = (message: string) => notes.push({ part: PART, message });
    const db = await packages(partFacts(ctx));
    if (!db.present) {
      note("no dpkg database (/var/lib/dpkg/status): not a Debian/Ubuntu system, nothing to do");
      return { changes, notes };
    }
    const keep = new Set(ctx.policy.services.keep);
    for (const name of [...new Set(ctx.policy.services.remove)]) {
      const pkg = db.packages.get(name);
      if (!pkg?.installed) continue;
      if (!PACKAGE_RE.test(name)) {
        note(`services.remove: "${name}" is not a Debian package name: skipped`);
        continue;
      }
      const spec = legacyServiceOf(name);
      if (keep.has(name) || (spec && keep.has(spec.what))) {
        note(`${name} is in services.remove but services.keep declares it needed: not removed`);
        continue;
      }
      const serves = spec?.ports.length ? ` (serves ${spec.ports.map((p) => `${p.port}/${p.proto}`).join(", ")})` : "";
      changes.push({
        kind: "command",
        part: PART,
        argv: purgeArgv(ctx, name),
        reason: `legacy service ${name} ${pkg.version}${spec ? ` — ${spec.what}` : ""}${serves} is installed (${pkg.source})`,
        touches: [],
        creates: [],
        irreversible: `a purge cannot be rolled back byte for byte: ${name} and its configuration files stay removed (reinstall with \`apt-get install ${name}\`)`,
      });
    }
    return { changes, notes };
  },

  async preflight(ctx, changes): Promise<Refusal[]> {
    const refusals: Refusal[] = [];
    const purges = changes.filter((c): c is CommandChange => c.part === PART && c.kind === "command");
    if (purges.length === 0) return refusals;
    const sockets = ctx.live ? await listeningSockets(partFacts(ctx)).catch(() => []) : [];
    for (const c of purges) {
      const pkg = packageOf(c);
      const spec = legacyServiceOf(pkg);
      for (const p of spec?.ports ?? []) {
        const rule = inboundRuleFor(ctx.policy, p.proto, p.port);
        if (!rule) continue;
        const listening = socketsOn(sockets, p.proto, p.port).length > 0;
        refusals.push({
          part: PART,
          reason: `${pkg} would be purged, but firewall.inbound[${rule.index}] (${rule.text}) opens ${p.port}/${p.proto} for it${listening ? ", where it listens now" : ""}: the policy says the service is needed`,
          fix: `If ${spec?.what ?? pkg} is needed, add "${pkg}" to services.keep; if not, remove ${p.port} from firewall.inbound[${rule.index}].`,
        });
        break;
      }
    }
    return refusals;
  },

  async validate() {
    return { refusals: [], notes: [] };
  },

  async reload() {
    // apt stops and removes the services itself
  },
};
