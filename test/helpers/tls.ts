// A self-signed certificate for a test server at one IP address (openssl from Debian, argv only): the
// blocklist HTTPS server, the report endpoint and the TLS PostgreSQL of the fleet tests all use it.
import { run } from "../../src/system/exec.js";

/** Writes `cert` and `key` (P-256, valid one day) for `ip`; the certificate is its own CA. */
export async function selfSignedCert(o: { cert: string; key: string; ip: string; name: string }): Promise<void> {
  await run(
    [
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      `/CN=${o.name}`,
      "-addext",
      `subjectAltName=IP:${o.ip}`,
      "-keyout",
      o.key,
      "-out",
      o.cert,
    ],
    { timeoutMs: 20_000 },
  );
}
