#!/usr/bin/env bash
# The main job end to end on this machine, with local folders as the buckets (the embedded default):
# starts the sample Cloud Run service, puts each document into the input bucket, delivers the Cloud Storage
# notification to the service's push endpoint exactly as Pub/Sub would, and copies the PDFs to ./out.
#   bash eng/demo.sh                 # the bundled sample documents (one of them broken on purpose)
#   bash eng/demo.sh my.docx ...     # your own documents
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

bash eng/prerequisites.sh

files=()
for f in "$@"; do files+=("$(realpath "$f")"); done
((${#files[@]})) || files=("$repo"/samples/documents/*.docx)

echo "Building the sample service..."
dotnet build -c Release -v q -nologo samples/Docx2Pdf.CloudRun >/dev/null
dotnet build -c Release -v q -nologo samples/Docx2Pdf.LocalDemo >/dev/null

data="$repo/.data/demo"
rm -rf "$data" "$repo/out" && mkdir -p "$data/store"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# The service listens on 127.0.0.1 only, so no push authentication (outside Development it must be chosen explicitly).
Docx2Pdf__OutputBucket=pdfs \
Docx2Pdf__InputBuckets__0=documents \
Docx2Pdf__PubSub__Push__Authentication=None \
Docx2Pdf__Storage__Provider=FileSystem \
Docx2Pdf__Storage__LocalRoot="$data/store" \
Docx2Pdf__LibreOffice__PoolSize=1 \
ASPNETCORE_URLS="http://127.0.0.1:$port" \
  dotnet samples/Docx2Pdf.CloudRun/bin/Release/net10.0/Docx2Pdf.CloudRun.dll \
    --contentRoot "$repo/samples/Docx2Pdf.CloudRun/bin/Release/net10.0" >"$data/service.log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; wait $service 2>/dev/null || true' EXIT

echo "Waiting for the service on 127.0.0.1:$port to be ready (LibreOffice warm)..."
for _ in $(seq 1 120); do
  if curl -fs "http://127.0.0.1:$port/healthz/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 $service 2>/dev/null; then echo "The service stopped; its log:"; cat "$data/service.log"; exit 1; fi
  sleep 0.5
done
curl -fs "http://127.0.0.1:$port/healthz/ready" >/dev/null || { echo "The service did not become ready; its log:"; cat "$data/service.log"; exit 1; }

set +e
dotnet samples/Docx2Pdf.LocalDemo/bin/Release/net10.0/Docx2Pdf.LocalDemo.dll \
  "http://127.0.0.1:$port/" "$data/store" documents pdfs "$repo/out" "${files[@]}"
rc=$?
set -e

for pdf in "$repo"/out/*.pdf; do
  [ -e "$pdf" ] && printf '%s: %s pages\n' "$(basename "$pdf")" "$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')"
done
echo "Service log: $data/service.log"
exit $rc
