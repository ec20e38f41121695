// The firewall area's checks, in report order. Each check lives in its own small module beside this file.
import type { Check } from "../../types.js";
import { fwActive } from "./active.js";
import { fwDefaultDenyIn } from "./default-deny-in.js";
import { fwDockerBypass } from "./docker-bypass.js";
import { fwExposedServices } from "./exposed-services.js";
import { fwIpv6Parity } from "./ipv6-parity.js";
import { fwOutboundDeny } from "./outbound.js";
import { fwPersisted } from "./persisted.js";
import { fwRampartTable } from "./rampart-table.js";

export const checks: Check[] = [
  fwActive,
  fwDefaultDenyIn,
  fwIpv6Parity,
  fwExposedServices,
  fwDockerBypass,
  fwPersisted,
  fwOutboundDeny,
  fwRampartTable,
];
