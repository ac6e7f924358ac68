#!/bin/sh
# The Debian package on a real systemd-booted Debian: apt installs it with
# its dependencies, the unit starts only when enforcing, denials are EPERM
# and reach the journal and the events file, reload refuses a bad policy,
# restart, kill -9, stop and an upgrade leave no gap, a package= rule
# finds and denies a vendor's dpkg package (and copies of its binaries)
# until dpkg removes it, remove ends enforcement and purge leaves nothing
# behind.
. "${0%/*}/lib.sh"

t_begin package

deb=$(ls "$T_PAYLOAD"/debs/interdict_*_amd64.deb | grep -v '+' | head -n 1)
next=$(ls "$T_PAYLOAD"/debs/interdict_*+*_amd64.deb | head -n 1)
[ -f "$deb" ] && [ -f "$next" ] ||
	t_skip_all "no interdict package in the payload (make deb)"
agent=/opt/vendor/bin/agent
rules=/etc/interdict/policy.d/50-test.rules
# field FIELD: FIELD of `interdict -j status` (Python: d['a']['b'])
field() { interdict -j status | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# a stand-in for the banned agent
mkdir -p /opt/vendor/bin && cp /bin/true "$agent"

t_ok "apt installs the package, its dependencies from the archive" \
	apt-get install -y -q "$deb"
t_eq "libbpf1 came with it" \
	"$(dpkg-query -W -f='${db:Status-Status}' libbpf1)" installed
t_eq "the unit is active after install" "$(systemctl is-active interdictd)" active
t_eq "the unit is enabled" "$(systemctl is-enabled interdictd)" enabled
t_eq "the unit is Type=notify" "$(systemctl show -p Type --value interdictd)" notify
t_eq "first install: audit mode" "$(field "d['mode']")" audit
# systemd's own clock: from the daemon's exec to READY=1 (enforcing)
start=$(systemctl show -p ExecMainStartTimestampMonotonic --value interdictd)
ready=$(systemctl show -p ActiveEnterTimestampMonotonic --value interdictd)
t_diag "first start, exec to READY=1 (verify, attach, pin): $(((ready - start) / 1000)) ms"
t_match "the daemon told systemd what it enforces" \
	"$(systemctl show -p StatusText --value interdictd)" '^enforcing, mode audit'

echo "deny path=$agent id=test-agent msg=\"banned agent\"" >"$rules"
t_ok "systemctl reload takes a valid policy" systemctl reload interdictd
t_ok "interdict mode enforce switches live" interdict mode enforce
# the switch lasts until the daemon restarts: the config makes it stay
sed -i 's/^mode = audit$/mode = enforce/' /etc/interdict/interdict.conf
t_ok "interdict check: config and policy are valid" interdict check
t_fails_with "the banned agent: Operation not permitted" \
	'Operation not permitted' "$agent"

t_wait "the denial reaches the journal" 10 sh -c \
	'journalctl -u interdictd -o json --no-pager INTERDICT_EVENT=1 RULE_ID=test-agent | grep -q exec-denied'
j=$(journalctl -u interdictd -o json --no-pager INTERDICT_EVENT=1 RULE_ID=test-agent)
t_match "... with its ECS fields" "$j" '"EVENT_ACTION":"exec-denied"'
t_match "... the file" "$j" "\"FILE_PATH\":\"$agent\""
t_match "... a warning priority" "$j" '"PRIORITY":"4"'
t_match "... a readable message" "$j" '"MESSAGE":"exec-denied /opt/vendor/bin/agent by '
t_match "... and in the events file" "$(cat /var/log/interdict/events.json)" \
	'"id":"test-agent"'
t_match "interdict events shows it" "$(interdict events -n 5)" \
	"exec-denied $agent by .*rule test-agent"

# Scripts denied by their content, read by python3 and perl under other
# names: Linux 6.9 and later (file_post_open); before, the rule is refused.
crules=/etc/interdict/policy.d/51-content.rules
printf 'import sys\nsys.exit(42)\n' >/opt/vendor/job.py
printf 'exit 42;\n' >/opt/vendor/job.pl
cp /opt/vendor/job.py /tmp/renamed.py
cp /opt/vendor/job.pl /tmp/renamed.pl
printf 'import sys\nsys.exit(7)\n' >/tmp/other.py
printf 'deny sha256=%s id=test-py on=open\ndeny sha256=%s id=test-pl on=open\n' \
	"$(sha256sum </opt/vendor/job.py | cut -d' ' -f1)" \
	"$(sha256sum </opt/vendor/job.pl | cut -d' ' -f1)" >"$crules"
if grep -q ' bpf_lsm_file_post_open$' /proc/kallsyms; then
	t_ok "systemctl reload takes sha256 rules with on=open" \
		systemctl reload interdictd
	t_eq "... and attaches file_post_open" \
		"$(field "d['programs']['file_post_open']")" True
	t_fails_with "python3 cannot read the banned script under another name" \
		'Operation not permitted' python3 /tmp/renamed.py
	t_fails_with "perl cannot either" 'Operation not permitted' \
		perl /tmp/renamed.pl
	t_status "another script runs" 7 python3 /tmp/other.py
	t_wait "the content denial reaches the journal" 10 sh -c \
		'journalctl -u interdictd -o json --no-pager INTERDICT_EVENT=1 RULE_ID=test-pl | grep -q open-denied'
else
	t_fails_with "interdict check refuses sha256 with on=open on $(uname -r)" \
		"51-content.rules:1: rule 'test-py': sha256= with on=open needs the kernel's file_post_open hook" \
		interdict check
	t_cmd_fails "... and so does systemctl reload" systemctl reload interdictd
	t_status "python3 reads the script" 42 python3 /tmp/renamed.py
fi
rm -f "$crules" /tmp/renamed.py /tmp/renamed.pl /tmp/other.py
t_ok "systemctl reload without them" systemctl reload interdictd
t_eq "... file_post_open is detached" \
	"$(field "d['programs'].get('file_post_open', False)")" False
t_status "python3 reads the script again" 42 python3 /opt/vendor/job.py

gen=$(field "d['policy']['generation']")
echo "deny pth=/x id=broken" >/etc/interdict/policy.d/60-broken.rules
t_cmd_fails "systemctl reload refuses a bad policy" systemctl reload interdictd
t_eq "the generation in force stays" "$(field "d['policy']['generation']")" "$gen"
t_fails_with "still denied" 'Operation not permitted' "$agent"
rm /etc/interdict/policy.d/60-broken.rules

# A loop tries the agent every 20 ms through restart, kill -9, stop and
# start, and an upgrade: not one run may succeed.
rm -f /tmp/stop /tmp/ran /tmp/tries
(n=0; while [ ! -e /tmp/stop ]; do
	"$agent" 2>/dev/null && echo ran >>/tmp/ran
	n=$((n + 1)); sleep 0.02
done; echo "$n" >/tmp/tries) &
sleep 1
t0=$(date +%s%N)
t_ok "systemctl restart" systemctl restart interdictd
t_diag "restart to ready: $((($(date +%s%N) - t0) / 1000000)) ms"
t_eq "a restart adopts the pins" "$(field "d['daemon']['start']")" adopted
t_ok "systemctl kill -s KILL" systemctl kill -s KILL interdictd
t_wait "systemd starts it again" 30 sh -c \
	'interdict -j status 2>/dev/null | grep -q "previous_stop\":\"unclean"'
t_ok "systemctl stop" systemctl stop interdictd
t_fails_with "stopped: enforcement stays" 'Operation not permitted' "$agent"
t_ok "systemctl start" systemctl start interdictd
t_ok "dpkg -i of a newer build (upgrade)" dpkg -i "$next"
t_eq "the newer build runs" "$(field "d['version']")" \
	"$(dpkg-query -W -f='${Version}' interdict)"
t_eq "it took over from the old build" "$(field "d['daemon']['start']")" upgraded
t_eq "one pin directory is left" "$(ls /sys/fs/bpf/interdict | wc -l)" 1
touch /tmp/stop
wait
t_eq "no run of the agent across all of it ($(cat /tmp/tries) tries)" \
	"$(cat /tmp/ran 2>/dev/null | wc -l)" 0

# A vendor's product as dpkg installs it: a package built here with
# dpkg-deb, its binaries copies of the image's own with bytes appended, so
# that their SHA-256 names nothing else on the system.
arch=$(dpkg --print-architecture)
kver=12.1.0.1297
kesl=/opt/kaspersky/kesl/bin/kesl
kagent=/opt/kaspersky/kesl/libexec/klnagent
copy=/usr/local/bin/kesl-copy
root=/tmp/kesl-deb
rm -rf "$root"
mkdir -p "$root/DEBIAN" "$root${kesl%/*}" "$root${kagent%/*}"
printf '%s\n' "Package: kesl" "Version: $kver" "Architecture: $arch" \
	"Maintainer: Test Vendor <vendor@example.org>" \
	"Description: stand-in for a banned endpoint agent" >"$root/DEBIAN/control"
tag="kesl test build $(date +%s%N) $$"
{ cat /bin/true; echo "$tag kesl"; } >"$root$kesl"
{ cat /bin/sleep; echo "$tag klnagent"; } >"$root$kagent"
chmod 0755 "$root$kesl" "$root$kagent"
t_ok "dpkg-deb builds the vendor package" \
	dpkg-deb --root-owner-group --build "$root" /tmp/kesl.deb
t_ok "dpkg -i installs it" dpkg -i /tmp/kesl.deb
t_ok "before a rule names it, it runs" "$kesl"
gen=$(field "d['policy']['generation']")
echo 'deny package=kesl id=vendor-kesl msg="banned endpoint agent"' \
	>/etc/interdict/policy.d/55-kesl.rules
t_ok "systemctl reload takes the package= rule" systemctl reload interdictd
t_eq "... a new generation" "$(field "d['policy']['generation']")" $((gen + 1))
t_run interdict rules
t_match "interdict rules: an exact-path rule for its binary" "$T_OUTPUT" \
	"vendor-kesl.*$kesl"
t_match "... and a SHA-256 rule for its content" "$T_OUTPUT" \
	"vendor-kesl.*$(sha256sum "$root$kesl" | cut -c1-12)"

t_status "interdict scan --packages finds it (exit 1)" 1 \
	interdict scan --packages
t_match "... with its version, architecture, decision and rule" "$T_OUTPUT" \
	"^kesl +$kver +$arch +deny +vendor-kesl +[0-9]+ "
t_run interdict -j scan --packages
t_eq "... -j: package-found with name, version, architecture and rule" \
	"$(printf '%s\n' "$T_OUTPUT" | python3 -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l)
    if e.get("event", {}).get("action") == "package-found":
        p = e["package"]
        print(p["name"], p["version"], p["architecture"], e["rule"]["id"])')" \
	"kesl $kver $arch vendor-kesl"
t_status "interdict scan /opt/kaspersky finds its files (exit 1)" 1 \
	interdict scan /opt/kaspersky
t_match "... its binary, by the package's rule, owned by the package" \
	"$T_OUTPUT" "^$kesl +deny +vendor-kesl +[0-9a-f]{12} +kesl $kver\$"
t_match "... and its agent" "$T_OUTPUT" \
	"^$kagent +deny +vendor-kesl +[0-9a-f]{12} +kesl $kver\$"
# a rule not made from the package: scan asks dpkg who owns the file
mkdir -p /tmp/tree-policy
echo 'deny path=/opt/kaspersky/ id=vendor-tree' >/tmp/tree-policy/tree.rules
t_status "scan under a path rule (exit 1)" 1 \
	interdict scan --policy /tmp/tree-policy /opt/kaspersky
t_match "... names the package that owns the file" "$T_OUTPUT" \
	"^$kesl +deny +vendor-tree +- +kesl $kver\$"
rm -rf /tmp/tree-policy

t_fails_with "the package's binary: Operation not permitted" \
	'Operation not permitted' "$kesl"
journal() { journalctl -u interdictd -o json --no-pager INTERDICT_EVENT=1 "$@"; }
t_wait "the denial reaches the journal" 10 sh -c \
	"journalctl -u interdictd -o json --no-pager INTERDICT_EVENT=1 RULE_ID=vendor-kesl FILE_PATH=$kesl | grep -q exec-denied"
j=$(journal RULE_ID=vendor-kesl FILE_PATH="$kesl")
t_match "... exec-denied" "$j" '"EVENT_ACTION":"exec-denied"'
t_match "... with the rule's message" "$j" '"RULE_DESCRIPTION":"banned endpoint agent"'
t_fails_with "its agent: Operation not permitted" 'Operation not permitted' \
	"$kagent" 1
cp "$kesl" "$copy"
t_fails_with "a copy elsewhere: denied by the SHA-256 rule" \
	'Operation not permitted' "$copy"
t_wait "... the copy's denial reaches the journal" 10 sh -c \
	"journalctl -u interdictd -o json --no-pager INTERDICT_EVENT=1 RULE_ID=vendor-kesl FILE_PATH=$copy | grep -q exec-denied"
t_match "... with the content's SHA-256" \
	"$(journal RULE_ID=vendor-kesl FILE_PATH="$copy")" \
	"\"FILE_HASH_SHA256\":\"$(sha256sum "$copy" | cut -d' ' -f1)\""

gen=$(field "d['policy']['generation']")
since=$(date '+%Y-%m-%d %H:%M:%S')
t_ok "dpkg -r removes the package" dpkg -r kesl
t_eq "... its files are gone" "$(ls -A "${kesl%/*}" 2>/dev/null)" ""
t_wait "the daemon sees that dpkg changed and reloads" 30 sh -c \
	"[ \"\$(interdict -j status | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"policy\"][\"generation\"])')\" -gt $gen ]"
t_eq "... and the reload succeeded" "$(field "d['last_reload']['ok']")" True
t_match "... the journal says why" \
	"$(journalctl -u interdictd --no-pager -o cat --since "$since")" \
	'the dpkg database changed: resolving package= rules again'
t_eq "... and has no error since" \
	"$(journalctl -u interdictd --no-pager -o cat -p err --since "$since")" ""
t_ok "the copy runs: the package's rules went with it" "$copy"
t_ok "interdict check: a package= rule that matches nothing is valid" \
	interdict check
rm -rf "$copy" "$root" /tmp/kesl.deb /etc/interdict/policy.d/55-kesl.rules
t_ok "systemctl reload without the rule" systemctl reload interdictd

t_ok "apt remove" apt-get remove -y -q interdict
t_ok "removed: the agent runs" "$agent"
t_eq "removed: no pins left" "$(ls -A /sys/fs/bpf/interdict 2>/dev/null | wc -l)" 0
t_eq "removed: the unit is gone" "$(systemctl is-active interdictd)" inactive
t_ok "apt purge" apt-get purge -y -q interdict
t_eq "purged: no /etc/interdict" "$(ls -d /etc/interdict 2>/dev/null)" ""
t_eq "purged: no /var/log/interdict" "$(ls -d /var/log/interdict 2>/dev/null)" ""
t_eq "purged: dpkg has no trace" \
	"$(dpkg-query -W -f='${db:Status-Status}' interdict 2>/dev/null)" ""
t_end
