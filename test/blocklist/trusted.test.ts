// LAB (real kernel): a blocklist holding the policy's only SSH network, or a guard.ignore address, does not cut
// them off; the `from:` of a non-SSH rule stays blockable. On nftables and on ipset (trusted-lab.ts).
import { labTest } from "../lab/index.js";
import { trustedSourcesSuite } from "./trusted-lab.js";

labTest(
  "blocklist on nftables: the SSH rule's from: and guard.ignore are never blocked, and reported",
  (lab) => trustedSourcesSuite(lab, "nftables"),
  {
    timeout: 120_000,
    needs: ["nft"],
  },
);

labTest(
  "blocklist on ipset: the SSH rule's from: and guard.ignore are never blocked, and reported",
  (lab) => trustedSourcesSuite(lab, "iptables"),
  {
    timeout: 120_000,
    needs: ["ipset", "iptables-restore"],
  },
);
