#!/usr/bin/env bash
# Makes sure a Chromium the console's browser tests can drive (playwright-core, through its executablePath) is
# installed: Debian's `chromium` package, installed with the OS package manager where that is possible, otherwise
# prints exactly how to install it and exits non-zero. Never downloads a browser any other way (no
# `npx playwright install`). CHROMIUM_BIN names another Chromium or Chrome binary to use instead.
set -euo pipefail

if [ -n "${CHROMIUM_BIN:-}" ]; then
  if [ -x "$CHROMIUM_BIN" ]; then exit 0; fi
  echo "CHROMIUM_BIN=$CHROMIUM_BIN is not an executable file" >&2
  exit 1
fi
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
  || [ -x "/Applications/Chromium.app/Contents/MacOS/Chromium" ]; then
  exit 0
fi

echo "chromium not found; installing it (for the console's browser tests)..." >&2
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium >/dev/null
  else
    echo "Cannot install without root. Run:  sudo apt-get update && sudo apt-get install -y chromium" >&2
    exit 1
  fi
elif command -v brew >/dev/null 2>&1; then
  brew install --cask chromium
else
  echo "Please install Chromium so that 'chromium' is on PATH (or set CHROMIUM_BIN to a Chromium or Chrome binary):" >&2
  echo "  Debian:        sudo apt-get update && sudo apt-get install -y chromium" >&2
  echo "  macOS:         brew install --cask chromium" >&2
  echo "  Fedora/RHEL:   sudo dnf install -y chromium" >&2
  exit 1
fi

if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
  && [ ! -x "/Applications/Chromium.app/Contents/MacOS/Chromium" ]; then
  echo "chromium is still not found after installing" >&2
  exit 1
fi
