// Poll until a probe returns something truthy (a lab test waiting for a daemon, a ban, a mail), with a limit
// that names what was awaited when it runs out. Timing is only a bound here, never what is asserted.
export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 10_000, every = 50): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
