#!/bin/sh
# Guest side of `make demo` (run by scripts/vm inside the VM, from /interdict).
set -eu

BIN=/interdict/build
POLICY=/etc/interdict/policy.d
EVENTS=/var/log/interdict/events.json
ARCHIVE=/var/log/interdict/events-all.json	# every raw JSON line shown
REPORT=/var/log/interdict/report.json
SCANNED="/opt /var/opt /usr/local"

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

# The new events as readable lines; the raw JSON goes on in $ARCHIVE.
events() {
	say "events (readable; raw JSON lines in $ARCHIVE)"
	"$BIN/interdict" events --file "$EVENTS" -n 1000 || true
	cat "$EVENTS" >> "$ARCHIVE"
	: > "$EVENTS"
}

fake() { # path text
	mkdir -p "$(dirname "$1")"
	printf '#!/bin/sh\necho "%s"\n' "$2" > "$1"
	chmod 755 "$1"
}

say "uname -r: $(uname -r); active LSMs: $(cat /sys/kernel/security/lsm)"
show "$BIN/interdict" doctor

say "a directive starts with an inventory. On this host: a stand-in for the banned product, installed as the dpkg package kesl, a renamed copy of its agent, and the agent already running"
fake /opt/kaspersky/kesl/bin/kesl-control "kesl-control: Kaspersky Endpoint Security running"
fake /opt/kaspersky/klnagent64/bin/klnagent "klnagent: network agent running"
fake /var/opt/kaspersky/kesl/install-current/etc/init.d/kesl "kesl init script: stopping KESL for removal"
fake /opt/kaspersky/kxyz/bin/unlisted "unlisted Kaspersky tool running"
# the agent: busybox's sleep under the vendor's name (a tag makes its
# hash its own, not busybox's)
mkdir -p /opt/kaspersky/kesl/libexec /usr/local/bin /var/lib/dpkg/info
cp /bin/busybox /opt/kaspersky/kesl/libexec/kesl
printf 'kesl-agent' >> /opt/kaspersky/kesl/libexec/kesl
cp /opt/kaspersky/kesl/libexec/kesl /usr/local/bin/sysupdate
printf 'Package: kesl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.1.0.1297\nDescription: Kaspersky Endpoint Security for Linux (stand-in)\n' \
	> /var/lib/dpkg/status
printf '%s\n' /. /opt /opt/kaspersky /opt/kaspersky/kesl \
	/opt/kaspersky/kesl/bin /opt/kaspersky/kesl/bin/kesl-control \
	/opt/kaspersky/kesl/libexec /opt/kaspersky/kesl/libexec/kesl \
	> /var/lib/dpkg/info/kesl.list
(exec -a sleep /opt/kaspersky/kesl/libexec/kesl 3600) &
agent=$!
find /opt/kaspersky /var/opt/kaspersky /usr/local/bin -type f
echo "agent running: pid $agent, /proc/$agent/exe -> $(readlink /proc/$agent/exe)"

say "the policy: the BOD 17-01 sample (paths, and package= rules resolved from dpkg)"
mkdir -p "$POLICY" /var/log/interdict
cp policy/examples/bod-17-01.rules "$POLICY/10-bod-17-01.rules"
show "$BIN/interdict" check -v "$POLICY"

say "the inventory: interdict scan --report (packages, processes, files; nothing enforced yet)"
show "$BIN/interdict" scan --report --policy "$POLICY" $SCANNED
"$BIN/interdict" -j scan --report --policy "$POLICY" $SCANNED > "$REPORT" || true
echo "the same report as one JSON object, for the agency's collection: $REPORT ($(wc -c < "$REPORT") bytes)"

say "hash rules from the inventory, so that a copy moved anywhere is denied too"
show "$BIN/interdict" scan --policy "$POLICY" --write-rules /tmp/60-found.rules $SCANNED
show "$BIN/interdict" check --dir "$POLICY" --as 60-found.rules /tmp/60-found.rules
cp /tmp/60-found.rules "$POLICY/60-found.rules"
sed -n '1,8p' "$POLICY/60-found.rules"

say "rollout step 1: audit mode (nothing is blocked, would-be denials are logged; what already runs is reported)"
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
say "the agent that ran before the policy: found and stopped (SIGTERM, then SIGKILL after the grace period)"
show "$BIN/interdict" scan --policy "$POLICY" --processes --kill --kill-grace 2
wait "$agent" 2>/dev/null || true
show /opt/kaspersky/kesl/libexec/kesl sleep 1
show /usr/local/bin/sysupdate sleep 1
say "copies moved elsewhere: denied by the hashes from the inventory"
cp /opt/kaspersky/klnagent64/bin/klnagent /tmp/renamed-copy
show /tmp/renamed-copy
mkdir -p /mnt/elsewhere && mount --bind /opt/kaspersky /mnt/elsewhere
show /mnt/elsewhere/kesl/bin/kesl-control
say "the removal carve-out still runs; the unlisted tool, which the sample only audits, is denied by the hash rule the inventory wrote for it"
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
say "the raw events, as a SIEM receives them: $ARCHIVE ($(wc -l < "$ARCHIVE") lines); the first:"
head -n 1 "$ARCHIVE"
