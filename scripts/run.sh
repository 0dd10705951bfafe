#!/usr/bin/env bash
# Sets up the machine, builds Herald and opens the desktop app (embedded hub on :7878 with the
# demo feeds on). Extra arguments go to herald.
set -euo pipefail
cd "$(dirname "$0")/.."
HERALD_SETUP_MINIMAL=1 scripts/setup.sh
echo "building herald (the first build compiles Fyne's C parts: about 7 minutes)..."
go build -o bin/herald .
exec ./bin/herald "$@"
