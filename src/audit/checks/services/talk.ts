// SVC-TALK: talk/ntalk accept unauthenticated messages from the network.
import { legacyServiceCheck } from "./legacy.js";

export const talk = legacyServiceCheck({
  id: "SVC-TALK",
  title: "No talk server",
  severity: "low",
  what: "talk",
  servers: ["talkd", "inetutils-talkd"],
  clients: ["talk", "inetutils-talk"],
  ports: [
    { proto: "udp", port: 517 },
    { proto: "udp", port: 518 },
  ],
  remediation: "`apt-get purge talkd inetutils-talkd talk`.",
  refs: ["CIS Debian 12: Ensure talk client is not installed"],
});
