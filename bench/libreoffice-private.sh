#!/usr/bin/env bash
# Unpacks LibreOffice 25.2 from bookworm-backports into /opt/libreoffice-25.2 WITHOUT installing it: the system's
# LibreOffice stays what it is. Used to measure and test a second version side by side:
#   DOCX2PDF_TEST_SOFFICE=/opt/libreoffice-25.2/usr/lib/libreoffice/program/soffice.bin dotnet test ...
# Needs root (apt sources file, /opt). Idempotent.
set -euo pipefail
TARGET="${1:-/opt/libreoffice-25.2}"
SUITE=bookworm-backports
SOURCES=/etc/apt/sources.list.d/bookworm-backports.sources
if [ ! -f "$SOURCES" ]; then
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$SUITE" > "$SOURCES"
  apt-get update -qq
fi
if [ -x "$TARGET/usr/lib/libreoffice/program/soffice.bin" ]; then
  "$TARGET/usr/lib/libreoffice/program/soffice.bin" --version
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
# What an install from backports would add or upgrade, at the exact versions apt would pick (simulation: no lock, no change).
mapfile -t wanted < <(apt-get -s install -t "$SUITE" --no-install-recommends libreoffice-writer python3-uno |
  sed -nE 's/^Inst ([^ ]+) (\[[^]]*\] )?\(([^ ]+) .*/\1=\3/p')
apt-get download "${wanted[@]}" >/dev/null
mkdir -p "$TARGET"
for deb in ./*.deb; do dpkg -x "$deb" "$TARGET"; done

# What the packages' maintainer scripts and absolute paths would do on a real install, redone inside $TARGET.
cp "$TARGET/usr/lib/libreoffice/share/.registry/main.xcd" "$TARGET/etc/libreoffice/registry/main.xcd"
find "$TARGET" -type l -lname '/*' | while read -r link; do
  ln -sfn "$TARGET$(readlink "$link")" "$link"
done
sed -i -E "s#file:///(usr/lib/libreoffice|etc/libreoffice|var/lib/libreoffice|var/spool/libreoffice)#file://$TARGET/\1#g" \
  "$TARGET/usr/lib/libreoffice/program/fundamentalrc" "$TARGET/usr/lib/libreoffice/program/sofficerc"
sed -i "s#/usr/lib/libreoffice/program#$TARGET/usr/lib/libreoffice/program#g" "$TARGET/usr/lib/python3/dist-packages/uno.py"
# Libraries from the dependency set that the system lacks: beside soffice.bin, found through its RUNPATH $ORIGIN.
if compgen -G "$TARGET/usr/lib/x86_64-linux-gnu/*.so.*" >/dev/null; then
  find "$TARGET/usr/lib/x86_64-linux-gnu" -maxdepth 1 -name '*.so.*' ! -name 'libuno_*' -exec cp -a {} "$TARGET/usr/lib/libreoffice/program/" \;
fi
"$TARGET/usr/lib/libreoffice/program/soffice.bin" --version
