// A minimal DNS server for lab tests: answers every A query with one address, anything else with no answer.
// It stands in for the resolver named in a lab host's /etc/resolv.conf. `node dns-answer.mjs 192.0.2.99`.
import dgram from "node:dgram";

const answer = (process.argv[2] ?? "192.0.2.99").split(".").map(Number);
const sock = dgram.createSocket({ type: "udp6", ipv6Only: false });
sock.on("message", (q, from) => {
  if (q.length < 17) return;
  let p = 12;
  while (p < q.length && q[p] !== 0) p += (q[p] ?? 0) + 1;
  const qend = p + 5;
  const qtype = q.readUInt16BE(p + 1);
  const a = qtype === 1;
  const head = Buffer.alloc(12);
  head.writeUInt16BE(q.readUInt16BE(0), 0); // id
  head.writeUInt16BE(0x8180, 2); // response, recursion desired and available, no error
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(a ? 1 : 0, 6);
  const rr = a ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...answer]) : Buffer.alloc(0);
  sock.send(Buffer.concat([head, q.subarray(12, qend), rr]), from.port, from.address);
});
sock.bind(53, "::", () => process.stdout.write("ready\n"));
