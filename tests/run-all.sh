#!/bin/bash
# Runs the test suites and ends with one line "N passed, N failed" over
# all of them; exits non-zero on any failure.
#   tests/run-all.sh [unit|fuzz|cgi|peers|integration|hosting|deb]...   (default: all)
# Environment: B (build folder, default build), VALGRIND=1 (unit tests
# under valgrind; the CGI suite always runs the programs under valgrind
# unless NO_VALGRIND=1).
set -u -o pipefail
# shellcheck source=tools/node-env.sh
. "$(dirname "$0")/../tools/node-env.sh"
B=${B:-build}
export B
suites=${*:-unit fuzz cgi peers integration hosting deb}
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() {	# suite-name passed failed
	echo "== $1: $2 passed, $3 failed"
	passed=$((passed + $2))
	failed=$((failed + $3))
}

# The last "N passed, N failed" line a runner printed, as "N N".
tally() {
	sed -n 's/.*\b\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1 \2/p' \
	    "$log" | tail -n 1
}

for suite in $suites; do
	case $suite in
	unit)
		p=0; f=0
		for t in "$B"/tests/unit/test_*; do
			case $t in *.o|*.d) continue;; esac
			[ -x "$t" ] || continue
			if [ "${VALGRIND:-0}" = 1 ]; then
				CK_FORK=no valgrind -q --error-exitcode=99 \
				    --leak-check=full --errors-for-leak-kinds=definite \
				    "$t" >"$log" 2>&1
			else
				"$t" >"$log" 2>&1
			fi
			rc=$?
			line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1)
			if [ -z "$line" ]; then
				echo "FAIL $t (no result, exit $rc)"; cat "$log"
				f=$((f + 1)); continue
			fi
			n=$(echo "$line" | sed 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/')
			# shellcheck disable=SC2086
			set -- $n
			bad=$(($2 + $3))
			if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
				echo "FAIL $t (exit $rc)"; cat "$log"; bad=1
			fi
			[ "$bad" -gt 0 ] && grep -E ':[EF]:' "$log"
			p=$((p + $1 - $2 - $3)); f=$((f + bad))
			echo "$(basename "$t"): $line"
		done
		# No test program at all is a failure, not a pass.
		[ $((p + f)) -eq 0 ] && { echo "FAIL no unit tests in $B"; f=1; }
		count unit $p $f
		;;
	fuzz)
		p=0; f=0
		for t in "$B"/tests/fuzz/replay_*; do
			case $t in *.o|*.d) continue;; esac
			name=${t##*/replay_}
			if "$t" "tests/fuzz/corpus/$name" >"$log" 2>&1; then
				echo "replay $name: $(tail -n 1 "$log")"
				p=$((p + 1))
			else
				echo "FAIL replay $name"; tail -n 30 "$log"
				f=$((f + 1))
			fi
		done
		[ $((p + f)) -eq 0 ] && { echo "FAIL no fuzz replays in $B"; f=1; }
		count fuzz $p $f
		;;
	cgi|integration|peers|hosting|deb)
		script=tests/$suite/run.mjs
		[ "$suite" = peers ] && script=tests/peers/selftest.mjs
		# Shared hosting under suEXEC: its own Apache (needs root).
		[ "$suite" = hosting ] && script=tests/integration/hosting.mjs
		node "$script" 2>&1 | tee "$log"
		rc=$?
		r=$(tally)
		if [ -z "$r" ]; then
			count "$suite" 0 1
		elif [ "$rc" -ne 0 ] && [ "${r#* }" = 0 ]; then
			echo "FAIL $suite runner exit $rc"
			# shellcheck disable=SC2086
			set -- $r
			count "$suite" "$1" 1
		else
			# shellcheck disable=SC2086
			count "$suite" $r
		fi
		;;
	*)
		echo "run-all: unknown suite $suite" >&2; exit 2
		;;
	esac
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
