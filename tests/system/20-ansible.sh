#!/bin/sh
# The Ansible role applied with ansible-playbook -c local, as a fleet would:
# a first run installs and enforces in audit mode, the same variables again
# change nothing, a new rule reloads and is live, a broken rule fails the
# play and the host keeps its policy (policy/ansible/test/run-tests.sh).
. "${0%/*}/lib.sh"

t_begin ansible

deb=$(ls "$T_PAYLOAD"/debs/interdict_*_amd64.deb | grep -v '+' | head -n 1)
[ -f "$deb" ] || t_skip_all "no interdict package in the payload (make deb)"
command -v ansible-playbook >/dev/null || t_skip_all "no ansible-playbook here"
t_diag "$(ansible-playbook --version | head -n 1)"
# One result per line of the role's own test script.
sh "$T_PAYLOAD/policy/ansible/test/run-tests.sh" "$deb" >/tmp/ansible.out 2>&1
while IFS= read -r line; do
	case $line in
	"ok   "*) t_pass "${line#ok   }" ;;
	"FAIL "*) t_fail "${line#FAIL }" ;;
	*) t_diag "$line" ;;
	esac
done </tmp/ansible.out
# leave the host as it was, for the suites after this one
t_ok "apt purge after the role's runs" apt-get purge -y -q interdict
t_end
