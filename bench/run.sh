#!/usr/bin/env bash
# Runs every benchmark once, as docs/benchmarks.md reports them: the parser comparison
# (5 counts, summarised by benchstat when the Go module proxy can fetch it) and the hub
# comparison (each hub in its own process, scenarios a-d). Results go to bench/out/.
# About 6-8 minutes on 2 cores. Extra arguments go to hubbench (e.g. -hubs herald,r3labs).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p out
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
