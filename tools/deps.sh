#!/bin/bash
# Installs what building and testing smartgate needs and is missing:
# Debian packages (as root) and, with --peers or --all, a Node.js recent
# enough for the test peers and the peers themselves from the committed
# lock file.  Safe to run again: it only acts on what is missing.
set -eu
# shellcheck source=tools/node-env.sh
. "$(dirname "$0")/node-env.sh"

PKGS="gcc make pkg-config libfcgi-dev libcurl4-openssl-dev libjson-c-dev
libssl-dev clearsilver-dev zlib1g-dev check apache2
libapache2-mod-fcgid libfcgi-bin liblmdb-dev libhiredis-dev redis-server
valgrind curl chromium apache2-suexec-pristine dpkg-dev lintian
systemd procps"
# systemd: systemd-socket-activate and systemd-analyze for the
# mod_proxy_fcgi tests (installed, never started); procps: pgrep.

# The test peers (oidc-provider, @medplum/fhir-router, playwright-core)
# need Node.js 20.19 or later; Debian 12's own nodejs is 18.  Then this
# release, from the npm registry's node-linux-* package, is installed into
# tools/node (see node-env.sh).
NODE_VERSION=20.20.2
peers=0
case ${1:-} in --peers|--all) peers=1 ;; esac

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

node_ok() {
	command -v node >/dev/null 2>&1 &&
	    node -e 'const [a, b] = process.versions.node.split(".").map(Number);
	    process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
}

if [ "$peers" = 1 ] && ! node_ok; then
	case $(uname -m) in
	x86_64) arch=x64 ;;
	aarch64|arm64) arch=arm64 ;;
	*) arch=$(uname -m) ;;
	esac
	echo "deps: Node.js $(node --version 2>/dev/null || echo missing)" \
	    "is older than 20.19: installing node-linux-$arch@$NODE_VERSION" \
	    "into $SG_NODE_DIR"
	rm -rf "$SG_NODE_DIR"
	npm install --global --prefix "$SG_NODE_DIR" --no-audit --no-fund \
	    --loglevel=error "node-linux-$arch@$NODE_VERSION"
	hash -r
	if ! node_ok; then
		echo "deps: the test peers need Node.js 20.19 or later," \
		    "found $(node --version 2>/dev/null || echo none)" >&2
		exit 1
	fi
fi
# The peers are installed when what node_modules holds is not what the lock
# file names: compared by content, not by file times, which a fresh clone
# or worktree does not order.  A node_modules that is a symbolic link is
# another checkout's install and is never touched (npm ci would empty it).
peers_current() {
	node -e 'const fs = require("fs");
	    const want = JSON.parse(fs.readFileSync(process.argv[1])).packages;
	    const have = JSON.parse(fs.readFileSync(process.argv[2])).packages;
	    for (const [k, v] of Object.entries(want))
		if (k !== "" && !v.optional &&
		    (!have[k] || have[k].version !== v.version))
			process.exit(1);' \
	    "$1/package-lock.json" "$1/node_modules/.package-lock.json" \
	    2>/dev/null
}

if [ "$peers" = 1 ]; then
	dir="$(dirname "$0")/../tests/peers"
	if [ -L "$dir/node_modules" ]; then
		peers_current "$dir" || echo "deps: $dir/node_modules is a" \
		    "link to another install that does not match the lock" \
		    "file; left alone" >&2
	elif ! peers_current "$dir"; then
		echo "deps: installing the Node test peers (npm ci)"
		(cd "$dir" && npm ci --omit=optional --no-audit --no-fund \
		    --loglevel=error)
	fi
fi
