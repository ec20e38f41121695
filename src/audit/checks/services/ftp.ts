// SVC-FTP: plain FTP sends credentials in clear text (use SFTP over SSH).
import { legacyServiceCheck } from "./legacy.js";

export const ftp = legacyServiceCheck({
  id: "SVC-FTP",
  title: "No FTP server",
  severity: "medium",
  what: "ftp",
  servers: [
    "ftpd",
    "vsftpd",
    "proftpd-basic",
    "proftpd-core",
    "pure-ftpd",
    "pure-ftpd-mysql",
    "pure-ftpd-ldap",
    "inetutils-ftpd",
    "tnftpd",
  ],
  clients: ["ftp", "inetutils-ftp", "tnftp"],
  ports: [{ proto: "tcp", port: 21 }],
  remediation:
    "Remove the FTP server (`apt-get purge vsftpd proftpd-basic pure-ftpd ftpd`) and use SFTP; or list it in `services.keep` if it is needed.",
  refs: ["CIS Debian 12: Ensure ftp server services are not in use", "CIS Debian 12: Ensure ftp client is not installed"],
});
