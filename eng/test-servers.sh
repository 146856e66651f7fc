#!/usr/bin/env bash
# Makes sure the servers the tests start are installed. The tests start and stop them themselves.
set -euo pipefail
cd "$(dirname "$0")/.."

PUBSUB_EMULATOR=/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator
if [ ! -x "$PUBSUB_EMULATOR" ]; then
  echo "Google's Pub/Sub emulator is missing ($PUBSUB_EMULATOR). Install the Debian package google-cloud-cli-pubsub-emulator from Google's Cloud SDK repository; it cannot be fetched from the registries this machine reaches." >&2
  exit 1
fi
