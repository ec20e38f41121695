// Rule comments are built from policy text (a user's `comment:`), so they are reduced to a safe alphabet
// before they reach nft or iptables-restore syntax: no quotes, no newlines, at most 120 characters
// (nft allows 128 bytes of comment, iptables 256).
const SAFE = /[^A-Za-z0-9 _.,:;/()[\]=+@#%>-]/g;

export function safeComment(text: string): string {
  const s = text.replace(SAFE, "_").replace(/\s+/g, " ").trim();
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
