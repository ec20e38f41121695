// Run the rampart CLI from source (through tsx) as a child process, the way users run it: argv in,
// stdout/stderr/exit code out. No build is needed, so tests run on a tree that is being edited.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const ENTRY = path.join(REPO, "src/cli/entry.ts");
/** argv prefix that starts the CLI: [node, --import, tsx, entry] */
export const CLI_ARGV: readonly string[] = [process.execPath, "--import", "tsx", ENTRY];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI_ARGV[0] as string, [...CLI_ARGV.slice(1), ...args], {
      cwd: options.cwd ?? REPO,
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.stdout.on("data", (b) => (stdout += b));
    child.stderr.on("data", (b) => (stderr += b));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}
