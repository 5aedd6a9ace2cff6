#!/usr/bin/env bash
# Installs jq (used by the SwarmSH-like test fixture) when it is missing. Needs root for apt-get.
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  echo "usage: scripts/ensure-jq.sh   installs jq with apt-get if it is missing"
  exit 0
fi
exec "$(dirname "$0")/ensure-command.sh" jq
