// The host baseline (issue #9) inside a lab host, whose /etc and /var/lib are overlays: `rampart apply --only
// sysctl,updates` enables unattended upgrades (apt-config, which reads the overlaid /etc/apt, shows the
// periodic settings), makes the net.* sysctls live in the host's own network namespace and persists every
// key in the file — while this machine's machine-wide kernel.*/fs.* values stay exactly as they were; a
// second apply changes nothing; `rampart rollback` restores the files and the runtime values. Packages are
// never really installed or purged here (apt would write /usr, which is not overlaid): unattended-upgrades
// and a legacy telnetd are entries added to the overlaid dpkg status, and the services part is checked by
// the exact argv its plan would run.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { SYSCTL_GROUPS } from "../../src/policy/sysctl.js";
import { type LabHost, labTest } from "../lab/index.js";

const WANTS = "/etc/systemd/system/timers.target.wants";
const MACHINE_WIDE = [...new Set(SYSCTL_GROUPS.flatMap((g) => g.keys.map((k) => k.key)).filter((k) => !k.startsWith("net.")))];

/** This machine's own values of the machine-wide keys, read by the test process (outside every lab host). */
function machineValues(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...MACHINE_WIDE, "net.ipv4.conf.all.accept_redirects", "net.ipv4.conf.all.log_martians"]) {
    try {
      out[k] = readFileSync(`/proc/sys/${k.replace(/\./g, "/")}`, "utf8").trim();
    } catch {
      out[k] = "(absent)";
    }
  }
  return out;
}

const proc = async (h: LabHost, key: string) => (await h.readFile(`/proc/sys/${key.replace(/\./g, "/")}`)).trim();

async function fakeInstalled(h: LabHost, names: string[]): Promise<void> {
  const stanzas = names.map(
    (n) => `\nPackage: ${n}\nStatus: install ok installed\nPriority: optional\nVersion: 9.9-lab\nDescription: lab entry\n`,
  );
  await h.appendFile("/var/lib/dpkg/status", stanzas.join(""));
}

labTest(
  "apply sysctl+updates in a lab host: unattended upgrades on, net.* sysctls live and persisted, machine untouched; idempotent; rollback",
  async (lab) => {
    const machineBefore = machineValues();
    const srv = await lab.host("srv", { role: "server" });
    await fakeInstalled(srv, ["unattended-upgrades", "telnetd"]);
    await srv.exec(["rm", "-f", `${WANTS}/apt-daily.timer`, `${WANTS}/apt-daily-upgrade.timer`]);
    await srv.writeFile("/etc/rampart/policy.yaml", "services:\n  remove: [telnetd]\nupdates:\n  automatic: security\n");
    // a "before" state the apply must change, in the host's own network namespace
    await srv.exec(["sysctl", "-q", "-w", "net.ipv4.conf.all.accept_redirects=1", "net.ipv4.conf.all.log_martians=0"]);

    // services: planned against the overlaid dpkg status, exact argv (never run here)
    const svc = await srv.rampart(["plan", "--only", "services", "--json"]);
    assert.equal(svc.code, 0, svc.stderr);
    const svcPlan = JSON.parse(svc.stdout) as { changes: { argv: string[]; irreversible?: string }[] };
    assert.deepEqual(
      svcPlan.changes.map((c) => c.argv),
      [["apt-get", "purge", "-y", "telnetd"]],
    );
    assert.match(svcPlan.changes[0]?.irreversible ?? "", /cannot be rolled back byte for byte/);

    const plan = await srv.rampart(["plan", "--only", "sysctl,updates"]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /load \d+ kernel settings? at runtime/);
    assert.match(plan.stdout, /net\.ipv4\.conf\.all\.accept_redirects: 1 → 0/);
    assert.match(plan.stdout, /machine-wide keys are not loaded at runtime/);
    assert.doesNotMatch(plan.stdout, /apt-get install/, "unattended-upgrades is (fake-)installed");

    const r = await srv.rampart(["apply", "--only", "sysctl,updates", "--yes", "--confirm-timeout", "300", "--no-wait"], {
      timeoutMs: 90_000,
    });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const confirm = await srv.rampart(["confirm", "--allow-same-session"]);
    assert.equal(confirm.code, 0, confirm.stderr);

    // updates: what apt itself now reads
    const dump = (await srv.exec(["apt-config", "dump"])).stdout;
    assert.match(dump, /^APT::Periodic::Update-Package-Lists "1";$/m);
    assert.match(dump, /^APT::Periodic::Unattended-Upgrade "1";$/m);
    assert.match(
      dump,
      /Unattended-Upgrade::Origins-Pattern:: "origin=Debian,codename=\$\{distro_codename\}-security,label=Debian-Security";/,
    );
    for (const t of ["apt-daily.timer", "apt-daily-upgrade.timer"])
      assert.equal((await srv.exec(["test", "-L", `${WANTS}/${t}`], { okCodes: "any" })).code, 0, `${t} linked`);

    // sysctl: live in the host's namespace, persisted in the file
    assert.equal(await proc(srv, "net.ipv4.conf.all.accept_redirects"), "0");
    assert.equal(await proc(srv, "net.ipv4.conf.all.log_martians"), "1");
    const file = await srv.readFile("/etc/sysctl.d/60-rampart.conf");
    assert.match(file, /^net\.ipv4\.conf\.all\.accept_redirects = 0$/m);
    assert.match(file, /^kernel\.kptr_restrict = 2$/m, "machine-wide keys are persisted");
    assert.deepEqual(machineValues(), machineBefore, "this machine's own kernel.*/fs.* (and net.*) sysctls are unchanged");

    // a second apply changes nothing
    const again = await srv.rampart(["apply", "--only", "sysctl,updates", "--yes", "--no-wait"], { timeoutMs: 90_000 });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^nothing to change$/m);

    // rollback restores the files and the runtime values
    const back = await srv.rampart(["rollback"]);
    assert.equal(back.code, 0, back.stderr);
    assert.equal(await srv.exists("/etc/sysctl.d/60-rampart.conf"), false);
    assert.equal(await srv.exists("/etc/apt/apt.conf.d/20rampart-auto-upgrades"), false);
    assert.equal(await srv.exists("/etc/apt/apt.conf.d/52rampart-unattended-upgrades"), false);
    assert.equal(await srv.exists(`${WANTS}/apt-daily.timer`), false);
    assert.equal(await proc(srv, "net.ipv4.conf.all.accept_redirects"), "1");
    assert.equal(await proc(srv, "net.ipv4.conf.all.log_martians"), "0");
    const after = (await srv.exec(["apt-config", "dump"])).stdout;
    assert.doesNotMatch(after, /APT::Periodic::Unattended-Upgrade "1"/);
    assert.deepEqual(machineValues(), machineBefore);
  },
  { timeout: 180_000 },
);
