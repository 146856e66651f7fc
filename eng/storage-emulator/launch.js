// Starts the Firebase Storage emulator (Cloud Storage JSON API) offline, without the firebase CLI, Java or the rules jar.
// Usage: node launch.js <port> [projectId]. Prints "storage-emulator-ready <port>" once it accepts connections.
// Files live under $TMPDIR/firebase/storage: give each instance its own TMPDIR.
"use strict";
const path = require("path");
const lib = path.join(__dirname, "node_modules", "firebase-tools", "lib", "emulator");
const { StorageRulesRuntime } = require(path.join(lib, "storage", "rules", "runtime"));
const { StorageEmulator } = require(path.join(lib, "storage"));
const { EmulatorRegistry } = require(path.join(lib, "registry"));

// The rules runtime is a Java process fetched on demand; with no rules (admin access only) it is never consulted.
StorageRulesRuntime.prototype.start = async function () {};
StorageRulesRuntime.prototype.stop = async function () {};

const port = Number(process.argv[2]);
const projectId = process.argv[3] || "docx2pdf-test";
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: node launch.js <port> [projectId]");
  process.exit(2);
}

EmulatorRegistry.start(new StorageEmulator({ projectId, host: "127.0.0.1", port, rules: [], auto_download: false }))
  .then(() => console.log(`storage-emulator-ready ${port}`))
  .catch((err) => {
    console.error(err && err.stack ? err.stack : err);
    process.exit(1);
  });

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => process.exit(0));
}
