// Which second factor sshd really demands of a connection, from its effective AuthenticationMethods and the
// PAM stack: `publickey,keyboard-interactive` is a TOTP code only when the PAM stack runs the TOTP module
// (otherwise keyboard-interactive is just the password through PAM). Shared by the audit (SSH-MFA), the
// other ssh checks (password logins that only come after a key are not password logins) and `mfa status`.

export type SecondFactor = "totp" | "password" | "none";

const RANK: Record<SecondFactor, number> = { none: 0, password: 1, totp: 2 };

/**
 * The weakest factor over the alternatives of an `AuthenticationMethods` value ("any", or space-separated
 * comma lists such as "publickey,keyboard-interactive:pam publickey,password"): a login may take any list.
 */
export function secondFactorOf(authenticationMethods: string, pamTotp: boolean): SecondFactor {
  const lists = authenticationMethods.trim().split(/\s+/).filter(Boolean);
  if (lists.length === 0 || lists.includes("any")) return "none";
  let weakest: SecondFactor = "totp";
  for (const list of lists) {
    const methods = list.split(",").map((m) => m.split(":")[0]);
    let f: SecondFactor = "none";
    if (methods.includes("publickey")) {
      if (methods.includes("keyboard-interactive")) f = pamTotp ? "totp" : "password";
      else if (methods.includes("password")) f = "password";
    }
    if (RANK[f] < RANK[weakest]) weakest = f;
  }
  return weakest;
}

/** Every alternative starts from a key: a password (or keyboard-interactive) is never enough on its own. */
export function keyAlwaysRequired(authenticationMethods: string): boolean {
  const lists = authenticationMethods.trim().split(/\s+/).filter(Boolean);
  if (lists.length === 0 || lists.includes("any")) return false;
  return lists.every((l) => l.split(",").some((m) => m.split(":")[0] === "publickey"));
}
