#!/usr/bin/env bash
# Makes sure the servers the tests start are installed. The tests start and stop them themselves.
set -euo pipefail
cd "$(dirname "$0")/.."

PUBSUB_EMULATOR=/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator
if [ ! -x "$PUBSUB_EMULATOR" ]; then
  echo "Google's Pub/Sub emulator is missing ($PUBSUB_EMULATOR). Install the Debian package google-cloud-cli-pubsub-emulator from Google's Cloud SDK repository; it cannot be fetched from the registries this machine reaches." >&2
  exit 1
fi

# Storage: the Firebase Storage emulator (npm firebase-tools, pinned by eng/storage-emulator/package-lock.json), started
# by the tests through eng/storage-emulator/launch.js. Installed once; reinstalled when the lock file changes.
STORAGE_EMULATOR_DIR=eng/storage-emulator
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "Node.js and npm are missing: install the Debian packages nodejs and npm (needed for the Firebase Storage emulator)." >&2
  exit 1
fi
if [ ! -f "$STORAGE_EMULATOR_DIR/node_modules/.package-lock.json" ] \
  || ! cmp -s "$STORAGE_EMULATOR_DIR/package-lock.json" "$STORAGE_EMULATOR_DIR/node_modules/.docx2pdf-installed-lock.json"; then
  echo "Installing the Firebase Storage emulator into $STORAGE_EMULATOR_DIR/node_modules (npm ci, a few minutes)..."
  (cd "$STORAGE_EMULATOR_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$STORAGE_EMULATOR_DIR/package-lock.json" "$STORAGE_EMULATOR_DIR/node_modules/.docx2pdf-installed-lock.json"
fi
