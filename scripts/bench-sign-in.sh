#!/usr/bin/env bash
# Sign-in under a burst of wrong guesses: the server (the `server` profile, as
# deployed) on a fresh database, 200 wrong sign-ins at once from one address,
# then 200 spread over 50 addresses, with honest officers signing in from
# their own addresses meanwhile. The scenario is the attack suite's
# `a_200_wrong_sign_in_burst_keeps_memory_and_honest_sign_ins_within_budget`
# (server/tests/attack.rs), which asserts what must always hold (memory
# bounded, honest sign-ins answered 200); this script reads its figures and
# holds them to the budgets of issue 9:
#   server RSS after the bursts within 50 MiB of before;
#   honest sign-ins during the bursts answered within 2 s.
#
#   bash scripts/bench-sign-in.sh     # exits 1 if a budget is missed
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

RSS_BUDGET_MIB=50
HONEST_BUDGET_S=2

OUT="$(cargo test -q --profile server -p beatbook-server --test attack \
  a_200_wrong_sign_in_burst_keeps_memory_and_honest_sign_ins_within_budget -- --exact --nocapture 2>&1)" || {
  echo "$OUT" >&2
  exit 1
}
grep -E '^(RSS|one address|50 addresses)' <<<"$OUT"

rss_growth="$(sed -n 's/.*(+\([0-9.]*\)).*/\1/p' <<<"$OUT" | head -1)"
# Every "(status, seconds)" pair of the honest sign-ins, both bursts.
worst_honest="$(grep -E '^(one address|50 addresses)' <<<"$OUT" | sed 's/.*honest sign-ins (status, s)://' |
  grep -o '([0-9]*, [0-9.]*)' | sed 's/.*, \([0-9.]*\))/\1/' | sort -g | tail -1)"
[[ -n "$rss_growth" && -n "$worst_honest" ]] || { echo "could not read the figures" >&2; echo "$OUT" >&2; exit 1; }

echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "rss_growth=${rss_growth} MiB (budget <= ${RSS_BUDGET_MIB})  worst_honest_sign_in=${worst_honest} s (budget <= ${HONEST_BUDGET_S})"
awk -v g="$rss_growth" -v b="$RSS_BUDGET_MIB" -v h="$worst_honest" -v hb="$HONEST_BUDGET_S" \
  'BEGIN { exit !(g <= b && h <= hb) }' || { echo "budget missed" >&2; exit 1; }
