#!/usr/bin/env bash
# Runs every test in the solution against real LibreOffice, real Kestrel, Google's Pub/Sub emulator
# and a Cloud Storage JSON API server; installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."

bash eng/prerequisites.sh
bash eng/test-tools.sh
bash eng/test-servers.sh

results="artifacts/test-results"
rm -rf "$results"
set +e
dotnet test Docx2Pdf.sln -c Release --logger "trx" --results-directory "$results" "$@"
rc=$?
set -e

# One plain closing line over all test assemblies.
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(f).getroot().find("t:ResultSummary/t:Counters", ns)
    if c is None:
        continue
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    skipped += int(c.get("notExecuted", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $rc
