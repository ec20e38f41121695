// The database address and secret for the fleet share. The policy holds the URL (no secret); the password
// lives in `credentialsFile`, readable by root only (mode 0600/0400, owned by root when rampart runs as root):
// a group- or world-readable file is refused with the chmod that fixes it. The file holds either the bare
// password or a whole postgres:// URL (which then replaces the policy's: its host and sslmode are checked at
// the guard's start by the policy's own rule, share/start.ts). TLS comes from the URL
// (`?sslmode=require|verify-ca|verify-full&sslrootcert=…`), which node-postgres reads itself.
// The password never reaches a log line: everything printed goes through redactUrl.
import { readFileSync, statSync } from "node:fs";
import { RampartError } from "../../core/errors.js";

export interface ShareConnection {
  /** the URL given to the client, with the password when there is one */
  connectionString: string;
  /** the same, safe to print */
  display: string;
  /** where the URL came from: guard.share.postgres, or the credentials file that held a whole URL */
  source: string;
}

export interface CredentialOptions {
  postgres: string;
  credentialsFile?: string | undefined;
  /** test seam: the uid rampart runs as (default process.getuid()) */
  uid?: number;
}

export function resolveConnection(o: CredentialOptions): ShareConnection {
  let url = parseUrl(o.postgres, "guard.share.postgres");
  let source = "guard.share.postgres";
  if (o.credentialsFile) {
    const secret = readCredentials(o.credentialsFile, o.uid ?? process.getuid?.() ?? 0);
    if (/^postgres(ql)?:\/\//.test(secret)) {
      url = parseUrl(secret, o.credentialsFile);
      source = o.credentialsFile;
    } else url.password = encodeURIComponent(secret);
  }
  const connectionString = url.toString();
  return { connectionString, display: redactUrl(connectionString), source };
}

/**
 * The fleet database's URL as the guard really connects to it, password hidden: what other parts keep
 * reachable (blocklist update's never-list). A credentials file that cannot be read falls back to the
 * policy's URL (the guard refuses to start then, and says why; a blocklist refresh must not fail for it).
 */
export function databaseToKeep(share: { postgres: string; credentialsFile?: string | undefined } | undefined): string | undefined {
  if (!share) return undefined;
  try {
    return resolveConnection(share).display;
  } catch {
    return share.postgres;
  }
}

/** Read the secret (the first line), refusing a file others can read. `what` names it in the hints. */
export function readCredentials(file: string, uid: number, what = "the database password"): string {
  let st: import("node:fs").Stats;
  try {
    st = statSync(file);
  } catch (e) {
    throw new RampartError(
      "NOT_FOUND",
      `credentials file ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      {
        hint: `write ${what} into it: install -m 600 -o root /dev/null ${file} && editor ${file}`,
      },
    );
  }
  if ((st.mode & 0o077) !== 0) {
    throw new RampartError(
      "PERMISSION",
      `credentials file ${file} is readable by others (mode ${(st.mode & 0o777).toString(8).padStart(4, "0")}): refusing to use it`,
      { hint: `chmod 600 ${file}${uid === 0 ? ` && chown root:root ${file}` : ""}` },
    );
  }
  if (uid === 0 && st.uid !== 0) {
    throw new RampartError("PERMISSION", `credentials file ${file} is owned by uid ${st.uid}, not root: refusing to use it`, {
      hint: `chown root:root ${file} && chmod 600 ${file}`,
    });
  }
  const text = readFileSync(file, "utf8").trim();
  if (!text) throw new RampartError("INPUT", `credentials file ${file} is empty`, { hint: `write ${what} into it (one line)` });
  return text.split("\n")[0]?.trim() ?? "";
}

/** The URL with any password replaced by ***. */
export function redactUrl(text: string): string {
  try {
    const u = new URL(text);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}

function parseUrl(text: string, where: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new RampartError("POLICY", `${where}: not a valid postgres:// URL`, {
      hint: "e.g. postgres://rampart@db.example:5432/rampart?sslmode=verify-full",
    });
  }
}
