#!/usr/bin/env bash
# A visible multi-agent swarm on the default store (./agent_coordination): AGENTS shell agents
# each register, then claim -> progress -> complete CYCLES work items concurrently, as real agent
# scripts would. Then the invariant check and the dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
AGENTS=${AGENTS:-16}
CYCLES=${CYCLES:-3}
H="$PWD/scripts/coordination_helper"
export COORDINATION_DIR=${COORDINATION_DIR:-$PWD/agent_coordination}
teams=(backend_team frontend_team infra_team qa_team)
types=(feature bug_fix refactor test)

agent() {
  local n=$1 team=${teams[$(( $1 % 4 ))]}
  export AGENT_ID="agent_demo_$n"
  "$H" -q register "$AGENT_ID" "$team" 5 "${types[$(( n % 4 ))]}" >/dev/null
  for ((i = 1; i <= CYCLES; i++)); do
    local id
    id=$("$H" -q claim "${types[$(( (n + i) % 4 ))]}" "Task $i of $AGENT_ID: \"quotes\", back\\slash, ünïcödé ✓" high "$team")
    printf '%-15s claimed   %s\n' "$AGENT_ID" "$id"
    "$H" -q progress "$id" 50 in_progress
    printf '%-15s progress  %s 50%%\n' "$AGENT_ID" "$id"
    "$H" -q complete "$id" success $(( (n + i) % 8 + 1 ))
    printf '%-15s completed %s\n' "$AGENT_ID" "$id"
  done
}

echo "== $AGENTS agents x $CYCLES cycles on $COORDINATION_DIR"
before=$("$H" --json dashboard | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).totals.tasks_completed))')
start=$(date +%s.%N)
pids=()
for ((n = 1; n <= AGENTS; n++)); do agent "$n" & pids+=($!); done
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
end=$(date +%s.%N)
[ "$fail" -eq 0 ] || { echo "an agent failed" >&2; exit 1; }

after=$("$H" --json dashboard | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).totals.tasks_completed))')
expected=$(( AGENTS * CYCLES ))
echo
echo "== $(( after - before )) of $expected completions recorded in $(node -e "console.log(($end - $start).toFixed(1))") s"
[ $(( after - before )) -eq "$expected" ] || { echo "LOST COMPLETIONS: expected $expected, store has $(( after - before ))" >&2; exit 1; }
echo
"$H" dashboard | head -n $(( AGENTS + 20 ))
