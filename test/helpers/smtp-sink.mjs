#!/usr/bin/env node
// A real SMTP server (smtp-server, from nodemailer's authors) for tests: listens on HOST:PORT and appends
// every message it receives to FILE as one JSON line {from, to, data}. Runs until killed. It never offers
// STARTTLS. With `auth` it offers AUTH anyway (over the plain connection, as a relay whose STARTTLS an attacker
// stripped would look) and appends {login: USER} for each login it is sent.
// usage: node smtp-sink.mjs FILE [PORT] [HOST] [auth]
import { appendFileSync } from "node:fs";
import { SMTPServer } from "smtp-server";

const [file, port = "2525", host = "127.0.0.1", auth] = process.argv.slice(2);
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: auth === "auth" ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
  allowInsecureAuth: auth === "auth",
  logger: false,
  onAuth(login, _session, callback) {
    appendFileSync(file, `${JSON.stringify({ login: login.username })}\n`);
    callback(null, { user: login.username });
  },
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
