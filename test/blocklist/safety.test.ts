// LAB (real kernel): issue #15 — a hostile list is refused as a whole with the last good set still loaded, and
// what keeps the host alive (its resolver, the fleet database, the list server, the admin) stays reachable
// while a list holding them is loaded; plain http is refused. On nftables and on ipset (safety-lab.ts).
import { labTest } from "../lab/index.js";
import { blocklistSafetySuite } from "./safety-lab.js";

labTest(
  "blocklist safety on nftables: hostile list refused, keep-alive addresses never blocked, http refused",
  (lab) => blocklistSafetySuite(lab, "nftables"),
  { timeout: 150_000, needs: ["nft", "openssl", "getent"] },
);

labTest(
  "blocklist safety on ipset: hostile list refused, keep-alive addresses never blocked, http refused",
  (lab) => blocklistSafetySuite(lab, "iptables"),
  { timeout: 150_000, needs: ["ipset", "iptables-restore", "openssl", "getent"] },
);
