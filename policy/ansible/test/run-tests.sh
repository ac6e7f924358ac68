#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Applies the role to this host four times, as the system tests do inside a
# systemd-booted Debian VM, and checks what each run must do:
#   01-first     installs the package, starts interdictd, audit mode, rules live
#   02-same      the same variables again: changed=0
#   03-new-rule  a rule added, mode switched to enforce: reloaded, live,
#                same daemon (no restart), a denied binary gets EPERM
#   04-broken    a broken rule: the play fails at validate, the rules file,
#                the policy in force and the mode stay as they were
# Usage (as root, on a disposable host): run-tests.sh PACKAGE
# PACKAGE is the path of interdict_VERSION_ARCH.deb on this host, or a
# package name. Prints one line per check and ends with "N passed, N failed".
set -u
cd "$(dirname "$0")" || exit 2
[ $# -eq 1 ] || { echo "usage: $0 PACKAGE" >&2; exit 2; }
pkg=$1
export ANSIBLE_NOCOLOR=1 ANSIBLE_CONFIG="$PWD/ansible.cfg"
rules=/etc/interdict/policy.d/50-ansible.rules
out=$(mktemp -d) || exit 2
trap 'rm -rf -- "$out"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok   $*"; }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }
check() { what=$1; shift; if "$@"; then ok "$what"; else ko "$what"; fi; }

play() {	# play NAME: runs site.yml with vars/NAME.yml; $rc, $out/NAME.log
	ansible-playbook -i inventory -c local site.yml \
		-e "interdict_package=$pkg" -e "@vars/$1.yml" >"$out/$1.log" 2>&1
	rc=$?
}
recap() { grep -E '^localhost +:' "$out/$1.log" | tail -n 1; }
status() { interdict -j status | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
no_rule() { ! has_rule "$1"; }
unchanged() { grep -Eq '^localhost +:.* changed=0 ' "$out/$1.log"; }
denied() { ! "$1" 2>"$out/eperm" && grep -q "Operation not permitted" "$out/eperm"; }
has_rule() { interdict -j rules | python3 -c "import json,sys; sys.exit(0 if any(r['id'] == '$1' for r in json.load(sys.stdin)['rules']) else 1)"; }

play 01-first
check "01 first run succeeds" [ "$rc" -eq 0 ]
check "01 interdictd is active" systemctl -q is-active interdictd
check "01 interdictd is enabled" systemctl -q is-enabled interdictd
check "01 mode is audit" [ "$(status "d['mode']")" = audit ]
check "01 cm-test-tree is in force" has_rule cm-test-tree

play 02-same
check "02 second run succeeds" [ "$rc" -eq 0 ]
check "02 second run changes nothing: $(recap 02-same)" unchanged 02-same
pid=$(status "d['daemon']['pid']")

play 03-new-rule
check "03 run with a new rule succeeds" [ "$rc" -eq 0 ]
check "03 cm-test-script is in force" has_rule cm-test-script
check "03 mode is enforce" [ "$(status "d['mode']")" = enforce ]
check "03 mode switched without a restart" [ "$(status "d['daemon']['pid']")" = "$pid" ]
mkdir -p /opt/interdict-test/banned
cp /bin/true /opt/interdict-test/banned/tool
cp /bin/true /opt/interdict-test/banned/uninstall
check "03 a denied binary gets EPERM" denied /opt/interdict-test/banned/tool
check "03 the carved-out binary runs" /opt/interdict-test/banned/uninstall

before=$(sha256sum "$rules")
digest=$(status "d['policy']['digest']")
play 04-broken
check "04 run with a broken rule fails" [ "$rc" -ne 0 ]
check "04 it fails at validate" grep -q "failed to validate" "$out/04-broken.log"
check "04 the rules file is unchanged" [ "$(sha256sum "$rules")" = "$before" ]
check "04 the policy in force is unchanged" [ "$(status "d['policy']['digest']")" = "$digest" ]
check "04 mode is still enforce" [ "$(status "d['mode']")" = enforce ]
check "04 cm-test-broken is not in force" no_rule cm-test-broken

if [ "$fail" -gt 0 ]; then
	for f in "$out"/*.log; do echo "--- $f"; cat "$f"; done
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
