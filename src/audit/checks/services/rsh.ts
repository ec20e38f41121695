// SVC-RSH: rsh/rlogin/rexec trust host names and send everything in clear text; .rhosts-style trust
// files make them worse.
import { LEGACY_SERVICES } from "../../../facts/legacy-services.js";
import { legacyServiceCheck } from "./legacy.js";

export const rsh = legacyServiceCheck(LEGACY_SERVICES.rsh, {
  id: "SVC-RSH",
  title: "No rsh/rlogin/rexec server",
  severity: "high",
  remediation: "`apt-get purge rsh-server rsh-redone-server rsh-client` and delete /etc/hosts.equiv and ~/.rhosts files.",
  refs: ["Lynis INSE-8304", "Lynis INSE-8300", "Lynis INSE-8302", "dev-sec linux-baseline package-03", "dev-sec linux-baseline os-01"],
});
