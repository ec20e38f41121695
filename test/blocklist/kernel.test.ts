// LAB (real kernel): blocklists loaded into the interval sets of `table inet rampart` (the nftables firewall,
// rendered by `rampart firewall render --backend nftables --json` and loaded with `nft -f`), then
// `rampart blocklist update` (one nft transaction per refresh). The sequence (blocked vs not, never-block
// wins, atomic refresh under a continuous probe, unchanged = no kernel work) is in kernel-lab.ts, shared
// with the ipset version (ipset-kernel.test.ts).
import { labTest } from "../lab/index.js";
import { blocklistKernelSuite } from "./kernel-lab.js";

labTest(
  "blocklist in nft sets: blocked vs not, never-block wins, atomic refresh, unchanged = no kernel work",
  (lab) => blocklistKernelSuite(lab, "nftables"),
  { timeout: 150_000, needs: ["nft"] },
);
