#!/usr/bin/env bash
# The steps of samples/Docx2Pdf.CloudRun/Dockerfile, in one place, so the image runs exactly what CI runs.
#   restore        restore the service for linux-x64 (the Dockerfile's cached layer)
#   publish DIR    self-contained, ReadyToRun publish of the service into DIR
#   packages       the image's system packages: eng/prerequisites.sh itself, plus what a self-contained .NET app needs
#   profile APP DIR
#                  the LibreOffice profile every instance copies, prepared once into DIR by the published service APP
#                  (its --prepare-profile), owned by the builder and read-only for the service's user
#   check DIR [PROFILE]
#                  what CI can do without a Docker engine: build the image's build context from .dockerignore in a
#                  temporary folder, restore and publish there into DIR, run "packages" on this machine, and "profile"
#                  into PROFILE (default DIR.profile)
set -euo pipefail
cd "$(dirname "$0")/.."

PROJECT=samples/Docx2Pdf.CloudRun/Docx2Pdf.CloudRun.csproj
RID=linux-x64
# ReadyToRun: precompiled code, so start-up JIT work does not add to every cold start.
PUBLISH_PROPERTIES=(-p:PublishReadyToRun=true -p:SelfContained=true)
# A self-contained .NET app needs no .NET packages, but TLS roots to reach Google's APIs and time zone data.
DOTNET_RUNTIME_PACKAGES=(ca-certificates tzdata)

restore() {
  dotnet restore "$PROJECT" -r "$RID" "${PUBLISH_PROPERTIES[@]}"
}

publish() {
  dotnet publish "$PROJECT" -c Release -r "$RID" --no-restore "${PUBLISH_PROPERTIES[@]}" -o "$1"
}

packages() {
  bash eng/prerequisites.sh --runtime
  local missing=() p
  for p in "${DOTNET_RUNTIME_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

profile() {
  local app="$1" folder="$2"
  "$app/Docx2Pdf.CloudRun" --prepare-profile "$folder"
  # Readable by the service's user, writable only by its owner: the converter reuses a prepared profile only when
  # nobody but its owner or root can change it (a profile an instance could rewrite would reach every later instance).
  chmod -R u+rwX,go+rX,go-w "$folder"
}

# Copies the files the image build would see: the "!" lines of .dockerignore, less bin/ and obj/.
build_context() {
  local context="$1" paths=() path
  while IFS= read -r path; do
    [ -e "$path" ] || { echo ".dockerignore lets in $path, which does not exist" >&2; exit 1; }
    paths+=("$path")
  done < <(sed -n 's/^!//p' .dockerignore)
  tar -c --exclude=bin --exclude=obj "${paths[@]}" | tar -x -C "$context"
}

check() {
  local out profile_dir
  out="$(realpath -m "$1")"
  profile_dir="$(realpath -m "${2:-$1.profile}")"
  CONTEXT="$(mktemp -d)"
  trap 'rm -rf "$CONTEXT"' EXIT
  build_context "$CONTEXT"
  (cd "$CONTEXT" && bash eng/image-steps.sh restore && bash eng/image-steps.sh publish "$out")
  packages
  profile "$out" "$profile_dir"
  echo "image steps done: context from .dockerignore, restore, publish to $out, packages, profile in $profile_dir."
  echo "not run here (no Docker engine): the debian:bookworm-slim base, the non-root user, the layer cache, the image itself."
}

case "${1:-}" in
  restore) restore ;;
  publish) publish "${2:?publish needs an output folder}" ;;
  packages) packages ;;
  profile) profile "${2:?profile needs the published service}" "${3:?profile needs a folder to prepare}" ;;
  check) check "${2:?check needs an output folder}" "${3:-}" ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
