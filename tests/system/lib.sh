# Assertions for the system test suites (tests/system/*.sh), which run as
# root in a systemd-booted Debian VM (scripts/sysvm). POSIX sh; sourced:
#   . "${0%/*}/lib.sh"
# Output is kselftest-style TAP ("ok N desc", "not ok N desc", "ok N desc #
# SKIP why", then "# Totals: pass:N fail:N xfail:0 xpass:0 skip:N error:0"),
# which scripts/check counts once tests/system/run-suites has framed it.
#
# t_begin NAME                     start the suite
# t_pass DESC / t_fail DESC [WHY]  record a result directly
# t_skip DESC WHY                  record a skipped test
# t_skip_all WHY                   skip the whole suite (exit 4, kselftest's skip)
# t_ok DESC CMD...                 CMD exits 0
# t_cmd_fails DESC CMD...          CMD exits non-zero
# t_fails_with DESC ERE CMD...     CMD exits non-zero and its output matches ERE
# t_status DESC STATUS CMD...      CMD exits with exactly STATUS
# t_eq DESC GOT WANT               strings are equal
# t_match DESC STRING ERE          STRING matches the extended regex ERE
# t_wait DESC SECONDS CMD...       CMD exits 0 within SECONDS (polled)
# t_run CMD...                     run CMD; sets T_STATUS and T_OUTPUT
#                                  (stdout and stderr), asserts nothing
# t_diag TEXT...                   a "# " comment line
# t_end                            plan, totals; exits 0, 1 on any failure,
#                                  4 when every test was skipped
#
# A failing assertion prints what was expected and what came instead (with
# the command's output) as "# " lines before its "not ok" line, and the
# suite goes on. Suites should not use `set -e`. T_PAYLOAD is where the
# payload is (/payload in the VM).

T_PAYLOAD=${T_PAYLOAD:-/payload}
T_SUITE=
T_N=0
T_PASS=0
T_FAIL=0
T_SKIP=0
T_STATUS=0
T_OUTPUT=

t_diag() {
	printf '# %s\n' "$*"
}

# Indent text on stdin as TAP comments (at most 40 lines of it).
t_quote() {
	sed -n '1,40s/^/#   | /p'
}

t_begin() {
	T_SUITE=$1
	echo "TAP version 13"
	t_diag "suite $T_SUITE on $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
}

t_pass() {
	T_N=$((T_N + 1))
	T_PASS=$((T_PASS + 1))
	echo "ok $T_N $1"
}

t_fail() {
	T_N=$((T_N + 1))
	T_FAIL=$((T_FAIL + 1))
	[ $# -lt 2 ] || t_diag "$1: $2"
	echo "not ok $T_N $1"
}

t_skip() {
	T_N=$((T_N + 1))
	T_SKIP=$((T_SKIP + 1))
	echo "ok $T_N $1 # SKIP $2"
}

t_skip_all() {
	echo "1..0 # SKIP $*"
	exit 4
}

t_run() {
	T_OUTPUT=$("$@" 2>&1)
	T_STATUS=$?
}

# Fail DESC with WHY and the last command's output.
t_fail_run() {
	if [ -n "$T_OUTPUT" ]; then
		t_diag "$1: $2; output of $3:"
		printf '%s\n' "$T_OUTPUT" | t_quote
	else
		t_diag "$1: $2; no output from $3"
	fi
	t_fail "$1"
}

t_ok() {
	_t_desc=$1
	shift
	t_run "$@"
	if [ "$T_STATUS" -eq 0 ]; then
		t_pass "$_t_desc"
	else
		t_fail_run "$_t_desc" "exit status $T_STATUS, expected 0" "$*"
	fi
}

t_cmd_fails() {
	_t_desc=$1
	shift
	t_run "$@"
	if [ "$T_STATUS" -ne 0 ]; then
		t_pass "$_t_desc"
	else
		t_fail_run "$_t_desc" "exit status 0, expected a failure" "$*"
	fi
}

t_fails_with() {
	_t_desc=$1
	_t_ere=$2
	shift 2
	t_run "$@"
	if [ "$T_STATUS" -eq 0 ]; then
		t_fail_run "$_t_desc" "exit status 0, expected a failure" "$*"
	elif ! printf '%s\n' "$T_OUTPUT" | grep -Eq -- "$_t_ere"; then
		t_fail_run "$_t_desc" "failed (exit status $T_STATUS) but no line matches /$_t_ere/" "$*"
	else
		t_pass "$_t_desc"
	fi
}

t_status() {
	_t_desc=$1
	_t_want=$2
	shift 2
	t_run "$@"
	if [ "$T_STATUS" -eq "$_t_want" ]; then
		t_pass "$_t_desc"
	else
		t_fail_run "$_t_desc" "exit status $T_STATUS, expected $_t_want" "$*"
	fi
}

t_eq() {
	if [ "$2" = "$3" ]; then
		t_pass "$1"
	else
		t_diag "$1: expected:"
		printf '%s\n' "$3" | t_quote
		t_diag "$1: got:"
		printf '%s\n' "$2" | t_quote
		t_fail "$1"
	fi
}

t_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		t_pass "$1"
	else
		t_diag "$1: no line matches /$3/ in:"
		printf '%s\n' "$2" | t_quote
		t_fail "$1"
	fi
}

t_wait() {
	_t_desc=$1
	_t_until=$(($(date +%s) + $2))
	shift 2
	while :; do
		t_run "$@"
		[ "$T_STATUS" -ne 0 ] || break
		if [ "$(date +%s)" -ge "$_t_until" ]; then
			t_fail_run "$_t_desc" "still exit status $T_STATUS after the wait" "$*"
			return
		fi
		sleep 0.5
	done
	t_pass "$_t_desc"
}

t_end() {
	echo "1..$T_N"
	echo "# Totals: pass:$T_PASS fail:$T_FAIL xfail:0 xpass:0 skip:$T_SKIP error:0"
	[ "$T_FAIL" -eq 0 ] || exit 1
	[ "$T_PASS" -gt 0 ] || [ "$T_SKIP" -eq 0 ] || exit 4
	exit 0
}
