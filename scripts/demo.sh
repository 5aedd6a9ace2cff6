#!/usr/bin/env bash
# A visible multi-agent swarm on the default store (./agent_coordination). A producer queues
# AGENTS x CYCLES work items (mixed priorities, some depending on others, some flaky); AGENTS shell
# agents register and then pull work with claim-next -> progress -> complete, as real agent scripts
# would. A flaky item fails its first attempt and is retried after a backoff. Then the invariant
# check (every queued item completed exactly once) and the dashboard.
# With SWARMFILE_DEMO_STORE_URL (make demo-pg), the same on a PostgreSQL store, the agents spread
# over two simulated hosts (AGENT_HOST=demo_host_1 / demo_host_2): pid checks apply only to claims
# of a checker's own host, the others' claims expire by lease, as agents on real hosts would.
set -euo pipefail
cd "$(dirname "$0")/.."
AGENTS=${AGENTS:-16}
CYCLES=${CYCLES:-3}
H="$PWD/scripts/coordination_helper"
export COORDINATION_DIR=${COORDINATION_DIR:-$PWD/agent_coordination}
if [ -n "${SWARMFILE_DEMO_STORE_URL:-}" ]; then export COORDINATION_URL=$SWARMFILE_DEMO_STORE_URL; fi
where=${COORDINATION_URL:-$COORDINATION_DIR}
export RETRY_BACKOFF_SECONDS=${RETRY_BACKOFF_SECONDS:-1}
teams=(backend_team frontend_team infra_team qa_team)
types=(feature bug_fix refactor test)
prios=(critical high medium low)
marks=$(mktemp -d)
trap 'rm -rf "$marks"' EXIT

agent() {
  local n=$1 team=${teams[$(( $1 % 4 ))]} id st err="$marks/err.$1"
  export AGENT_ID="agent_demo_$n"
  if [ -n "${COORDINATION_URL:-}" ]; then export AGENT_HOST="demo_host_$(( n % 2 ? 1 : 2 ))"; fi
  "$H" -q register "$AGENT_ID" "$team" 5 "${types[$(( n % 4 ))]}" >/dev/null
  while :; do
    id=$("$H" -q claim-next --wait 3 2>"$err") && st=0 || st=$?
    # Exit status 7 (NOTHING_CLAIMABLE): nothing claimable for 3 s, so the backlog is drained.
    if [ "$st" -eq 7 ]; then printf '%-15s done: nothing left to claim\n' "$AGENT_ID"; return 0; fi
    if [ "$st" -ne 0 ]; then cat "$err" >&2; return "$st"; fi
    printf '%-15s claimed   %s\n' "$AGENT_ID" "$id"
    "$H" -q progress "$id" 50 in_progress
    if [ -e "$marks/flaky.$id" ] && mkdir "$marks/failed.$id" 2>/dev/null; then
      "$H" -q fail "$id" "flaky test, first attempt" >/dev/null
      printf '%-15s failed    %s (retried after a backoff)\n' "$AGENT_ID" "$id"
      continue
    fi
    "$H" -q complete "$id" success $(( n % 8 + 1 ))
    printf '%-15s completed %s\n' "$AGENT_ID" "$id"
  done
}

# Completed items so far; 0 while the store does not exist yet (reads never create it: exit 3).
count() {
  local out st=0
  out=$("$H" --json dashboard 2>/dev/null) || st=$?
  if [ "$st" -eq 3 ]; then echo 0; return; fi
  [ "$st" -eq 0 ] || { "$H" dashboard >&2; return "$st"; }
  node -e 'console.log(JSON.parse(process.argv[1]).totals.tasks_completed)' "$out"
}

expected=$(( AGENTS * CYCLES ))
echo "== queueing $expected items on $where"
before=$(count)
prev=""
for ((i = 1; i <= expected; i++)); do
  desc="Task $i: \"quotes\", back\\slash, ünïcödé ✓"
  deps=()
  # Every fifth item depends on the one before it; every seventh is flaky.
  if (( i % 5 == 0 )) && [ -n "$prev" ]; then deps=(--depends-on "$prev"); desc="$desc (after $prev)"; fi
  prev=$("$H" -q add "${types[$(( i % 4 ))]}" "$desc" "${prios[$(( i % 4 ))]}" "${teams[$(( i % 4 ))]}" "${deps[@]}")
  (( i % 7 == 0 )) && touch "$marks/flaky.$prev"
done
"$H" ready --limit 5

echo "== $AGENTS agents pulling work"
start=$(date +%s.%N)
pids=()
for ((n = 1; n <= AGENTS; n++)); do agent "$n" & pids+=($!); done
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
end=$(date +%s.%N)
[ "$fail" -eq 0 ] || { echo "an agent failed" >&2; exit 1; }

after=$(count)
echo
echo "== $(( after - before )) of $expected queued items completed in $(node -e "console.log(($end - $start).toFixed(1))") s"
[ $(( after - before )) -eq "$expected" ] || { echo "LOST COMPLETIONS: expected $expected, store has $(( after - before ))" >&2; exit 1; }
echo
"$H" dashboard | head -n $(( AGENTS + 20 ))
echo
echo "== the change log: what happened, and the exactly-once audit"
"$H" events --type completed 2>/dev/null | tail -n 3
"$H" audit
