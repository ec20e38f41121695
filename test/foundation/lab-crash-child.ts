// Child process for lab.test.ts: builds a lab with a running sshd and a spawned process, prints its prefix,
// then waits to be SIGKILLed — a crash that leaves the run's leftovers for the next run to sweep.
import { Lab } from "../lab/index.js";

const lab = await Lab.create();
const server = await lab.host("srv", { role: "server" });
await lab.host("atk", { role: "attacker" });
await server.startSshd();
server.spawn(["sleep", "300"]);
process.stdout.write(`${JSON.stringify({ prefix: lab.prefix, dir: lab.dir, anchor: server.anchorPid, sshd: server.netns })}\n`);
setInterval(() => {}, 60_000);
