// `rampart firewall render`: print the exact ruleset the policy compiles to (nftables: one file; iptables:
// the ipset file and both restore files, each under a header). Reads nothing but the policy and runs no
// program, so it is safe anywhere; `--admin-source` adds the anti-lockout rule apply would add.
import { Option } from "commander";
import { RampartError } from "../../core/errors.js";
import { tryParseIp } from "../../core/ip.js";
import { type BackendName, compile, createBackend, renderedText } from "../../firewall/index.js";
import { DEFAULT_POLICY_PATH, resolvePolicy } from "../../policy/load.js";
import { examples, type RegisterCommand } from "./types.js";

interface RenderOptions {
  backend?: BackendName;
  policy?: string;
  json?: boolean;
  adminSource?: string;
  sshPort?: string;
}

export const registerFirewall: RegisterCommand = (program, context) => {
  const fw = program.command("firewall").description("the host firewall rampart renders from the policy");
  const render = fw
    .command("render")
    .description("print the exact ruleset the policy compiles to")
    .addOption(
      new Option("--backend <backend>", "ruleset dialect (default: the policy's firewall.backend)").choices(["nftables", "iptables"]),
    )
    .option("--policy <file>", "policy file (default: /etc/rampart/policy.yaml if present, else the baseline)")
    .option("--admin-source <ip>", "add the anti-lockout rule for an admin session from this address")
    .option("--ssh-port <port>", "the port sshd listens on now (default: the policy's ssh.port, else 22)")
    .option("--json", "print { backend, policy, files: [{ name, loader, text }] }");
  render.action(async (opts: RenderOptions) => {
    const ctx = context();
    const { policy, file } = await resolvePolicy(ctx.fs(), opts.policy);
    const source = file ?? "(built-in baseline)";
    if (!file) ctx.log.info(`no policy at ${DEFAULT_POLICY_PATH}: rendering the built-in baseline`);
    if (opts.adminSource !== undefined && !tryParseIp(opts.adminSource).ok) {
      throw new RampartError("USAGE", `--admin-source "${opts.adminSource}" is not an IP address`, {
        hint: "Give the address your SSH session comes from (the first field of $SSH_CONNECTION).",
      });
    }
    const sshPort = opts.sshPort === undefined ? undefined : Number(opts.sshPort);
    if (sshPort !== undefined && !(Number.isInteger(sshPort) && sshPort >= 1 && sshPort <= 65535)) {
      throw new RampartError("USAGE", `--ssh-port "${opts.sshPort}" is not a port`, { hint: "Give a number from 1 to 65535." });
    }
    const backendName = opts.backend ?? policy.firewall.backend;
    const model = compile(policy, { adminSource: opts.adminSource, sshPort });
    const rendered = createBackend(backendName, ctx.run).render(model);
    if (opts.json) {
      ctx.out(JSON.stringify({ backend: rendered.backend, policy: source, files: rendered.files }, null, 2));
    } else {
      process.stdout.write(renderedText(rendered));
    }
  });
  examples(render, [
    "rampart firewall render",
    "rampart firewall render --backend iptables --policy ./policy.yaml",
    "rampart firewall render --admin-source 203.0.113.5 | nft -c -f -",
  ]);
};
