// A journal source whose saved cursor journalctl refuses (a damaged row in state.db): before, every restart of
// journalctl failed the same way ("Failed to seek to cursor") and the jail was deaf for good. Now the cursor
// is dropped once — reading from the time it names, else from now — and the log says so. A real journald in a
// lab host; the source runs journalctl on that journal's directory.
import assert from "node:assert/strict";
import { until } from "../helpers/wait.js";
import { labTest } from "../lab/index.js";
import { startJournal } from "../lab/journal.js";
import { cursorTime, JournalSource } from "../../src/guard/sources/journald.js";
import type { SourcePosition } from "../../src/guard/state.js";

labTest(
  "guard (journald): a saved cursor journalctl refuses is dropped, not retried forever — from its time, else from now",
  async (lab) => {
    const srv = await lab.host("srv", { role: "server" });
    await startJournal(srv);
    const tag = "lab-cursor";
    const log = (m: string) => srv.exec(["logger", "-t", tag, m]);
    await log("before the restart");
    const read = async (cursor: string) => {
      const warnings: string[] = [];
      const saved: SourcePosition[] = [];
      const messages: string[] = [];
      const source = new JournalSource({
        matches: [`SYSLOG_IDENTIFIER=${tag}`],
        position: { key: "k", cursor },
        savePosition: (p) => saved.push(p),
        extraArgs: ["--directory", srv.path("/run/log/journal")],
        log: { warn: (m: string) => warnings.push(m) },
      });
      await source.start({
        line: (text, start, end) => messages.push(JSON.parse(text.slice(start, end)).MESSAGE),
        tooLong: () => {},
      });
      return { source, warnings, saved, messages };
    };

    // garbage: no time in it → new entries only
    const a = await read("garbage");
    await until("the refusal to be seen", async () => a.warnings.length > 0, 10_000, 50);
    assert.match(a.warnings[0] as string, /refused the saved cursor .*Failed to seek to cursor.*: reading new entries only/);
    await new Promise((r) => setTimeout(r, 500)); // journalctl following again
    await log("after the restart");
    await until("the new entry to be read", async () => a.messages.includes("after the restart"), 10_000, 50);
    assert.ok(!a.messages.includes("before the restart"));
    await a.source.stop();
    const good = a.saved.at(-1)?.cursor;
    assert.ok(good && good !== "garbage" && cursorTime(good) !== undefined, "a real cursor is saved once an entry is read");

    // a damaged cursor that still holds journald's stamp of the last entry read: the entries since then are read
    const sec = cursorTime(good) as number;
    await log("while it was stopped");
    const b = await read(`s=zz;t=${(sec * 1e6).toString(16)};x=damaged`);
    await until("the entries since the cursor's time", async () => b.messages.includes("while it was stopped"), 10_000, 50);
    assert.match(b.warnings[0] as string, /reading entries since \d{4}-/);
    await b.source.stop();
    assert.equal(b.source.status().state, "stopped");
  },
  { timeout: 60_000 },
);
