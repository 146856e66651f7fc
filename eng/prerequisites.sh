#!/usr/bin/env bash
# Installs what Docx2Pdf needs on Debian/Ubuntu, idempotently and quietly.
# Used by eng/test.sh (every test), eng/demo.sh (the end-to-end run) and the service image (eng/image-steps.sh, with
# --runtime: no .NET SDK there, the app is self-contained). Needs root or sudo for apt.
set -euo pipefail

# LibreOffice 25.2 from Debian 12's backports, chosen by measurement over 7.4 (docs/libreoffice-versions.md, the
# choice and why in docs/design.md): CI, the demo and the image run this one engine. The same version is Debian 13's.
LIBREOFFICE_SUITE=bookworm-backports
LIBREOFFICE_VERSION=25.2
LIBREOFFICE_PACKAGES=(
  # The regular Writer package, not libreoffice-writer-nogui: the -nogui build aborts in UNO mode on documents with comments.
  libreoffice-writer
  # The UNO bridge the converter's helper speaks through; imports only under Debian's /usr/bin/python3.
  python3-uno
)

APT_PACKAGES=(
  # Metric-compatible Office fonts, and a CJK font so Chinese/Japanese/Korean text does not render as boxes.
  fonts-dejavu fonts-liberation2 fonts-crosextra-carlito fonts-crosextra-caladea fonts-wqy-zenhei
  # pdfinfo/pdffonts, used by tests and benchmarks to check PDFs.
  poppler-utils
)

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
updated=""
apt_update() {
  if [ -z "$updated" ]; then
    $SUDO apt-get update -qq
    updated=1
  fi
}

codename="$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null || true)"
lo_version="$(dpkg-query -W -f='${Version}' libreoffice-writer 2>/dev/null || true)"
uno_version="$(dpkg-query -W -f='${Version}' python3-uno 2>/dev/null || true)"
if [[ "$lo_version" != *":$LIBREOFFICE_VERSION."* || "$uno_version" != *":$LIBREOFFICE_VERSION."* ]]; then
  target=()
  if [ "$codename" = "bookworm" ]; then
    sources=/etc/apt/sources.list.d/bookworm-backports.sources
    if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
      # Backports come from the same Debian mirror this machine already uses for bookworm (deb822 or one-line sources).
      mirror="$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -n 1 || true)"
      [ -n "$mirror" ] || mirror="$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)"
      if [ -z "$mirror" ]; then
        echo "Cannot tell this machine's Debian mirror (no bookworm entry in /etc/apt/sources.list*): add bookworm-backports to apt's sources and run this again." >&2
        exit 1
      fi
      printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" |
        $SUDO tee "$sources" >/dev/null
    fi
    target=(-t "$LIBREOFFICE_SUITE")
  else
    echo "Not Debian 12 ($codename): installing this system's LibreOffice; the tested engine is LibreOffice $LIBREOFFICE_VERSION." >&2
  fi
  echo "Installing LibreOffice $LIBREOFFICE_VERSION${target[*]:+ from $LIBREOFFICE_SUITE} (was: ${lo_version:-none})"
  apt_update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${target[@]}" "${LIBREOFFICE_PACKAGES[@]}" >/dev/null
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "Installing from Debian: ${missing[*]}"
  apt_update
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
