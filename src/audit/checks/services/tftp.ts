// SVC-TFTP: TFTP has no authentication at all.
import { legacyServiceCheck } from "./legacy.js";

export const tftp = legacyServiceCheck({
  id: "SVC-TFTP",
  title: "No TFTP server",
  severity: "medium",
  what: "tftp",
  servers: ["tftpd", "tftpd-hpa", "atftpd", "inetutils-tftpd"],
  clients: ["tftp", "tftp-hpa", "atftp", "inetutils-tftp"],
  ports: [{ proto: "udp", port: 69 }],
  remediation: "`apt-get purge tftpd tftpd-hpa atftpd`, or list it in `services.keep` on a PXE boot server.",
  refs: [
    "Lynis INSE-8320",
    "Lynis INSE-8318",
    "dev-sec linux-baseline package-06",
    "CIS Debian 12: Ensure tftp server services are not in use",
  ],
});
