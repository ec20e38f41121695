#!/usr/bin/env node
// A stand-in for the report APIs, over HTTPS: it checks each request against the shape AbuseIPDB (API v2
// `POST /api/v2/report`, `Key` header, `Accept: application/json`, form fields ip, categories, comment) and
// blocklist.de (`POST /en/httpreports.html`, form fields server, apikey, ip, service, logs) document, answers
// as they do (a refusal when the shape is wrong), and appends every request to FILE as one JSON line
// {api, method, path, ok, problems, fields, key, accept}. Runs until killed.
// usage: node report-sink.mjs CERT KEY HOST PORT FILE ABUSEIPDB_KEY BLOCKLIST_EMAIL BLOCKLIST_KEY
import { appendFileSync, readFileSync } from "node:fs";
import https from "node:https";
import { isIP } from "node:net";

const [cert, key, host, port, file, abuseKey, blEmail, blKey] = process.argv.slice(2);

function check(req, form) {
  const path = req.url ?? "";
  const problems = [];
  const formType = (req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
  if (req.method !== "POST") problems.push(`method ${req.method}`);
  if (!formType) problems.push(`content-type ${req.headers["content-type"]}`);
  if (!isIP(form.get("ip") ?? "")) problems.push(`ip ${form.get("ip")}`);
  if (path === "/api/v2/report") {
    if (req.headers.key !== abuseKey) problems.push("Key header");
    if (!(req.headers.accept ?? "").includes("application/json")) problems.push("Accept header");
    if (!/^\d+(,\d+)*$/.test(form.get("categories") ?? "")) problems.push(`categories ${form.get("categories")}`);
    const c = form.get("comment") ?? "";
    if (c.length === 0 || c.length > 1024) problems.push(`comment of ${c.length} characters`);
    return { api: "abuseipdb", problems };
  }
  if (path === "/en/httpreports.html") {
    if (form.get("server") !== blEmail) problems.push(`server ${form.get("server")}`);
    if (form.get("apikey") !== blKey) problems.push("apikey");
    if (!form.get("service")) problems.push("service");
    if (!form.get("logs")) problems.push("logs");
    return { api: "blocklist.de", problems };
  }
  return { api: "unknown", problems: [...problems, `path ${path}`] };
}

const server = https.createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const form = new URLSearchParams(body);
    const { api, problems } = check(req, form);
    const ok = problems.length === 0;
    appendFileSync(
      file,
      `${JSON.stringify({ api, method: req.method, path: req.url, ok, problems, fields: Object.fromEntries(form), key: req.headers.key ?? null, accept: req.headers.accept ?? null })}\n`,
    );
    res.setHeader("content-type", "application/json");
    if (api === "abuseipdb")
      res
        .writeHead(ok ? 200 : 422)
        .end(
          JSON.stringify(
            ok ? { data: { ipAddress: form.get("ip"), abuseConfidenceScore: 0 } } : { errors: [{ detail: problems.join("; ") }] },
          ),
        );
    else if (api === "blocklist.de")
      res.writeHead(200).end(JSON.stringify(ok ? { status: "success", error: 0 } : { status: "error", error: problems }));
    else res.writeHead(404).end("{}");
  });
});
server.listen(Number(port), host, () => process.stdout.write(`listening ${host}:${port}\n`));
