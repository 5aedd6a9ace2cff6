#!/usr/bin/env bash
# A bash agent driving one `coordination_helper session` as a coprocess, as the README shows.
# usage: sessionDriver.sh <lines file> <answers file>   (CLI and the store's settings from the environment)
# Writes "# script <its pid> coprocess <the coprocess's pid>" first. Then sends each line of the
# lines file as it is, after replacing @ID@ by the id of the last answer that named one, and
# appends each answer; lines that get no answer (blank, or a comment) are sent without waiting.
# The line @HOLD@ is not sent: the script appends "# held" and waits for an answer that never comes
# (the test kills it). At the end it closes the session's stdin and appends "# exit <status>".
lines=$1 out=$2
coproc SW { node "$CLI" session; }
echo "# script $$ coprocess $SW_PID" >>"$out"
id=
while IFS= read -r line || [ -n "$line" ]; do
  if [ "$line" = @HOLD@ ]; then
    echo "# held" >>"$out"
    read -r _ <&"${SW[0]}"
  fi
  line=${line//@ID@/$id}
  printf '%s\n' "$line" >&"${SW[1]}"
  [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
  IFS= read -r answer <&"${SW[0]}" || { echo "# no answer" >>"$out"; break; }
  printf '%s\n' "$answer" >>"$out"
  [[ $answer =~ \"id\":\"([^\"]+)\" ]] && id=${BASH_REMATCH[1]}
done <"$lines"
pid=$SW_PID
eval "exec ${SW[1]}>&-"
wait "$pid"
echo "# exit $?" >>"$out"
