// The ssh area's checks, in report order. Each check lives in its own small module beside this file (the
// plain keyword comparisons share keyword-checks.ts, driven by SSHD_SETTINGS in src/sshd/settings.ts); the
// shared facts (parsed config, sshd -T views) come from src/facts/sshd.ts.
import type { Check } from "../../types.js";
import { agentForwarding } from "./agent-forwarding.js";
import { clientAlive } from "./client-alive.js";
import { dhModuli } from "./dh-moduli.js";
import { gatewayPorts } from "./gateway-ports.js";
import { gssapi } from "./gssapi.js";
import { ignoreRhosts } from "./ignore-rhosts.js";
import { ignoreUserKnownHosts } from "./ignore-user-known-hosts.js";
import { kerberos } from "./kerberos.js";
import { maxSessions } from "./max-sessions.js";
import { maxStartups } from "./max-startups.js";
import { permitTunnel } from "./permit-tunnel.js";
import { strictModes } from "./strict-modes.js";
import { ciphers, hostKeyAlgorithms, kex, macs } from "./algorithms.js";
import { allowUsers } from "./allow-users.js";
import { configModes } from "./config-modes.js";
import { dropinOverrides } from "./dropin-overrides.js";
import { emptyPasswords } from "./empty-passwords.js";
import { hostbasedAuth } from "./hostbased-auth.js";
import { hostKeyModes } from "./hostkey-modes.js";
import { hostKeySize } from "./hostkey-size.js";
import { kbdInteractive } from "./kbd-interactive.js";
import { logLevel } from "./log-level.js";
import { loginGrace } from "./login-grace.js";
import { maxAuthTries } from "./max-auth-tries.js";
import { sshMfa } from "./mfa.js";
import { passwordAuth } from "./password-auth.js";
import { perUserOverrides } from "./per-user-overrides.js";
import { rootLogin } from "./root-login.js";
import { tcpForwarding } from "./tcp-forwarding.js";
import { terrapin } from "./terrapin.js";
import { userEnvironment } from "./user-environment.js";
import { x11Forwarding } from "./x11-forwarding.js";
import { banner, debianBanner } from "./banner.js";
import { cryptoPolicy } from "./crypto-policy.js";
import { hostKeyList } from "./hostkey-list.js";
import {
  compression,
  gssapiCleanup,
  kerberosLocalPasswd,
  kerberosTicketCleanup,
  printLastLog,
  printMotd,
  pubkeyAuth,
  syslogFacility,
  tcpKeepAlive,
  useDns,
  x11UseLocalhost,
} from "./keyword-checks.js";
import { addressFamily, listenAddress, port } from "./listen.js";
import { privilegeSeparation, protocol, useLogin } from "./obsolete-options.js";
import { clientChecks } from "./client/index.js";

export const checks: Check[] = [
  rootLogin,
  passwordAuth,
  kbdInteractive,
  emptyPasswords,
  pubkeyAuth,
  sshMfa,
  dropinOverrides,
  perUserOverrides,
  allowUsers,
  maxAuthTries,
  loginGrace,
  maxSessions,
  maxStartups,
  clientAlive,
  strictModes,
  ignoreRhosts,
  ignoreUserKnownHosts,
  kerberos,
  kerberosLocalPasswd,
  kerberosTicketCleanup,
  gssapi,
  gssapiCleanup,
  x11Forwarding,
  x11UseLocalhost,
  tcpForwarding,
  agentForwarding,
  permitTunnel,
  gatewayPorts,
  logLevel,
  syslogFacility,
  hostbasedAuth,
  userEnvironment,
  ciphers,
  kex,
  macs,
  hostKeyAlgorithms,
  cryptoPolicy,
  terrapin,
  dhModuli,
  hostKeyList,
  hostKeySize,
  configModes,
  hostKeyModes,
  port,
  addressFamily,
  listenAddress,
  useDns,
  tcpKeepAlive,
  compression,
  banner,
  debianBanner,
  printMotd,
  printLastLog,
  protocol,
  useLogin,
  privilegeSeparation,
  ...clientChecks,
];
