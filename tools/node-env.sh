# shellcheck shell=bash
# Sourced (bash) by every script that runs node or npm: the Node.js that
# tools/deps.sh installs into tools/node, when the system's is missing or
# older than the test peers need, comes first in PATH.  The Makefile puts
# the same folder first in its own PATH.
SG_NODE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/node
case ":$PATH:" in
*":$SG_NODE_DIR/bin:"*) ;;
*) PATH="$SG_NODE_DIR/bin:$PATH" ;;
esac
export PATH
