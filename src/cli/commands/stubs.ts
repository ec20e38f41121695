// Commands of the DESIGN.md contract whose implementation has not landed yet. Each has its real options
// and help, and says plainly that it is not built (exit 2) instead of pretending. When a command lands,
// its registration moves to its own module and out of this file.
import { notBuilt } from "../../core/errors.js";

/** The action of a command that is not built yet (every command of the contract is built at the moment). */
export const fail = (command: string, issue: string) => () => {
  throw notBuilt(command, issue);
};
