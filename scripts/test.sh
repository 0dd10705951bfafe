#!/usr/bin/env bash
# Runs Herald's whole test suite: formatting, vet, the race-checked unit and integration tests,
# the headless build, the desktop app under Xvfb, the browser dashboard in Chromium, and a
# one-iteration pass over the benchmarks so they keep compiling.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export LANG=${LANG:-C.UTF-8} LC_ALL=${LC_ALL:-C.UTF-8}
export HERALD_BIN_DIR="$PWD/bin"
mkdir -p bin

step() { printf '\n=== %s\n' "$*"; }

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt would change: $unformatted"; exit 1; fi

# Both stamped with version, commit and date as a release is: the e2e tests package this
# very bin/herald (.deb and portable archive) and check that it does not say "dev".
ldflags=$(scripts/package.sh ldflags)
step "headless build (CGO_ENABLED=0 -tags nogui)"
CGO_ENABLED=0 go build -tags nogui -ldflags "$ldflags" -o bin/herald-nogui .

step "desktop build"
go build -ldflags "$ldflags" -o bin/herald .

step "go vet"
go vet ./...

# Every package that does not link Fyne runs under the race detector (the app's model,
# backend and notifier included); the Fyne packages run with Fyne's test driver below.
nongui=$(go list -f '{{.ImportPath}} {{join .Deps " "}}' ./... | grep -v ' fyne.io/fyne/v2 \| fyne.io/fyne/v2$' | grep -v '/e2e ' | cut -d' ' -f1)
step "unit and integration tests (-race)"
go test -race -count=1 -timeout 15m $nongui

if [ -n "$(go list ./app/... 2>/dev/null)" ]; then
  step "desktop app tests"
  go test -count=1 -timeout 10m -tags ci ./app/ ./app/ui/...
fi

if [ -n "$(go list ./e2e/... 2>/dev/null)" ]; then
  step "end-to-end tests (real browser, Xvfb, D-Bus, nginx, redis)"
  export HERALD_ARTIFACTS=${HERALD_ARTIFACTS:-$PWD/bin/artifacts}
  mkdir -p "$HERALD_ARTIFACTS"
  go test -count=1 -timeout 20m -v ./e2e/... 2>&1 | tee bin/e2e.log | grep -E '^\s*(--- |PASS|FAIL|ok|panic)' ; rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then echo "e2e failed; the full log:"; cat bin/e2e.log; exit "$rc"; fi
  echo "screenshots kept in $HERALD_ARTIFACTS"
fi

if [ -f bench/go.mod ]; then
  step "benchmarks compile and run once"
  (cd bench && go vet ./... && go test -count=1 -run '^$' -bench . -benchtime 1x ./...)
fi
echo
echo "all tests passed"
