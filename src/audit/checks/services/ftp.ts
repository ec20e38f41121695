// SVC-FTP: plain FTP sends credentials in clear text (use SFTP over SSH).
import { LEGACY_SERVICES } from "../../../facts/legacy-services.js";
import { legacyServiceCheck } from "./legacy.js";

export const ftp = legacyServiceCheck(LEGACY_SERVICES.ftp, {
  id: "SVC-FTP",
  title: "No FTP server",
  severity: "medium",
  remediation:
    "Remove the FTP server (`apt-get purge vsftpd proftpd-basic pure-ftpd ftpd`) and use SFTP; or list it in `services.keep` if it is needed.",
  refs: ["CIS Debian 12: Ensure ftp server services are not in use", "CIS Debian 12: Ensure ftp client is not installed"],
});
