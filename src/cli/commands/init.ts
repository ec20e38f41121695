// `rampart init`: write a policy tailored to this host.
import { notBuilt } from "../../core/errors.js";
import { examples, type RegisterCommand } from "./types.js";

export const registerInit: RegisterCommand = (program) => {
  examples(
    program
      .command("init")
      .description("write a policy tailored to this host: your admin user and keys, the SSH port, listening services, own addresses")
      .option("--output <file>", "where to write it (default: stdout)")
      .option("--force", "overwrite an existing file")
      .action(() => {
        throw notBuilt("init", "issue #2");
      }),
    ["sudo rampart init --output /etc/rampart/policy.yaml", "rampart init | less"],
  );
};
