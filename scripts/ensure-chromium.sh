#!/usr/bin/env bash
# Installs Debian's chromium (for the report's headless-render test) when it is missing.
# Needs root for apt-get; prints the binary's path on success.
set -euo pipefail
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  echo "usage: scripts/ensure-chromium.sh   installs Debian's chromium with apt-get if /usr/bin/chromium is missing"
  exit 0
fi
bin=$(command -v chromium || true)
if [[ -z "$bin" ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "ensure-chromium: chromium is missing and installing it needs root (apt-get install chromium)" >&2
    exit 1
  fi
  echo "ensure-chromium: installing Debian's chromium" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends chromium >&2
  bin=$(command -v chromium)
fi
echo "$bin"
