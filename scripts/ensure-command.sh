#!/usr/bin/env bash
# Installs a Debian package when its command is missing (the tests' system tools: jq, strace).
# Needs root for apt-get. Prints the command's path.
set -euo pipefail
if [[ $# -lt 1 || "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  echo "usage: scripts/ensure-command.sh COMMAND [PACKAGE]   installs PACKAGE (default: COMMAND) with apt-get if COMMAND is missing"
  exit 0
fi
cmd=$1
pkg=${2:-$1}
if ! command -v "$cmd" >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "ensure-command: $cmd is missing and installing it needs root (apt-get install $pkg)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "$pkg" >&2
fi
command -v "$cmd"
