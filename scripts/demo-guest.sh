#!/bin/sh
# Guest side of `make demo` (run by scripts/vm inside the VM, from /interdict).
set -eu

BIN=/interdict/build
POLICY=/etc/interdict/policy.d
EVENTS=/var/log/interdict/events.json

say() { printf '\n=== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@" 2>&1 || printf '(exit status %s)\n' "$?"; }

start() { # [mode]
	rm -f /run/interdictd.pid
	"$BIN/interdictd" --policy-dir "$POLICY" ${1:+--mode "$1"} \
		--events "$EVENTS" --pid-file /run/interdictd.pid 2>>/var/log/interdict/interdictd.log &
	i=0
	while [ ! -f /run/interdictd.pid ]; do
		i=$((i + 1))
		if [ $i -gt 600 ] || ! kill -0 $! 2>/dev/null; then
			echo "interdictd did not start:"; cat /var/log/interdict/interdictd.log
			exit 1
		fi
		sleep 0.1
	done
	echo "interdictd is enforcing (pid $(cat /run/interdictd.pid))"
}

events() {
	say "events ($EVENTS)"
	cat "$EVENTS"
	: > "$EVENTS"
}

fake() { # path text
	mkdir -p "$(dirname "$1")"
	printf '#!/bin/sh\necho "%s"\n' "$2" > "$1"
	chmod 755 "$1"
}

say "uname -r: $(uname -r); active LSMs: $(cat /sys/kernel/security/lsm)"
show "$BIN/interdict" doctor

say "installing a stand-in for the banned product at its real paths"
fake /opt/kaspersky/kesl/bin/kesl-control "kesl-control: Kaspersky Endpoint Security running"
fake /opt/kaspersky/klnagent64/bin/klnagent "klnagent: network agent running"
fake /var/opt/kaspersky/kesl/install-current/etc/init.d/kesl "kesl init script: stopping KESL for removal"
fake /opt/kaspersky/kxyz/bin/unlisted "unlisted Kaspersky tool running"
find /opt/kaspersky /var/opt/kaspersky -type f

say "the policy: the BOD 17-01 sample plus a hash rule for the agent's binary"
mkdir -p "$POLICY" /var/log/interdict
cp policy/examples/bod-17-01.rules "$POLICY/10-bod-17-01.rules"
hash=$(sha256sum /opt/kaspersky/klnagent64/bin/klnagent | cut -d' ' -f1)
echo "deny sha256=$hash id=local-klnagent-sha msg=\"BOD 17-01: Network Agent, any copy\"" \
	> "$POLICY/50-local.rules"
cat "$POLICY/50-local.rules"
show "$BIN/interdict" check "$POLICY"

say "rollout step 1: audit mode (nothing is blocked, would-be denials are logged)"
start audit
show "$BIN/interdict" status
show /opt/kaspersky/kesl/bin/kesl-control
show /opt/kaspersky/klnagent64/bin/klnagent
sleep 0.5
events

say "rollout step 2: enforce mode, switched live (no restart, no gap)"
show "$BIN/interdict" mode enforce
show /opt/kaspersky/kesl/bin/kesl-control
show /opt/kaspersky/klnagent64/bin/klnagent
cp /opt/kaspersky/klnagent64/bin/klnagent /tmp/renamed-copy
show /tmp/renamed-copy
mkdir -p /mnt/elsewhere && mount --bind /opt/kaspersky /mnt/elsewhere
show /mnt/elsewhere/kesl/bin/kesl-control
say "the removal carve-out still runs; unlisted software is only logged"
show /var/opt/kaspersky/kesl/install-current/etc/init.d/kesl
show /opt/kaspersky/kxyz/bin/unlisted
sleep 0.5
events

say "survive: another root shell tries to stop interdict"
pid=$(cat /run/interdictd.pid)
show sh -c "kill -9 $pid"
show sh -c "rm /sys/fs/bpf/interdict/*/map_sha_rules"
show sh -c "kill -STOP $pid"
say "the daemon dies anyway (kill -9 by the shell that started it): enforcement stays"
kill -9 "$pid"; wait || true
show ls /sys/fs/bpf/interdict/
show /opt/kaspersky/kesl/bin/kesl-control
say "a new daemon adopts the pinned programs and writes what happened meanwhile"
start
sleep 0.5
show "$BIN/interdict" status
events

say "the only off switch: interdict disable (logged)"
show "$BIN/interdict" disable
wait || true
show /opt/kaspersky/kesl/bin/kesl-control
events
say "interdictd's log"
cat /var/log/interdict/interdictd.log
