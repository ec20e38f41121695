// SVC-XINETD: a super-server (xinetd, inetd) starts services on demand, usually the legacy ones above,
// outside the service manager's view.
import { LEGACY_SERVICES } from "../../../facts/legacy-services.js";
import { legacyServiceCheck } from "./legacy.js";

export const inetd = legacyServiceCheck(LEGACY_SERVICES.inetd, {
  id: "SVC-XINETD",
  title: "No inetd/xinetd super-server",
  severity: "low",
  remediation: "`apt-get purge xinetd openbsd-inetd inetutils-inetd` after moving anything it starts to a systemd service.",
  refs: ["Lynis INSE-8000", "Lynis INSE-8100", "dev-sec linux-baseline package-01", "CIS Debian 12: Ensure xinetd is not installed"],
});
