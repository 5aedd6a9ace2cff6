#!/usr/bin/env bash
# A bash agent looping claim-next -> progress 50 -> complete through one `coordination_helper
# session` coprocess until nothing is claimable (or an answer is missing), logging "<op> <answer>".
# usage: sessionCycles.sh <outfile>   (CLI, AGENT_ID and the store's settings from the environment)
out=$1
coproc SW { node "$CLI" session; }
pid=$SW_PID
ask() {
  printf '%s\n' "$1" >&"${SW[1]}"
  IFS= read -r answer <&"${SW[0]}" || answer=
  echo "$2 $answer" >>"$out"
}
while :; do
  ask claim-next claim
  [[ $answer =~ \"ok\":true.*\"id\":\"([^\"]+)\" ]] || break
  id=${BASH_REMATCH[1]}
  ask "progress $id 50" progress
  ask "complete $id success 3" complete
done
eval "exec ${SW[1]}>&-"
wait "$pid"
echo "exit $?" >>"$out"
