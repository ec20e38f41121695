// The lab's address plan: documentation ranges only (RFC 5737 / RFC 3849), one L2 segment, so every
// host reaches every other through on-link routes. Kept in one place so tests and the README agree.

export type LabRole = "server" | "attacker" | "admin";

/** Which attacker subnet: "a" = 198.51.100.0/24 (default), "b" = 203.0.113.0/24 (a second attacker network). */
export type AttackerNet = "a" | "b";

export interface HostAddresses {
  v4: string;
  v4Prefix: number;
  v6: string;
  v6Prefix: number;
}

/** v4 networks every host can reach on-link (the three documentation /24s). */
export const ONLINK_V4 = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"] as const;
/** The whole IPv6 documentation range, on-link from every host. */
export const ONLINK_V6 = "2001:db8::/32";

interface Slot {
  v4: (n: number) => string;
  v6: (n: number) => string;
}

const SLOTS: Record<string, Slot> = {
  server: { v4: (n) => `192.0.2.${10 + n}`, v6: (n) => `2001:db8:0:1::${10 + n}` },
  "attacker-a": { v4: (n) => `198.51.100.${10 + n}`, v6: (n) => `2001:db8:bad::${10 + n}` },
  "attacker-b": { v4: (n) => `203.0.113.${100 + n}`, v6: (n) => `2001:db8:bad:1::${10 + n}` },
  admin: { v4: (n) => `203.0.113.${10 + n}`, v6: (n) => `2001:db8:0:ad::${10 + n}` },
};

/** Hands out addresses in order per role (and per attacker subnet); at most 80 hosts per slot. */
export class AddressPlan {
  readonly #next = new Map<string, number>();

  allocate(role: LabRole, net: AttackerNet = "a"): HostAddresses {
    const key = role === "attacker" ? `attacker-${net}` : role;
    const slot = SLOTS[key];
    if (!slot) throw new Error(`lab: unknown role ${role}`);
    const n = this.#next.get(key) ?? 0;
    if (n >= 80) throw new Error(`lab: too many ${key} hosts (max 80)`);
    this.#next.set(key, n + 1);
    return { v4: slot.v4(n), v4Prefix: 24, v6: slot.v6(n), v6Prefix: 64 };
  }
}
