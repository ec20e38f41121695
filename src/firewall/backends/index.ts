// The registry of firewall backends: a backend name (policy firewall.backend) to the class that spells the
// rule model in its dialect. The contract they implement is ../backend.ts; only this module knows them all,
// so the contract never imports its implementations. Imported by firewall/index.ts (and tests).
import type { Runner } from "../../system/exec.js";
import type { BackendName, FirewallBackend } from "../backend.js";
import { IptablesBackend, type IptablesOptions } from "./iptables.js";
import { NftablesBackend } from "./nftables.js";

export interface BackendOptions {
  iptables?: IptablesOptions;
}

export function createBackend(name: BackendName, run: Runner, options: BackendOptions = {}): FirewallBackend {
  switch (name) {
    case "nftables":
      return new NftablesBackend(run);
    case "iptables":
      return new IptablesBackend(run, options.iptables);
  }
}
