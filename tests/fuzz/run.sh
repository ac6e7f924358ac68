#!/usr/bin/env bash
# Runs libFuzzer targets for a time budget each, behind `make fuzz` and the
# fuzz stage of scripts/check. A target starts from a working copy of its
# seeds (tests/fuzz/corpus/NAME/ into build/fuzz/corpus/NAME/), so the
# repository is never written to, and with tests/fuzz/fuzz_NAME.dict as its
# dictionary if there is one. Its output goes to OUTDIR/fuzz_NAME.log and
# a crashing input to OUTDIR/fuzz_NAME-crash-*; the last line printed for it
# is "# fuzz: fuzz_NAME ok: ..." or "# fuzz: fuzz_NAME FAILED: ...".
# Exit status 1 if any target failed.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"

seconds=300
out=build/fuzz/logs

usage() {
	echo "usage: tests/fuzz/run.sh [-t SECONDS] [-o OUTDIR] build/fuzz/fuzz_NAME..." >&2
	exit 2
}

while getopts t:o: opt; do
	case $opt in
	t) seconds=$OPTARG ;;
	o) out=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
(($# > 0)) || usage

if [[ -f build/fuzz/unavailable ]]; then
	echo "tests/fuzz/run.sh: no fuzz target was built: $(<build/fuzz/unavailable)" >&2
	exit 1
fi

# The value of "key: N" on the last line of the log that has it.
stat_of() {
	sed -n "s/.*[ :]$1: *\([0-9]*\).*/\1/p" "$2" | tail -n 1
}

# As in scripts/check: at a terminal, keep the target in our process group
# so that Ctrl-C reaches it.
timeout_fg=()
[[ -t 0 ]] && timeout_fg=(--foreground)

mkdir -p "$out"
failed=0
for bin in "$@"; do
	name=${bin##*/}
	seeds=tests/fuzz/corpus/${name#fuzz_}
	work=build/fuzz/corpus/${name#fuzz_}
	log=$out/$name.log
	mkdir -p "$work"
	[[ -d $seeds ]] && cp -RL "$seeds/." "$work/"
	dict=()
	[[ -f tests/fuzz/$name.dict ]] && dict=(-dict="tests/fuzz/$name.dict")
	echo "# fuzz: $name: $seconds s, output in $log"
	rc=0
	# -max_len: room past the longest line (4095 bytes) and the longest
	# event path (4096); the outer timeout only catches a hung run.
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
		timeout "${timeout_fg[@]}" -k 10 $((seconds + 120)) "$bin" \
		-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-max_len=8192 -print_final_stats=1 "${dict[@]}" \
		-artifact_prefix="$out/$name-" "$work" </dev/null >"$log" 2>&1 ||
		rc=$?
	runs=$(stat_of number_of_executed_units "$log")
	speed=$(stat_of average_exec_per_sec "$log")
	if ((rc == 0)); then
		echo "# fuzz: $name ok: ${runs:-?} runs, ${speed:-?} exec/s," \
			"cov $(stat_of cov "$log"), ft $(stat_of ft "$log")," \
			"corpus $(stat_of corp "$log") inputs"
		continue
	fi
	failed=1
	input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
	why=$(sed -n 's/^SUMMARY: //; s/ in *$//p' "$log" | tail -n 1)
	if ((rc == 124)); then
		why="hung past $((seconds + 120)) s"
	elif [[ -z $why ]]; then
		why="exit status $rc"
	fi
	echo "# fuzz: $name FAILED: $why${input:+, input kept in $input}"
done
exit "$failed"
