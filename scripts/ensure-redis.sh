#!/usr/bin/env bash
# Makes sure redis-server (with TLS support, as Debian's is) and openssl (the TLS tests make throwaway
# certificates with it) are on PATH: installs them with the OS package manager where that is possible,
# otherwise prints exactly how to install them and exits non-zero.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1; then
  exit 0
fi

echo "redis-server or openssl not found; installing them..." >&2
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq redis-server openssl >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq redis-server openssl >/dev/null
  else
    echo "Cannot install without root. Run:  sudo apt-get update && sudo apt-get install -y redis-server openssl" >&2
    exit 1
  fi
  # Debian's package may start a system-wide server on 6379; quorum-kv starts its own servers, so stop it if it did.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
    echo "note: the system redis-server service is running on port 6379; 'npm run dev' needs ports 6379-6381 free" >&2
    echo "      (stop it with: sudo systemctl stop redis-server), or set REDIS_PORTS." >&2
  fi
elif command -v brew >/dev/null 2>&1; then
  brew install redis openssl
else
  echo "Please install Redis 6.2 or newer (built with TLS) and openssl so that both are on PATH:" >&2
  echo "  Debian/Ubuntu: sudo apt-get install -y redis-server openssl" >&2
  echo "  macOS:         brew install redis openssl" >&2
  echo "  Fedora/RHEL:   sudo dnf install -y redis openssl" >&2
  exit 1
fi

command -v redis-server >/dev/null 2>&1 || { echo "redis-server is still not on PATH after installing" >&2; exit 1; }
command -v openssl >/dev/null 2>&1 || { echo "openssl is still not on PATH after installing" >&2; exit 1; }
redis-server --version >&2
