// LAB (real kernel): blocklists loaded into ipset on a host whose firewall is the iptables backend (rendered
// by `rampart firewall render --backend iptables --json`, loaded with ipset restore / iptables-restore
// --noflush / ip6tables-restore --noflush), then `rampart blocklist update --backend ipset`. The sequence
// (blocked vs not, never-block wins, atomic refresh under a continuous probe, unchanged = no kernel work) is
// in kernel-lab.ts, shared with the nftables version (kernel.test.ts).
import { labTest } from "../lab/index.js";
import { blocklistKernelSuite } from "./kernel-lab.js";

labTest(
  "blocklist into ipset under the iptables firewall: blocked vs not, never-block wins, atomic refresh, unchanged = no kernel work",
  (lab) => blocklistKernelSuite(lab, "iptables"),
  { timeout: 150_000, needs: ["ipset", "iptables-restore", "ip6tables-restore"] },
);
