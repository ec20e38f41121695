// SVC-NIS: NIS (yp) hands out password hashes to anyone on the network who asks.
import { LEGACY_SERVICES } from "../../../facts/legacy-services.js";
import { legacyServiceCheck } from "./legacy.js";

export const nis = legacyServiceCheck(LEGACY_SERVICES.nis, {
  id: "SVC-NIS",
  title: "No NIS (yp) server or client",
  severity: "medium",
  remediation: "`apt-get purge nis ypserv ypbind-mt yp-tools`; use LDAP/SSSD with TLS or local accounts.",
  refs: ["Lynis INSE-8316", "Lynis INSE-8314", "dev-sec linux-baseline package-05", "CIS Debian 12: Ensure nis client is not installed"],
});
