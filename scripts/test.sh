#!/usr/bin/env bash
# The test command of the README and of CI: installs redis-server, postfix and chromium (with
# fonts-noto-cjk) when they are missing, then vets and runs every test with the race detector.
# Long benchmarks are not part of it.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server not found: installing it with the system package manager" >&2
  if command -v apt-get >/dev/null 2>&1; then apt_install redis-server
  elif command -v dnf >/dev/null 2>&1; then sudo dnf install -y redis
  elif command -v brew >/dev/null 2>&1; then brew install redis
  else echo "install redis-server (Redis 7) and run again" >&2; exit 1
  fi
  # Debian starts a system instance on 6379; the tests start their own on free ports.
fi

# The SMTP interop tests (channels/postfix_test.go) start a private Postfix instance of their
# own (internal/testenv/postfix.go). They skip without postfix, except under CI=true, where
# they fail: so install it here where the system can.
if ! command -v postfix >/dev/null 2>&1 && [ ! -x /usr/sbin/postfix ] && command -v apt-get >/dev/null 2>&1; then
  echo "postfix not found: installing it with the system package manager" >&2
  # "No configuration": Debian writes no /etc/postfix/main.cf, so no system Postfix starts,
  # listens on port 25 or takes over local mail; the tests configure their own instance.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  apt_install postfix
  # Where an init system started it anyway, stop the system instance that was just installed.
  if [ -f /etc/postfix/main.cf ] && $SUDO /usr/sbin/postfix status >/dev/null 2>&1; then
    $SUDO /usr/sbin/postfix stop >/dev/null 2>&1 || true
  fi
fi

# The console's browser tests (console/browser_test.go) drive a headless Chromium; they skip
# without one, except under CI=true, where they fail. fonts-noto-cjk draws the CJK names and
# labels of the pages and their screenshots (Persian and Arabic come with Chromium's fonts).
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "chromium not found: installing it with the system package manager" >&2
  apt_install chromium
fi
if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1 &&
  ! dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "install ok installed"; then
  apt_install fonts-noto-cjk
fi

gofmt_out=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$gofmt_out" ]; then echo "gofmt would change:"; echo "$gofmt_out"; exit 1; fi
go vet ./...
go test -race -count=1 -timeout 8m "$@" ./...
