// SVC-RSH: rsh/rlogin/rexec trust host names and send everything in clear text; .rhosts-style trust
// files make them worse.
import { legacyServiceCheck } from "./legacy.js";

export const rsh = legacyServiceCheck({
  id: "SVC-RSH",
  title: "No rsh/rlogin/rexec server",
  severity: "high",
  what: "rsh",
  servers: ["rsh-server", "rsh-redone-server"],
  clients: ["rsh-client", "rsh-redone-client"],
  ports: [
    { proto: "tcp", port: 512 },
    { proto: "tcp", port: 513 },
    { proto: "tcp", port: 514 },
  ],
  files: ["/etc/hosts.equiv", "/root/.rhosts"],
  remediation: "`apt-get purge rsh-server rsh-redone-server rsh-client` and delete /etc/hosts.equiv and ~/.rhosts files.",
  refs: ["Lynis INSE-8304", "Lynis INSE-8300", "Lynis INSE-8302", "dev-sec linux-baseline package-03", "dev-sec linux-baseline os-01"],
});
