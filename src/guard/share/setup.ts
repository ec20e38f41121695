// The schema owner's side of the fleet share (`rampart guard share-migrate`): create or migrate the schema,
// and register host roles. Guards normally log in with a host role that may only read decisions and append
// its own (migration 2), so they cannot migrate; the owner runs this once per rampart upgrade and once per new
// host. Registering needs the role to exist already (CREATE ROLE … LOGIN PASSWORD … — how a host
// authenticates, password or certificate, is the database administrator's choice).
import pg from "pg";
import { RampartError } from "../../core/errors.js";
import type { ShareConnection } from "./credentials.js";
import { MIGRATIONS, migrate } from "./migrations.js";

export interface HostGrant {
  /** the database login role */
  role: string;
  /** the host name its decisions carry (the guard's hostname) */
  host: string;
}

export interface SetupResult {
  version: number;
  applied: number[];
  hosts: HostGrant[];
}

const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** `ROLE` or `ROLE=HOST` (the host name defaults to the role's name). */
export function parseHostGrant(text: string): HostGrant {
  const [role = "", host = role] = text.split("=", 2);
  if (!HOST_NAME.test(role) || !HOST_NAME.test(host))
    throw new RampartError("USAGE", `--host "${text}": a role and host name are letters, digits, _ . and - (at most 63)`, {
      hint: "e.g. --host web1 (role web1 for host web1) or --host rampart_web1=web1",
    });
  return { role, host };
}

export async function shareSetup(connection: ShareConnection, hosts: readonly HostGrant[]): Promise<SetupResult> {
  const client = new pg.Client({
    connectionString: connection.connectionString,
    connectionTimeoutMillis: 10_000,
    application_name: "rampart-setup",
  });
  try {
    await client.connect();
  } catch (e) {
    throw new RampartError("NOT_FOUND", `cannot connect to ${connection.display}: ${(e as Error).message}`, {
      hint: "check the URL, the credentials file and that the database accepts this client",
    });
  }
  try {
    const applied = await migrate(client);
    for (const h of hosts) {
      const exists = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [h.role]);
      if (exists.rowCount === 0)
        throw new RampartError("NOT_FOUND", `role ${h.role} does not exist in ${connection.display}`, {
          hint: `create it first (as a superuser or a CREATEROLE role): CREATE ROLE "${h.role}" LOGIN PASSWORD '<secret>';`,
        });
      await client.query("SELECT rampart_grant_host($1, $2)", [h.role, h.host]);
    }
    return { version: Math.max(...MIGRATIONS.map((m) => m.version)), applied, hosts: [...hosts] };
  } finally {
    await client.end().catch(() => undefined);
  }
}
