#!/usr/bin/env bash
# One agent as users write them: claim -> progress -> complete, N times, logging each outcome as
# "<op> <exit status> <id>" so the test can check every reported success against the store.
# usage: agent_loop.sh <cycles> <outfile>   (CLI, COORDINATION_DIR, AGENT_ID from the environment)
cycles=$1 out=$2
for ((i = 1; i <= cycles; i++)); do
  id=$(node "$CLI" -q claim feature "task $i of $AGENT_ID: \"quoted\" \\ back" high "team_$((i % 3))")
  rc=$?
  echo "claim $rc $id" >>"$out"
  [ "$rc" -eq 0 ] || continue
  node "$CLI" -q progress "$id" 50 in_progress
  echo "progress $? $id" >>"$out"
  node "$CLI" -q complete "$id" success 3
  echo "complete $? $id" >>"$out"
done
