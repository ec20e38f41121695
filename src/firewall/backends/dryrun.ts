// A backend that changes nothing: it renders in a real dialect (rendering is pure) and keeps "the kernel"
// in memory, so apply/plan can be tested, and `apply --dry-run` run, without root or a namespace.
// Calls are recorded in order for tests to assert on.
import { RampartError } from "../../core/errors.js";
import type { BackendName, FirewallBackend, FirewallSnapshot, RenderedRuleset } from "../backend.js";
import type { RuleModel } from "../model.js";
import { IptablesBackend } from "./iptables.js";
import { NftablesBackend } from "./nftables.js";

const noRunner = () => Promise.reject(new RampartError("STATE", "internal: the dry-run backend runs no program"));

export class DryRunBackend implements FirewallBackend {
  readonly name: BackendName;
  /** what is "loaded" now: the files by name, or undefined when nothing is */
  loaded: Record<string, string> | undefined;
  readonly calls: { op: "check" | "load" | "snapshot" | "restore" | "failOpen"; files?: string[] }[] = [];
  private readonly dialect: FirewallBackend;

  constructor(dialect: BackendName = "nftables", options: { failCheck?: string; failLoad?: string } = {}) {
    this.name = dialect;
    this.dialect = dialect === "nftables" ? new NftablesBackend(noRunner) : new IptablesBackend(noRunner);
    this.failCheck = options.failCheck;
    this.failLoad = options.failLoad;
  }
  private readonly failCheck: string | undefined;
  private readonly failLoad: string | undefined;

  render(model: RuleModel): RenderedRuleset {
    return this.dialect.render(model);
  }

  async check(ruleset: RenderedRuleset): Promise<void> {
    this.calls.push({ op: "check", files: ruleset.files.map((f) => f.name) });
    if (this.failCheck) throw new RampartError("REFUSED", `the ruleset does not validate: ${this.failCheck}`);
  }

  async load(ruleset: RenderedRuleset): Promise<void> {
    this.calls.push({ op: "load", files: ruleset.files.map((f) => f.name) });
    if (this.failLoad) throw new RampartError("REFUSED", `the ruleset was refused: ${this.failLoad}`);
    this.loaded = Object.fromEntries(ruleset.files.map((f) => [f.name, f.text]));
  }

  async snapshot(): Promise<FirewallSnapshot> {
    this.calls.push({ op: "snapshot" });
    return { backend: this.name, parts: { loaded: this.loaded ? JSON.stringify(this.loaded) : null } };
  }

  async restore(snapshot: FirewallSnapshot): Promise<void> {
    this.calls.push({ op: "restore" });
    const saved = snapshot.parts.loaded;
    this.loaded = saved ? (JSON.parse(saved) as Record<string, string>) : undefined;
  }

  async failOpen(): Promise<void> {
    this.calls.push({ op: "failOpen" });
    this.loaded = undefined;
  }
}
