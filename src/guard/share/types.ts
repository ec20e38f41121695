// What the fleet share moves between hosts: ban and unban decisions, and the small contract the guard daemon
// sees (publish without waiting; status for `guard status`). The daemon never imports the database client.

export type DecisionAction = "ban" | "unban";

export interface Decision {
  /** unique per decision across the fleet (node id + local sequence): a resend after a lost ack is a no-op */
  uid: string;
  action: DecisionAction;
  /** address or CIDR, canonical text */
  target: string;
  jail: string;
  reason: string;
  /** the deciding host's name (shown in `guard bans`): for a received row, the host the database logged in */
  origin: string;
  /**
   * received rows: true when `origin` is the writer the database authenticated (the row came from that host's
   * own role); false when it is only the row's claim (written by the shared owner role, or before host roles)
   */
  verified?: boolean;
  /** the deciding guard's id (hostnames repeat across clones; this does not) */
  node: string;
  /** ms since epoch */
  startedAt: number;
  expiresAt: number;
  offense: number;
}

/** A decision as the daemon hands it over: the share fills in uid and node. */
export type LocalDecision = Omit<Decision, "uid" | "node" | "verified">;

export interface ShareStatus {
  backend: "postgres";
  /** the database URL without its password */
  url: string;
  connected: boolean;
  /** the host name the database knows this guard's login as; absent = the schema owner (unverified decisions) */
  host?: string;
  /** the last decision id seen from the database ("0" before the first catch-up) */
  lastId: string;
  /** decisions waiting to be sent (made while the database was unreachable, or not yet flushed) */
  outbox: number;
  published: number;
  received: number;
  /** received decisions not applied: the target holds an address of the local ignore list */
  ignored: number;
  lastError?: string;
  /** ISO time of the last successful connection */
  connectedAt?: string;
}

/** What the daemon calls: publish never waits on the network (the decision is queued durably first). */
export interface DecisionSink {
  publish(decisions: LocalDecision[]): void;
  status(): ShareStatus;
}
