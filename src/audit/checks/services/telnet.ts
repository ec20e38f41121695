// SVC-TELNET: telnet sends passwords in clear text.
import { LEGACY_SERVICES } from "../../../facts/legacy-services.js";
import { legacyServiceCheck } from "./legacy.js";

export const telnet = legacyServiceCheck(LEGACY_SERVICES.telnet, {
  id: "SVC-TELNET",
  title: "No telnet server",
  severity: "high",
  remediation: "Remove it: `apt-get purge telnetd inetutils-telnetd telnetd-ssl` (use SSH); purge the client too if unused.",
  refs: ["Lynis INSE-8322", "Lynis INSE-8310", "dev-sec linux-baseline package-02", "CIS Debian 12: Ensure telnet client is not installed"],
});
