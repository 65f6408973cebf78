#!/usr/bin/env bash
# The test command of the README and of CI: installs redis-server when it is missing, then
# vets and runs every test with the race detector. Long benchmarks are not part of it.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server not found: installing it with the system package manager" >&2
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
  elif command -v dnf >/dev/null 2>&1; then sudo dnf install -y redis
  elif command -v brew >/dev/null 2>&1; then brew install redis
  else echo "install redis-server (Redis 7) and run again" >&2; exit 1
  fi
  # Debian starts a system instance on 6379; the tests start their own on free ports.
fi

gofmt_out=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$gofmt_out" ]; then echo "gofmt would change:"; echo "$gofmt_out"; exit 1; fi
go vet ./...
go test -race -count=1 -timeout 8m "$@" ./...
