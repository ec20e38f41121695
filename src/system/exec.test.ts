import assert from "node:assert/strict";
import { test } from "node:test";
import { RampartError } from "../core/errors.js";
import { describe as describeArgv, run, which } from "./exec.js";

test("argv is passed verbatim: no shell ever interprets it", async () => {
  const hostile = "$(touch /tmp/pwned); `id` && echo hi | cat > x; 'q\"";
  const r = await run(["printf", "%s", hostile]);
  assert.equal(r.stdout, hostile);
});

test("stdin input and exit codes", async () => {
  const r = await run(["cat"], { input: "hello" });
  assert.equal(r.stdout, "hello");
  const any = await run(["false"], { okCodes: "any" });
  assert.equal(any.code, 1);
});

test("a failing program is an EXEC error that keeps stderr", async () => {
  await assert.rejects(run(["ls", "/definitely/not/here"]), (e: unknown) => {
    assert.ok(e instanceof RampartError);
    assert.equal(e.code, "EXEC");
    assert.match(e.message, /No such file or directory/);
    return true;
  });
});

test("a missing program is NOT_FOUND with an install hint", async () => {
  await assert.rejects(
    run(["rampart-no-such-program"]),
    (e: unknown) => e instanceof RampartError && e.code === "NOT_FOUND" && /apt-get install/.test(e.hint ?? ""),
  );
});

test("a hung program is killed at the timeout", async () => {
  await assert.rejects(run(["sleep", "10"], { timeoutMs: 200 }), (e: unknown) => e instanceof RampartError && e.code === "TIMEOUT");
});

test("describe quotes for display only", () => {
  assert.equal(describeArgv(["nft", "-f", "-"]), "nft -f -");
  assert.equal(describeArgv(["echo", "a b", "it's"]), "echo 'a b' 'it'\\''s'");
});

test("which finds programs on PATH", async () => {
  assert.ok(await which("sh"));
  assert.equal(await which("rampart-no-such-program"), undefined);
});

test("pipeFrom: one program's output is the next one's input, process to process", async () => {
  // 20 MB: more than a pipe holds, so both must run at once and nothing may be lost or read by us
  const r = await run(["wc", "-c"], { pipeFrom: ["head", "-c", "20000000", "/dev/zero"] });
  assert.equal(r.stdout.trim(), "20000000");
  const lines = await run(["grep", "-c", "^b"], { pipeFrom: ["printf", "a\\nb1\\nb2\\nc\\n"] });
  assert.equal(lines.stdout.trim(), "2");
});

test("pipeFrom: the producer's failure is an error with its own words; a missing producer is NOT_FOUND", async () => {
  await assert.rejects(
    run(["cat"], { pipeFrom: ["sh", "-c", "echo partial; echo broken archive >&2; exit 3"] }),
    (e: unknown) => e instanceof RampartError && e.code === "EXEC" && /exit 3/.test(e.message) && /broken archive/.test(e.message),
  );
  await assert.rejects(
    run(["cat"], { pipeFrom: ["rampart-no-such-program-xyz"] }),
    (e: unknown) => e instanceof RampartError && e.code === "NOT_FOUND",
  );
  // the reader's own failure wins: it says what went wrong with the data
  await assert.rejects(
    run(["sh", "-c", "cat >/dev/null; exit 4"], { pipeFrom: ["printf", "x"] }),
    (e: unknown) => e instanceof RampartError && /exit 4/.test(e.message),
  );
});

test("pipeFrom: the timeout kills both programs", async () => {
  const t = performance.now();
  await assert.rejects(
    run(["cat"], { pipeFrom: ["sleep", "30"], timeoutMs: 300 }),
    (e: unknown) => e instanceof RampartError && e.code === "TIMEOUT",
  );
  assert.ok(performance.now() - t < 10_000);
});
