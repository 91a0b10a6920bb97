#!/bin/bash
# Installs what building and testing smartgate needs and is missing:
# Debian packages (as root) and, with --peers, the Node test peers from
# the committed lock file.  Safe to run again: it only acts on what is
# missing.
set -eu

PKGS="gcc make pkg-config libfcgi-dev libcurl4-openssl-dev libjson-c-dev
libssl-dev libjwt-dev clearsilver-dev zlib1g-dev check apache2
libapache2-mod-fcgid libfcgi-bin liblmdb-dev valgrind curl chromium"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages:$missing" >&2
		echo "deps: run as root, or: apt-get install$missing" >&2
		exit 1
	fi
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The test peers (oidc-provider, Medplum) need Node 20.19 or later;
# Debian 12's own nodejs is 18: say so rather than fail obscurely.
if [ "${1:-}" = "--peers" ] || [ "${1:-}" = "--all" ]; then
	if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
	    process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
		echo "deps: the test peers need Node.js 20.19 or later," \
		    "found $(node --version)" >&2
		exit 1
	fi
fi
if [ "${1:-}" = "--peers" ] || [ "${1:-}" = "--all" ]; then
	dir="$(dirname "$0")/../tests/peers"
	if [ ! -d "$dir/node_modules" ] ||
	    [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
		echo "deps: installing the Node test peers (npm ci)"
		(cd "$dir" && npm ci --omit=optional --no-audit --no-fund \
		    --loglevel=error)
	fi
fi
