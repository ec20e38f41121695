// Process entry (bin/rampart.js runs the compiled copy; tests run this file through tsx).
import { main } from "./main.js";

// `rampart … | head` closes stdout early: that is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
