# shellcheck shell=bash
# What scripts/vm (busybox initramfs VMs) and scripts/sysvm (systemd-booted
# Debian VMs) share: messages, timing, quoting, and running qemu with its
# serial console on stdout and in a log, to the guest's exit status.
# Sourced after the caller has set PROG (the name messages start with),
# SKIP (the exit status that means "could not run here") and SENTINEL (what
# the guest prints before its exit status on the console).

msg() { echo "$PROG: $*" >&2; }
die() {
	msg "$*"
	exit 1
}
skip() {
	msg "$*"
	exit "$SKIP"
}
now() { echo "${EPOCHREALTIME/,/.}"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
shquote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# vm_boot TIMEOUT FILTER QEMU_COMMAND...
# Runs QEMU_COMMAND under timeout(1), its serial console (its stdout) through
# a fifo in $TMP and the sed script FILTER (which strips \r and terminal
# escapes) to stdout and to the log $VM_LOG. Sets VM_T0 (when qemu started)
# and VM_RC (qemu's exit status; 124 or 137: timed out). On SIGINT or
# SIGTERM it stops qemu, removes $TMP and dies of the same signal, so that
# callers stop too.
vm_boot() {
	local timeout=$1 filter=$2 qpid reader interrupted=""
	shift 2
	VM_LOG=$TMP/serial.log
	mkfifo "$TMP/serial"
	sed -u "$filter" <"$TMP/serial" | tee "$VM_LOG" &
	reader=$!
	# shellcheck disable=SC2034 # read by the callers
	VM_T0=$(now)
	timeout --kill-after=10 "$timeout" "$@" </dev/null >"$TMP/serial" &
	qpid=$!
	trap 'interrupted=INT; kill -TERM "$qpid" 2>/dev/null || true' INT
	trap 'interrupted=TERM; kill -TERM "$qpid" 2>/dev/null || true' TERM
	while :; do
		VM_RC=0
		wait "$qpid" || VM_RC=$?
		kill -0 "$qpid" 2>/dev/null || break
	done
	wait "$reader" || true
	trap - INT TERM
	if [[ -n $interrupted ]]; then
		msg "interrupted (SIG$interrupted): qemu stopped"
		rm -rf "$TMP"
		trap - EXIT
		kill -s "$interrupted" $$
	fi
}

# vm_exit TIMEOUT DONE HINT
# Exits with the guest script's status as the console log reports it,
# saying "guest script exited N; DONE"; else 124 when qemu was killed after
# TIMEOUT seconds, else 125, HINT naming the likely causes.
vm_exit() {
	local status
	status=$(sed -n "s/.*$SENTINEL \([0-9][0-9]*\).*/\1/p" "$VM_LOG" | tail -n 1)
	if [[ -n $status ]]; then
		msg "guest script exited $status; $2"
		exit "$status"
	fi
	if ((VM_RC == 124 || VM_RC == 137)); then
		msg "timed out after $1 s (qemu killed); the guest never" \
			"reported its exit status"
		exit 124
	fi
	msg "qemu exited with status $VM_RC and the guest never printed" \
		"'$SENTINEL': $3"
	exit 125
}
