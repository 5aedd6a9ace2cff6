#!/usr/bin/env bash
# Runs a command on a deliberately busy machine: two CPU spinners and a loop of small fsynced
# writes run beside it until it ends. `make test-busy` runs the whole suite this way three times
# in a row, to show no test depends on an idle machine. Exit status: the command's.
set -u
if [ $# -eq 0 ]; then
  echo "usage: scripts/busy_machine.sh <command> [args...]" >&2
  exit 2
fi
scratch=$(mktemp -d "${TMPDIR:-/tmp}/swarmfile-busy-XXXXXX")
pids=()
for _ in 1 2; do
  ( while :; do :; done ) &
  pids+=($!)
done
( i=0; while :; do i=$((i + 1)); dd if=/dev/zero of="$scratch/f$((i % 8))" bs=64k count=1 conv=fsync status=none; done ) &
pids+=($!)
stop() {
  kill "${pids[@]}" 2>/dev/null
  wait "${pids[@]}" 2>/dev/null
  rm -rf "$scratch"
}
trap stop EXIT INT TERM
"$@"
status=$?
exit $status
