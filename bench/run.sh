#!/bin/bash
# make bench: throughput and memory of the programs through Apache, with
# wrk on loopback.  Figures, not pass/fail.
set -eu
cd "$(dirname "$0")/.."
# shellcheck source=tools/node-env.sh
. tools/node-env.sh
if ! command -v wrk >/dev/null; then
	if [ "$(id -u)" -eq 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
	else
		echo "bench: needs wrk (apt-get install wrk)" >&2; exit 1
	fi
fi
bash tools/deps.sh --all
exec node bench/run.mjs
