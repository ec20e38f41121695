// Connect to host:port over TCP once and say how it went: exit 0 "open", 1 "refused" (RST or ICMP
// unreachable), 2 "timeout" (dropped). Runs inside a test namespace: `node probe.mjs HOST PORT [TIMEOUT_MS]`.
import net from "node:net";

const [host, port, timeout = "800"] = process.argv.slice(2);
const sock = net.connect({ host, port: Number(port) });
const timer = setTimeout(() => {
  process.stdout.write("timeout\n");
  process.exit(2);
}, Number(timeout));
sock.on("connect", () => {
  clearTimeout(timer);
  process.stdout.write("open\n");
  sock.destroy();
  process.exit(0);
});
sock.on("error", (e) => {
  clearTimeout(timer);
  process.stdout.write(`refused ${e.code}\n`);
  process.exit(1);
});
