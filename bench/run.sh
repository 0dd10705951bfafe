#!/usr/bin/env bash
# Runs every benchmark once, as docs/benchmarks.md reports them: the parser comparison
# (5 counts, summarised by benchstat when the Go module proxy can fetch it) and the hub
# comparison (each hub in its own process, scenarios a-d). Results go to bench/out/.
# About 6-8 minutes on 2 cores. Extra arguments go to hubbench (e.g. -hubs herald,r3labs).
#
#   bench/run.sh outside [hubbench flags]   issue 15's outside-in comparison only (about 9
#                                          minutes): real `herald serve` (defaults, and
#                                          --history-store memory), go-sse, r3labs and
#                                          Mercure as processes pinned to CPU 1, publishes
#                                          awaited; e.g. -before OLD_HERALD_BINARY adds it.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p out
if [ "${1:-}" = outside ]; then
  shift
  go build -o out/hubbench ./cmd/hubbench
  out/hubbench -suite outside -out out "$@" | tee out/outside.md
  exit
fi
echo "== machine" | tee out/machine.txt
{ uname -srm; nproc; grep -m1 'model name' /proc/cpuinfo || true; free -m | sed -n 2p; go version; date -u; } | tee -a out/machine.txt

echo "== parsers"
go test -run '^$' -bench . -benchmem -count 5 ./parser | tee out/parser.txt
go run ./cmd/parsertable <out/parser.txt | tee out/parser.md
if go run golang.org/x/perf/cmd/benchstat@latest -col /parser -row /input out/parser.txt >out/parser-benchstat.txt 2>/dev/null; then
  cat out/parser-benchstat.txt
else
  echo "(benchstat not reachable: see out/parser.txt)"
fi

echo "== hubs"
go build -o out/hubbench ./cmd/hubbench
out/hubbench -json out/hubs.json "$@" | tee out/hubs.md
