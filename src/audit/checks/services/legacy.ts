// The shape shared by the legacy-protocol checks (telnet, rsh, ftp, tftp, inetd, NIS, talk): a server
// package installed (dpkg database, also under --root) or its port listening (live, /proc/net) is a
// failure; only the client installed is a warning. Packages the policy keeps (`services.keep`) pass with a
// note. What each service is — packages, ports, trust files — comes from the one table in
// src/facts/legacy-services.ts; a check module adds only its ID, title, severity, fix and references.
import { socketsOn, listeningSockets } from "../../../facts/listening.js";
import { installedOf, packages } from "../../../facts/packages.js";
import type { LegacyService } from "../../../facts/legacy-services.js";
import type { Check, CheckMeta } from "../../types.js";

export function legacyServiceCheck(service: LegacyService, meta: Omit<CheckMeta, "area">): Check {
  const spec = service;
  return {
    ...meta,
    area: "services",
    async run(ctx) {
      const [db, sockets, files] = await Promise.all([
        packages(ctx),
        ctx.live && spec.ports.length ? listeningSockets(ctx) : Promise.resolve([]),
        Promise.all((spec.files ?? []).map(async (f) => ((await ctx.fs.exists(f)) ? f : undefined))),
      ]);
      if (!db.present && !ctx.live) return { status: "skip", reason: "no dpkg database (/var/lib/dpkg/status) under the root" };
      const keep = new Set(ctx.policy.services.keep);
      const servers = installedOf(db, spec.servers);
      const clients = installedOf(db, spec.clients);
      const listening = spec.ports.flatMap((p) => socketsOn(sockets, p.proto, p.port));
      const present = files.filter((f): f is string => f !== undefined);
      const expected = `no ${spec.what} server installed${spec.ports.length ? ` or listening (${spec.ports.map((p) => `${p.port}/${p.proto}`).join(", ")})` : ""}`;
      const observed: Record<string, unknown> = {
        servers: servers.map((p) => `${p.name} ${p.version}`),
        clients: clients.map((p) => `${p.name} ${p.version}`),
      };
      if (spec.ports.length)
        observed.listening = ctx.live ? listening.map((s) => `${s.address}:${s.port}/${s.proto}`) : "not checked (--root)";
      if (spec.files?.length) observed.files = present;
      const kept = [...servers, ...clients].filter((p) => keep.has(p.name) || keep.has(spec.what));
      const sources = [...servers.map((p) => p.source), ...listening.map((s) => s.source), ...present];
      if (kept.length > 0 && kept.length === servers.length + clients.length && present.length === 0) {
        return {
          status: "pass",
          observed,
          expected,
          source: sources.join(", "),
          reason: `kept by the policy (services.keep): ${kept.map((p) => p.name).join(", ")}`,
        };
      }
      if (servers.length || listening.length || present.length) return { status: "fail", observed, expected, source: sources.join(", ") };
      if (clients.length)
        return {
          status: "warn",
          observed,
          expected,
          source: clients.map((p) => p.source).join(", "),
          reason: `only the ${spec.what} client is installed`,
        };
      return { status: "pass", observed, expected, source: db.present ? "/var/lib/dpkg/status" : spec.ports.length ? "/proc/net" : "" };
    },
  };
}
