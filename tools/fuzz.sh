#!/bin/bash
# make fuzz: runs every libFuzzer target for FUZZ_TIME seconds, one after
# the other, even when one of them crashes, then prints one summary line
# per target (executions, coverage, features, clean or crash) and exits
# non-zero if any target crashed or did not run.
#   tools/fuzz.sh NAME...
# Environment: B (build folder, default build), FUZZ_TIME (seconds per
# target, default 60), FUZZ_ARGS (more libFuzzer options for every target).
# A target's new inputs go to $B/fuzz/corpus-NAME, its log to
# $B/fuzz/NAME.log and a crashing input to $B/fuzz/NAME-crash-*.
set -u
B=${B:-build}
FUZZ_TIME=${FUZZ_TIME:-60}
summary=""
failed=0

for n in "$@"; do
	mkdir -p "$B/fuzz/corpus-$n"
	# Options of this one target: a dictionary tests/fuzz/NAME.dict if
	# there is one (JSON and JOSE tokens are found sooner with one).
	opts=""
	[ -f "tests/fuzz/$n.dict" ] && opts="-dict=tests/fuzz/$n.dict"
	echo "fuzz $n: ${FUZZ_TIME}s" >&2
	# shellcheck disable=SC2086
	"$B/fuzz/fuzz_$n" -max_total_time="$FUZZ_TIME" -print_final_stats=1 \
	    -artifact_prefix="$B/fuzz/$n-" $opts ${FUZZ_ARGS:-} \
	    "$B/fuzz/corpus-$n" "tests/fuzz/corpus/$n" >"$B/fuzz/$n.log" 2>&1
	rc=$?
	# The last status line libFuzzer printed: "#N DONE cov: C ft: F ...".
	last=$(grep -E '^#[0-9]+' "$B/fuzz/$n.log" | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
	    "$B/fuzz/$n.log")
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	if [ "$rc" -eq 0 ]; then
		result=clean
	else
		failed=$((failed + 1))
		crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' \
		    "$B/fuzz/$n.log" | tail -n 1)
		if [ -n "$crash" ]; then
			result="CRASH $crash"
		else
			result="FAILED (exit $rc), see $B/fuzz/$n.log"
		fi
		grep -E '^==[0-9]+==ERROR|runtime error|^    #[0-9] ' \
		    "$B/fuzz/$n.log" | head -n 12 >&2
	fi
	line=$(printf '%-12s %10s execs  cov %6s  ft %6s  %s' "$n" \
	    "${execs:-?}" "${cov:-?}" "${ft:-?}" "$result")
	echo "$line" >&2
	summary="$summary$line
"
done

printf '\n%s' "$summary"
echo "fuzz: $(($# - failed)) clean, $failed failed"
[ "$failed" -eq 0 ]
