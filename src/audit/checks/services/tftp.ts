// SVC-TFTP: TFTP has no authentication at all.
import { LEGACY_SERVICES } from "../../../facts/legacy-services.js";
import { legacyServiceCheck } from "./legacy.js";

export const tftp = legacyServiceCheck(LEGACY_SERVICES.tftp, {
  id: "SVC-TFTP",
  title: "No TFTP server",
  severity: "medium",
  remediation: "`apt-get purge tftpd tftpd-hpa atftpd`, or list it in `services.keep` on a PXE boot server.",
  refs: [
    "Lynis INSE-8320",
    "Lynis INSE-8318",
    "dev-sec linux-baseline package-06",
    "CIS Debian 12: Ensure tftp server services are not in use",
  ],
});
