// `later()`: resolve after every promise chain that is ready has run, and the I/O already done has been
// handled (a setImmediate, not a microtask). For long synchronous work in a run of many concurrent tasks — the
// audit's tree walks: started first, they held up for hundreds of milliseconds the checks whose next step is
// starting a program (sshd -T, nft, apt-helper), which then ran after the walk instead of beside it.
export function later(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
