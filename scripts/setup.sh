#!/usr/bin/env bash
# Installs what Herald needs to build and test on Debian/Ubuntu, skipping what is already there.
# Safe to run again. Uses sudo when not root.
set -euo pipefail

pkgs=(
  gcc pkg-config libgl1-mesa-dev xorg-dev          # Fyne (cgo, GLFW)
  xvfb dbus-x11 x11-utils xdotool imagemagick dunst # the desktop app under a virtual display
  openbox                                           # a window manager, so closing a window is tested for real
  desktop-file-utils                                # desktop-file-validate checks the start-at-login entry
  redis-server nginx chromium                       # Redis broker, load balancer, dashboard tests
  ca-certificates git make
  iproute2 util-linux                               # private network namespaces (unshare -n, ip) for the mDNS tests
  systemd                                           # systemd-analyze verify/security check packaging/systemd/herald.service
  dpkg-dev appstream xz-utils                       # the .deb (dpkg-deb, dpkg-shlibdeps), appstreamcli validate, the portable tar.xz
  groff-base man-db bash zsh fish                   # the man page rendered with warnings on; the completions sourced in each shell
)
[ "${HERALD_SETUP_MINIMAL:-}" = 1 ] && pkgs=(gcc pkg-config libgl1-mesa-dev xorg-dev)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# nginx and redis-server are started by the tests on their own ports; keep the system services
# from holding the default ones.
for svc in nginx redis-server; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    ${SUDO:-} systemctl stop "$svc" || true
  fi
done

command -v go >/dev/null || { echo "setup: Go 1.26 is needed: https://go.dev/dl/" >&2; exit 1; }

# Node and the npm eventsource package, the EventSource that Node services use, for the e2e
# tests (e2e/eventsource; node_modules is not committed). Any Node with npm will do (Debian's
# nodejs and npm packages when there is none).
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing nodejs npm"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
(cd "$(dirname "$0")/../e2e/eventsource" && npm ci --no-audit --no-fund --loglevel=error)
