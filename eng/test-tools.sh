#!/usr/bin/env bash
# Installs the tools the tests use beyond the conversion engine (whose packages eng/prerequisites.sh owns):
# the shellcheck linter, which the tests run over every script in eng/. Idempotent and quiet.
set -euo pipefail

TOOLS=(shellcheck)

missing=()
for tool in "${TOOLS[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done

if ((${#missing[@]})); then
  echo "Installing test tools from Debian: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
