// Generate a realistic syslog-form auth.log for the guard benchmark: brute-force connections (invalid
// users, wrong root passwords, PAM lines, preauth disconnects), scanners (kex_exchange_identification,
// "Did not receive identification string", no matching key exchange), admin logins, and the noise a
// real auth.log carries (cron, sudo, systemd-logind). IPv4 and IPv6; ~30% of sshd lines come from
// `sshd-session` (OpenSSH >= 9.8). Deterministic (seeded), so runs are comparable.
//   node bench/guard-gen.mjs OUT.log [LINES=1000000]
import { createWriteStream } from "node:fs";

export function generateAuthLog(path, total = 1_000_000) {
  // mulberry32
  let seed = 12345;
  const rnd = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const v4 = [];
  for (let i = 0; i < 20000; i++) {
    v4.push(`${1 + Math.floor(rnd() * 222)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}`);
  }
  const v6 = [];
  for (let i = 0; i < 3000; i++) {
    v6.push(
      `2001:db8:${Math.floor(rnd() * 65536).toString(16)}:${Math.floor(rnd() * 65536).toString(16)}::${Math.floor(rnd() * 65536).toString(16)}`,
    );
  }
  const attacker = () => (rnd() < 0.15 ? pick(v6) : pick(v4));
  const users = [
    "admin",
    "test",
    "oracle",
    "postgres",
    "ubuntu",
    "user",
    "git",
    "ftpuser",
    "pi",
    "guest",
    "support",
    "deploy",
    "jenkins",
    "hadoop",
    "mysql",
  ];
  const admins = [
    ["alice", "192.0.2.50"],
    ["bob", "2001:db8:0:1::51"],
  ];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  let t = Date.UTC(2026, 10, 20, 0, 0, 0);
  const stamp = () => {
    t += Math.floor(rnd() * 350);
    const d = new Date(t);
    const day = String(d.getUTCDate()).padStart(2, " ");
    const hh = String(d.getUTCHours()).padStart(2, "0");
    const mm = String(d.getUTCMinutes()).padStart(2, "0");
    const ss = String(d.getUTCSeconds()).padStart(2, "0");
    return `${months[d.getUTCMonth()]} ${day} ${hh}:${mm}:${ss}`;
  };
  let pid = 20000;
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let n = 0;
  let buf = [];
  const emit = (prog, p, msg) => {
    if (n >= total) return;
    buf.push(`${stamp()} web1 ${prog}${p === undefined ? "" : `[${p}]`}: ${msg}`);
    n++;
  };
  const sshProg = () => (rnd() < 0.3 ? "sshd-session" : "sshd");
  const scenarios = [
    // invalid user brute force, with the PAM lines and the preauth disconnect
    [
      30,
      () => {
        const a = attacker(),
          u = pick(users),
          port = 1024 + Math.floor(rnd() * 60000),
          p = ++pid,
          prog = sshProg();
        emit(prog, p, `Invalid user ${u} from ${a} port ${port}`);
        emit(prog, p, "pam_unix(sshd:auth): check pass; user unknown");
        emit(prog, p, `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${a}`);
        emit(prog, p, `Failed password for invalid user ${u} from ${a} port ${port} ssh2`);
        emit(prog, p, `Received disconnect from ${a} port ${port}:11: Bye Bye [preauth]`);
        emit(prog, p, `Disconnected from invalid user ${u} ${a} port ${port} [preauth]`);
      },
    ],
    // root password guessing, several tries per connection
    [
      25,
      () => {
        const a = attacker(),
          port = 1024 + Math.floor(rnd() * 60000),
          p = ++pid,
          prog = sshProg();
        emit(prog, p, `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${a}  user=root`);
        const tries = 1 + Math.floor(rnd() * 3);
        for (let i = 0; i < tries; i++) emit(prog, p, `Failed password for root from ${a} port ${port} ssh2`);
        if (tries === 3) emit(prog, p, `error: maximum authentication attempts exceeded for root from ${a} port ${port} ssh2 [preauth]`);
        emit(prog, p, `Connection closed by authenticating user root ${a} port ${port} [preauth]`);
      },
    ],
    // scanners
    [
      12,
      () => {
        const a = attacker(),
          port = 1024 + Math.floor(rnd() * 60000),
          p = ++pid,
          prog = sshProg();
        const k = rnd();
        if (k < 0.4) {
          emit(prog, p, "error: kex_exchange_identification: Connection closed by remote host");
          emit(prog, p, `Connection closed by ${a} port ${port}`);
        } else if (k < 0.7) {
          emit(
            prog,
            p,
            `Unable to negotiate with ${a} port ${port}: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1,diffie-hellman-group14-sha1 [preauth]`,
          );
        } else if (k < 0.85) {
          emit(prog, p, `Did not receive identification string from ${a} port ${port}`);
        } else {
          emit(prog, p, `Connection reset by ${a} port ${port} [preauth]`);
        }
      },
    ],
    // admin logins
    [
      8,
      () => {
        const [u, a] = pick(admins),
          port = 1024 + Math.floor(rnd() * 60000),
          p = ++pid,
          prog = sshProg();
        emit(
          prog,
          p,
          `Accepted publickey for ${u} from ${a} port ${port} ssh2: ED25519 SHA256:Kx2+zV8pDLcFoHc9lK4mVv0qQ6N0yM3TjO5r2Jc1fWs`,
        );
        emit(prog, p, `pam_unix(sshd:session): session opened for user ${u}(uid=1000) by (uid=0)`);
        emit("systemd-logind", 600, `New session ${p} of user ${u}.`);
        emit(prog, p, `Received disconnect from ${a} port ${port}:11: disconnected by user`);
        emit(prog, p, `Disconnected from user ${u} ${a} port ${port}`);
        emit(prog, p, `pam_unix(sshd:session): session closed for user ${u}`);
      },
    ],
    // noise
    [
      25,
      () => {
        const k = rnd();
        if (k < 0.5) {
          const p = ++pid;
          emit("CRON", p, "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)");
          emit("CRON", p, "pam_unix(cron:session): session closed for user root");
        } else if (k < 0.8) {
          emit("sudo", undefined, "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl status nginx");
          emit("sudo", undefined, "pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)");
        } else {
          emit("systemd-logind", 600, `Session ${pid} logged out. Waiting for processes to exit.`);
          emit("systemd-logind", 600, `Removed session ${pid}.`);
        }
      },
    ],
  ];
  const weightTotal = scenarios.reduce((s, [w]) => s + w, 0);
  return new Promise((resolve, reject) => {
    out.on("error", reject);
    const step = () => {
      while (n < total) {
        let r = rnd() * weightTotal;
        for (const [w, f] of scenarios) {
          r -= w;
          if (r < 0) {
            f();
            break;
          }
        }
        if (buf.length >= 5000) {
          const ok = out.write(`${buf.join("\n")}\n`);
          buf = [];
          if (!ok) {
            out.once("drain", step);
            return;
          }
        }
      }
      if (buf.length) out.write(`${buf.join("\n")}\n`);
      out.end(() => resolve(n));
    };
    step();
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [, , path, lines] = process.argv;
  if (!path) {
    console.error("usage: node bench/guard-gen.mjs OUT.log [LINES]");
    process.exit(2);
  }
  const n = await generateAuthLog(path, lines ? Number(lines) : 1_000_000);
  console.log(`${path}: ${n} lines`);
}
