// `rampart mfa enroll USER` and `rampart mfa status`: option parsing and printing only; the work is in
// src/mfa. The secret, the URI and the scratch codes go to stdout once and nowhere else (never the log).
import { hostname } from "node:os";
import QRCode from "qrcode";
import { auditContext } from "../../audit/run.js";
import { RampartError } from "../../core/errors.js";
import { enroll } from "../../mfa/enroll.js";
import { mfaStatus } from "../../mfa/status.js";
import { resolvePolicy } from "../../policy/load.js";
import type { Context } from "../../system/context.js";
import { examples, type RegisterCommand } from "./types.js";

interface EnrollOpts {
  root?: string;
  force?: boolean;
  json?: boolean;
  qr: boolean;
}

interface StatusOpts {
  root?: string;
  policy?: string;
  json?: boolean;
}

async function enrollCommand(ctx: Context, user: string, o: EnrollOpts): Promise<void> {
  const fs = ctx.fs(o.root ?? "/");
  if (fs.live && process.getuid?.() !== 0) {
    throw new RampartError("PERMISSION", "enrolling writes into another user's home directory: run as root", {
      hint: `sudo rampart mfa enroll ${user}`,
    });
  }
  const e = await enroll(fs, user, { force: o.force === true, hostname: hostname() });
  ctx.log.info("enrolled for TOTP", { user: e.user, file: fs.display(e.file), replaced: e.replaced }); // no secret here
  if (o.json) {
    ctx.out(
      JSON.stringify(
        { user: e.user, file: fs.display(e.file), secret: e.secret, uri: e.uri, scratchCodes: e.scratch, replaced: e.replaced },
        null,
        2,
      ),
    );
    return;
  }
  const qr = o.qr ? await QRCode.toString(e.uri, { type: "terminal", small: true }) : "";
  ctx.out(
    [
      `${e.replaced ? "re-enrolled" : "enrolled"} ${e.user}: ${fs.display(e.file)} (mode 0400, owner ${e.user})`,
      "",
      "Scan this with an authenticator app (or type the secret in):",
      qr,
      `  secret: ${e.secret}`,
      `  uri:    ${e.uri}`,
      "",
      "Emergency scratch codes (each works once; store them offline — they are not shown again):",
      ...e.scratch.map((c) => `  ${c}`),
      "",
      "Then require the code at login: `ssh: { mfa: totp }` in the policy, and `rampart apply --only ssh`.",
    ].join("\n"),
  );
}

async function statusCommand(ctx: Context, users: string[], o: StatusOpts): Promise<void> {
  const fs = ctx.fs(o.root ?? "/");
  const { policy, file } = await resolvePolicy(fs, o.policy);
  const names = users.length ? users : policy.admins.map((a) => a.name);
  if (names.length === 0) {
    throw new RampartError("USAGE", `no user given and the policy (${file ?? "built-in baseline"}) names no admin`, {
      hint: "rampart mfa status alice bob",
    });
  }
  const actx = auditContext({
    fs,
    run: ctx.run,
    live: fs.live,
    policy,
    policyFromFile: file !== undefined,
    clock: ctx.clock,
    log: ctx.log,
  });
  const rows = await mfaStatus(actx, names);
  if (o.json) {
    ctx.out(JSON.stringify({ policy: policy.ssh.mfa, users: rows }, null, 2));
    return;
  }
  const lines = [`policy ssh.mfa: ${policy.ssh.mfa}`];
  for (const r of rows) {
    const enrolled = !r.exists ? "no such user" : r.enrolled ? "enrolled" : r.problem ? `NOT usable: ${r.problem}` : "not enrolled";
    const required = r.required === "none" ? "key only" : `key + ${r.required}`;
    lines.push(`${r.user}: ${required} (AuthenticationMethods ${r.authenticationMethods}, ${r.source}); ${enrolled}`);
  }
  ctx.out(lines.join("\n"));
}

export const registerMfa: RegisterCommand = (program, context) => {
  const mfa = program
    .command("mfa")
    .description("a second factor for SSH: enrol admins for TOTP codes, show who is enrolled and what sshd asks")
    .addHelpText(
      "after",
      "\nThe policy key `ssh.mfa` (off | totp | password) makes sshd ask for the code (or the account password)\n" +
        "after the key. Enrol every admin BEFORE applying it: the apply refuses while an admin is not enrolled.\n",
    );
  examples(
    mfa
      .command("enroll")
      .description("write a new TOTP secret to ~USER/.google_authenticator (0400); show the QR code and scratch codes once")
      .argument("<user>", "login name of the admin")
      .option("--force", "replace an existing secret (the old authenticator entry and scratch codes stop working)")
      .option("--no-qr", "do not draw the QR code")
      .option("--root <dir>", "enrol in an image mounted at DIR")
      .option("--json", "print {user, file, secret, uri, scratchCodes, replaced} as JSON")
      .action(async (user: string, o: EnrollOpts) => enrollCommand(context(), user, o)),
    ["sudo rampart mfa enroll alice", "sudo rampart mfa enroll alice --force --json"],
  );
  examples(
    mfa
      .command("status")
      .description("per user: is a second factor required (sshd -T and the PAM stack), is the user enrolled")
      .argument("[users...]", "users to show (default: the policy's admins)")
      .option("--policy <file>", "policy file (default /etc/rampart/policy.yaml)")
      .option("--root <dir>", "look at an image mounted at DIR")
      .option("--json", "JSON output")
      .action(async (users: string[], o: StatusOpts) => statusCommand(context(), users, o)),
    ["rampart mfa status", "rampart mfa status alice --json"],
  );
};
