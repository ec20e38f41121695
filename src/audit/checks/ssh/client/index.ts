// The ssh client's checks (ssh_config, dev-sec ssh-baseline ssh-01 … ssh-22), appended to the ssh area after
// the server's. Facts: src/facts/ssh-client.ts.
import type { Check } from "../../../types.js";
import { clientCiphers, clientKex, clientMacs } from "./algorithms.js";
import { clientConfigModes } from "./config-modes.js";
import { gssapi } from "./gssapi.js";
import { legacy } from "./legacy.js";
import {
  addressFamily,
  agentForwarding,
  batchMode,
  checkHostIp,
  hostKeyChecking,
  hostbasedAuth,
  localCommand,
  passwordAuth,
  port,
  tunnel,
  x11Forwarding,
} from "./settings.js";

export const clientChecks: Check[] = [
  clientConfigModes,
  hostKeyChecking,
  agentForwarding,
  x11Forwarding,
  gssapi,
  hostbasedAuth,
  passwordAuth,
  tunnel,
  localCommand,
  batchMode,
  checkHostIp,
  addressFamily,
  port,
  legacy,
  clientCiphers,
  clientKex,
  clientMacs,
];
