// How much of a peer's text this guard takes, and how much the database keeps. Anyone who can write rows can
// put a 150 MB reason in one: a receiver that read whole rows held every byte of them (three such rows took a
// guard past 800 MiB). So each text column has two bounds:
//  - READ: what a receiver fetches (the SELECT cuts each column to READ + 1 characters in the database, so
//    no row costs more than about 1 KB however it was written; the one character more tells "longer than
//    READ" from "exactly READ", and the receiver shortens with an ellipsis or refuses the row);
//  - STORED: what the database accepts in a new row (a CHECK, migration 3: its SQL holds these numbers, and
//    a migration is never edited — changing one takes a new migration). Looser than READ, so an older
//    guard's honest row (its reason names the filter's rule) is never refused — a refused INSERT would hold
//    that guard's whole outbox back. This guard clips its own rows to STORED before sending.
export const TEXT = {
  uid: { read: 200, stored: 200 },
  /** the longest address or CIDR text is 49 characters (IPv4-mapped IPv6 with a prefix) */
  target: { read: 64, stored: 100 },
  jail: { read: 64, stored: 100 },
  reason: { read: 200, stored: 1000 },
  origin: { read: 64, stored: 255 },
  node: { read: 64, stored: 100 },
} as const;

/** Columns the database fills (the trigger's `writer`: a host name of rampart_hosts, 63 at most): read bound only. */
const FILLED = { writer: 64 } as const;

export type TextColumn = keyof typeof TEXT;

/** `column` cut to READ + 1 characters by the database (substr reads only that slice of a long stored value). */
export function readBounded(column: TextColumn | keyof typeof FILLED): string {
  const read = column === "writer" ? FILLED.writer : TEXT[column].read;
  return `substr(${column}, 1, ${read + 1}) AS ${column}`;
}

/** This guard's own text, clipped to what the database accepts (it never sends a row the CHECK refuses). */
export function clipStored(column: TextColumn, value: string): string {
  const max = TEXT[column].stored;
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}
