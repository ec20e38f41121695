#!/usr/bin/env node
// A real SMTP server (smtp-server, from nodemailer's authors) for tests: listens on HOST:PORT and appends
// every message it receives to FILE as one JSON line {from, to, data}. Runs until killed.
// usage: node smtp-sink.mjs FILE [PORT] [HOST]
import { appendFileSync } from "node:fs";
import { SMTPServer } from "smtp-server";

const [file, port = "2525", host = "127.0.0.1"] = process.argv.slice(2);
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS", "AUTH"],
  logger: false,
  onData(stream, session, callback) {
    let data = "";
    stream.setEncoding("utf8");
    stream.on("data", (c) => (data += c));
    stream.on("end", () => {
      appendFileSync(
        file,
        `${JSON.stringify({ from: session.envelope.mailFrom?.address, to: session.envelope.rcptTo.map((r) => r.address), data })}\n`,
      );
      callback();
    });
  },
});
server.listen(Number(port), host, () => process.stdout.write(`listening ${host}:${port}\n`));
