// A systemd-journald of the test's own inside a lab host, reachable the way a real system reaches it: the
// host gets a private /dev (the machine's device nodes bound in, nothing created on the machine) whose
// /dev/log points at the journal's syslog socket, so programs that call syslog() — a real sshd — log into
// it with journald's trusted fields (_COMM, _EXE) filled in from the kernel, as on a real server.
import type { LabHost } from "./host.js";
import { until } from "../helpers/wait.js";

const DEVICES = ["null", "zero", "full", "random", "urandom", "tty", "ptmx"];

export async function startJournal(host: LabHost): Promise<void> {
  await host.writeFile("/etc/systemd/journald.conf.d/lab.conf", "[Journal]\nStorage=volatile\nReadKMsg=no\nRateLimitBurst=0\n");
  // journald needs the cgroup tree, which the host's fresh /sys (ip netns) does not show: mount it (host-private)
  await host.exec(["mount", "-t", "cgroup2", "cgroup2", "/sys/fs/cgroup"], { okCodes: "any" });
  // a private /dev: the machine's /dev is shared with the lab and has no /dev/log to point anywhere
  await host.exec(["mkdir", "-p", "/run/lab-dev"]);
  await host.exec(["mount", "--rbind", "/dev", "/run/lab-dev"]);
  await host.exec(["mount", "-t", "tmpfs", "-o", "mode=755,nosuid", "tmpfs", "/dev"]);
  for (const d of DEVICES) {
    await host.exec(["touch", `/dev/${d}`]);
    await host.exec(["mount", "--bind", `/run/lab-dev/${d}`, `/dev/${d}`]);
  }
  await host.exec(["mkdir", "-p", "/dev/pts", "/dev/shm"]);
  await host.exec(["mount", "--rbind", "/run/lab-dev/pts", "/dev/pts"]);
  await host.exec(["mount", "-t", "tmpfs", "tmpfs", "/dev/shm"]);
  for (const [name, target] of [
    ["fd", "/proc/self/fd"],
    ["stdin", "/proc/self/fd/0"],
    ["stdout", "/proc/self/fd/1"],
    ["stderr", "/proc/self/fd/2"],
    ["log", "/run/systemd/journal/dev-log"],
  ] as const)
    await host.exec(["ln", "-s", target, `/dev/${name}`]);
  await host.exec(["mkdir", "-p", "/run/systemd/journal", "/run/log/journal"]);
  host.spawn(["/lib/systemd/systemd-journald"], { env: { SYSTEMD_LOG_TARGET: "console" } });
  // journald accepts clients once it is fully up: probe its syslog socket with a real logger
  await until(
    "journald to accept syslog messages",
    async () => {
      await host.exec(["logger", "-t", "lab-probe", "up"], { okCodes: "any" });
      const r = await host.exec(["journalctl", "-o", "cat", "-t", "lab-probe", "--no-pager"], { okCodes: "any" });
      return r.stdout.includes("up");
    },
    10_000,
    200,
  );
}
