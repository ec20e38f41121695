#!/bin/bash
# bench/nft-set-add: what one `nft -f` adding ONE element costs, by set type and how many elements the set
# already holds — the reason the ban sets are split (firewall/sets.ts). nft 1.0.6 fetches every element of
# an interval set into its cache before adding to it; a plain hash set is not read. Runs in a network
# namespace of its own (no interfaces, removed on exit); elements are 2001:db8::/32 documentation addresses.
# Run as root: bash bench/nft-set-add.sh   (prints the median of 9 calls per case, in ms)
set -euo pipefail
NS="rampart-bench-nft-$$"
ip netns add "$NS"
trap 'ip netns del "$NS"' EXIT
in_ns() { ip netns exec "$NS" "$@"; }
fill() { # $1 = count: add element lines, 5,000 per line
  python3 - "$1" <<'PY'
import sys
n = int(sys.argv[1])
els = ["2001:db8:%x:%x::1 timeout 3600s" % (i >> 16, i & 0xffff) for i in range(n)]
for j in range(0, n, 5000):
    print("add element inet bench s { " + ", ".join(els[j:j + 5000]) + " }")
PY
}
nft --version
for flags in "interval, timeout" "timeout"; do
  for n in 0 20000 100000; do
    in_ns nft -f - <<NFT
table inet bench {}
delete table inet bench
table inet bench {
  set s { type ipv6_addr; flags $flags; }
  chain c { type filter hook input priority 0; ip6 saddr @s drop; }
}
NFT
    fill "$n" | in_ns nft -f -
    times=()
    for k in 1 2 3 4 5 6 7 8 9; do
      t0=$(date +%s%N)
      echo "add element inet bench s { 2001:db8:ffff::$k timeout 3600s }" | in_ns nft -f -
      times+=($(( ($(date +%s%N) - t0) / 1000000 )))
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 5p)
    printf 'flags %-18s %7d elements: add 1 = %5d ms (median of 9; all: %s)\n' "'$flags'" "$n" "$median" "${times[*]}"
  done
done
