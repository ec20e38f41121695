// The systemd units enabled on the host: a symlink in /etc/systemd/system/*.wants, what `systemctl enable`
// creates, so this reads an image under --root as well as the running system. A unit masked to /dev/null is
// not enabled whatever its wants links say.
import type { FactContext } from "./context.js";

/** Units enabled through a .wants/ symlink under /etc/systemd/system (memoised). */
export function enabledUnits(ctx: FactContext): Promise<Map<string, string>> {
  return ctx.memo("systemd:wants", async () => {
    const out = new Map<string, string>();
    const base = "/etc/systemd/system";
    for (const d of await ctx.fs.list(base)) {
      if (!d.endsWith(".wants")) continue;
      for (const unit of await ctx.fs.list(`${base}/${d}`)) {
        if (!out.has(unit)) out.set(unit, `${base}/${d}/${unit}`);
      }
    }
    // a unit masked with a symlink to /dev/null is not enabled whatever its wants links say
    for (const unit of [...out.keys()]) {
      const st = await ctx.fs.lstat(`${base}/${unit}`);
      if (st?.isSymbolicLink()) {
        const real = await ctx.fs.real(`${base}/${unit}`);
        if (real.endsWith("/dev/null")) out.delete(unit);
      }
    }
    return out;
  });
}
