#!/usr/bin/env bash
# Installs Debian's chromium for the console's browser tests (playwright-core drives this system browser
# and downloads none). Needs root or sudo; does nothing when a Chromium is already there.
set -euo pipefail
for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "Chromium: $candidate"
    exit 0
  fi
done
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq chromium >/dev/null
echo "Chromium: $(command -v chromium)"
