#!/usr/bin/env bash
# Builds Herald's container image (packaging/docker/Dockerfile, FROM scratch): first the
# static headless binary and the build context in bin/container/, then, when a Docker engine
# answers, the image.
#
#   scripts/container.sh              # context, then the image herald:VERSION (and herald:latest)
#   scripts/container.sh --context    # only bin/container/ (what the e2e test runs without Docker)
#
# VERSION is `git describe` (or 0.0.0-dev); HERALD_IMAGE overrides the image name.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(git describe --tags --always --dirty 2>/dev/null || echo 0.0.0-dev)
ctx=bin/container
rm -rf "$ctx"
mkdir -p "$ctx/data"

# CGO_ENABLED=0: no libc, so the binary runs in an image with nothing else in it.
CGO_ENABLED=0 go build -tags nogui -trimpath \
  -ldflags "-s -w -X github.com/heraldhq/herald/cli.Version=${version#v}" \
  -o "$ctx/herald" .
if command -v ldd >/dev/null && ldd "$ctx/herald" >/dev/null 2>&1; then
  echo "container: $ctx/herald is dynamically linked; it would not run FROM scratch" >&2
  exit 1
fi
cp packaging/docker/Dockerfile "$ctx/Dockerfile"
echo "container: build context in $ctx ($(du -h "$ctx/herald" | cut -f1) binary, version ${version#v})"

[ "${1:-}" = --context ] && exit 0
if ! docker info >/dev/null 2>&1; then
  echo "container: no Docker engine answers (docker info failed); the context is ready in $ctx:" >&2
  echo "  docker build -t herald:${version#v} $ctx" >&2
  exit 1
fi
image=${HERALD_IMAGE:-herald}
docker build -t "$image:${version#v}" -t "$image:latest" "$ctx"
echo "container: built $image:${version#v}"
