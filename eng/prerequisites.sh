#!/usr/bin/env bash
# Installs what Docx2Pdf needs on Debian/Ubuntu, idempotently and quietly.
# Used by eng/test.sh (every test), eng/demo.sh (the end-to-end run) and the service image (eng/image-steps.sh, with
# --runtime: no .NET SDK there, the app is self-contained). Needs root or sudo for apt.
set -euo pipefail

APT_PACKAGES=(
  # The regular Writer package, not libreoffice-writer-nogui: the -nogui build aborts in UNO mode on documents with comments.
  libreoffice-writer
  # The UNO bridge the converter's helper speaks through; imports only under Debian's /usr/bin/python3.
  python3-uno
  # Metric-compatible Office fonts, and a CJK font so Chinese/Japanese/Korean text does not render as boxes.
  fonts-dejavu fonts-liberation2 fonts-crosextra-carlito fonts-crosextra-caladea fonts-wqy-zenhei
  # pdfinfo/pdffonts, used by tests and benchmarks to check PDFs.
  poppler-utils
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "Installing from Debian: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The converter runs its UNO helper under Debian's python (a pyenv python3 earlier on PATH has no uno module).
if ! /usr/bin/python3 -c 'import uno' >/dev/null 2>&1; then
  echo "python3-uno does not import under /usr/bin/python3: apt-get install --no-install-recommends libreoffice-writer python3-uno" >&2
  exit 1
fi

if [ "${1:-}" != "--runtime" ] && ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is missing: install it (https://learn.microsoft.com/dotnet/core/install/linux) and run this again." >&2
  exit 1
fi
