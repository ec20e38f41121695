// Listen on the given TCP ports on every address (v4 and v6) and accept connections until killed; prints
// "ready" once all ports listen. Runs inside a test namespace: `node listen.mjs 22,80,443`.
import net from "node:net";

const ports = (process.argv[2] ?? "").split(",").map(Number).filter(Boolean);
let ready = 0;
for (const port of ports) {
  const server = net.createServer((s) => {
    s.on("error", () => {});
    s.end("hello\n");
  });
  server.listen({ port, host: "::", ipv6Only: false }, () => {
    if (++ready === ports.length) process.stdout.write("ready\n");
  });
}
