#!/usr/bin/env bash
# Runs every Go fuzz target of Rapport for a while each (not part of the test command):
#
#   scripts/fuzz.sh [DURATION]      # default 30s per target, e.g. scripts/fuzz.sh 5m
#
# A finding is written by `go test` under the package's testdata/fuzz/FUZZNAME/; commit it with
# the fix, so that it stays a regression seed that every `go test` runs.
set -euo pipefail
cd "$(dirname "$0")/.."
time="${1:-30s}"
status=0
while IFS= read -r line; do
  file="${line%%:*}"
  name="$(sed -E 's/^func (Fuzz[A-Za-z0-9_]*).*/\1/' <<<"${line#*:}")"
  pkg="./$(dirname "$file")"
  echo "== $pkg $name ($time)"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$time" "$pkg"; then
    echo "!! $pkg $name found a failure: see $pkg/testdata/fuzz/$name" >&2
    status=1
  fi
done < <(git grep -n --full-name -e '^func Fuzz' -- '*_test.go' | cut -d: -f1,3 ; true)
exit $status
