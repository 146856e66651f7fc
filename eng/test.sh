#!/usr/bin/env bash
# Runs every test in the solution against real LibreOffice, real Kestrel, Google's Pub/Sub emulator
# and a Cloud Storage JSON API server; installs what is missing first.
#   bash eng/test.sh          both layers, then the quick profile of the fire suite (eng/fire.sh --quick): what .ci/run runs
#   bash eng/test.sh --fast   the fast layer only: no LibreOffice, emulator, storage server or Kestrel is started or
#                             installed (only the .NET SDK is needed); tests marked [Trait("Layer", "Integration")] are left out.
# Other arguments go to dotnet test.
set -euo pipefail
cd "$(dirname "$0")/.."

fast=false
args=()
for arg in "$@"; do
  if [[ "$arg" == "--fast" ]]; then fast=true; else args+=("$arg"); fi
done

# Test tools (shellcheck) are needed by fast tests too.
bash eng/test-tools.sh

if $fast; then
  # Fixtures that start real components fail loudly under this variable (tests/Docx2Pdf.Testing/TestLayer.cs).
  export DOCX2PDF_TEST_LAYER=fast
  args=(--filter "Layer!=Integration" "${args[@]}")
else
  bash eng/prerequisites.sh
  bash eng/test-servers.sh
fi

results="artifacts/test-results"
rm -rf "$results"
set +e
dotnet test Docx2Pdf.sln -c Release --logger "trx" --results-directory "$results" "${args[@]}"
rc=$?
set -e

# Proof under fire, quick profile: load, faults and hostile inputs against the sample host; its report goes to
# artifacts/fire/reliability.md. The full profile (docs/reliability.md) is run by hand: bash eng/fire.sh.
fire_summary=""
if ! $fast; then
  fire_summary="artifacts/fire/summary.txt"
  mkdir -p artifacts/fire
  rm -f "$fire_summary"
  set +e
  FIRE_SKIP_PREREQUISITES=1 FIRE_SUMMARY="$fire_summary" bash eng/fire.sh --quick
  fire_rc=$?
  set -e
  if [ "$rc" -eq 0 ]; then rc=$fire_rc; fi
fi

# One plain closing line over the test assemblies and the fire scenarios. A known fire failure (a scenario waiting on an
# open issue item, listed with it in eng/fire-known-failures.txt) ran and failed as expected: it is named in the line
# above and counted with the skipped, since it does not fail the run.
python3 - "$results" "$fire_summary" <<'PY'
import glob, os, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(f).getroot().find("t:ResultSummary/t:Counters", ns)
    if c is None:
        continue
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    skipped += int(c.get("notExecuted", 0))
if sys.argv[2]:
    if os.path.exists(sys.argv[2]):
        fp, ff, fk = (int(x) for x in open(sys.argv[2]).read().split())
        print(f"fire: {fp} scenarios passed, {ff} failed, {fk} known failures waiting on open issues (eng/fire-known-failures.txt)")
        passed += fp; failed += ff; skipped += fk
    else:
        print("fire: the suite ended without a summary")
        failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $rc
