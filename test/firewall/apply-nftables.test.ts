// `rampart apply --only firewall` with the nftables backend in the lab: traffic as the policy says (v4+v6),
// a confirmed apply kept, and every rollback path (timeout, SIGHUP, kill -9, reboot) leaving the kernel's
// ruleset exactly as before, a Docker-shaped foreign table untouched. The sequence is in apply-lab.ts.
import { labTest } from "../lab/index.js";
import { firewallApplySuite } from "./apply-lab.js";

labTest(
  "firewall apply (nftables): refusal, rollback on timeout / SIGHUP / kill -9 / reboot, confirmed apply, traffic v4+v6",
  (lab) => firewallApplySuite(lab, "nftables", (s) => console.log(`# nftables: ${s}`)),
  { timeout: 300_000, needs: ["nft"] },
);
