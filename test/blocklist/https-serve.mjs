// A list server for lab tests: HTTPS (a certificate the test made) or plain HTTP, serving one file's current
// contents at every path. Prints "ready" once it listens. `node https-serve.mjs PORT FILE [CERT KEY]`.
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";

const [port, file, cert, key] = process.argv.slice(2);
const handler = (_req, res) => {
  res.writeHead(200, { "content-type": "text/plain" }).end(readFileSync(file));
};
const server = cert && key ? https.createServer({ cert: readFileSync(cert), key: readFileSync(key) }, handler) : http.createServer(handler);
server.listen({ port: Number(port), host: "::", ipv6Only: false }, () => process.stdout.write("ready\n"));
