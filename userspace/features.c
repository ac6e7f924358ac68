// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the running kernel offers for enforcement (BTF, BPF LSM, IMA), read
 * once from /sys, /proc and the kernel config, and the fix for what is missing.
 */
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>
#include <bpf/btf.h>

#include "interdict.h"

static int read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

/* "y", "m" or "n" for CONFIG_<name> from /boot/config-$(uname -r) or
 * /proc/config.gz; '?' when neither can be read. */
static char kconfig(const char *name)
{
	char path[512], line[512], want[128];
	struct utsname u;
	gzFile gz;
	size_t wl;
	char res = '?';

	snprintf(want, sizeof(want), "CONFIG_%s=", name);
	wl = strlen(want);
	uname(&u);
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	gz = gzopen(path, "rb");	/* reads plain text files too */
	if (!gz)
		gz = gzopen("/proc/config.gz", "rb");
	if (!gz)
		return res;
	res = 'n';
	while (gzgets(gz, line, sizeof(line))) {
		if (!strncmp(line, want, wl)) {
			res = line[wl];
			break;
		}
	}
	gzclose(gz);
	return res;
}

/* "none integrity [confidentiality]" -> "confidentiality" */
static void lockdown_level(const char *text, char *out, size_t len)
{
	const char *a = strchr(text, '['), *b = a ? strchr(a, ']') : NULL;

	if (!a || !b || b - a - 1 <= 0 || (size_t)(b - a - 1) >= len) {
		snprintf(out, len, "unknown");
		return;
	}
	memcpy(out, a + 1, b - a - 1);
	out[b - a - 1] = 0;
}

void features_probe(struct features *f)
{
	char cmdline[4096] = "";
	const char *p;
	struct utsname u;

	memset(f, 0, sizeof(*f));
	uname(&u);
	snprintf(f->release, sizeof(f->release), "%s", u.release);
	f->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	f->securityfs = read_text("/sys/kernel/security/lsm", f->lsm,
				  sizeof(f->lsm)) == 0;
	f->bpf_lsm_active = f->securityfs && strstr(f->lsm, "bpf") != NULL;
	f->config_bpf_lsm = kconfig("BPF_LSM");
	f->config_ima = kconfig("IMA");
	f->ima_active = access("/sys/kernel/security/ima", F_OK) == 0 ||
			access("/sys/kernel/security/integrity/ima", F_OK) == 0;
	if (read_text("/sys/kernel/security/lockdown", f->lockdown,
		      sizeof(f->lockdown)))
		strcpy(f->lockdown, "unknown");
	lockdown_level(f->lockdown, f->lockdown_level,
		       sizeof(f->lockdown_level));
	/* LOCKDOWN_BPF_READ_KERNEL is part of confidentiality only */
	f->probe_read = strcmp(f->lockdown_level, "confidentiality") != 0;
	read_text("/proc/cmdline", cmdline, sizeof(cmdline));
	p = strstr(cmdline, "ima_hash=");
	if (p)
		sscanf(p + strlen("ima_hash="), "%15s", f->ima_hash);
}

/* The first thing that stops enforcement, with its fix; NULL if none. */
const char *features_blocker(const struct features *f, char *buf, size_t len)
{
	if (f->config_bpf_lsm == 'n') {
		snprintf(buf, len, "this kernel was built without "
			 "CONFIG_BPF_LSM; boot a kernel with CONFIG_BPF_LSM=y "
			 "(Debian's 6.1 and later kernels have it)");
		return buf;
	}
	if (!f->btf) {
		snprintf(buf, len, "the kernel has no BTF (/sys/kernel/btf/"
			 "vmlinux is missing); boot a kernel built with "
			 "CONFIG_DEBUG_INFO_BTF=y");
		return buf;
	}
	if (!f->securityfs) {
		snprintf(buf, len, "cannot read /sys/kernel/security/lsm; "
			 "mount securityfs: mount -t securityfs securityfs "
			 "/sys/kernel/security");
		return buf;
	}
	if (!f->bpf_lsm_active) {
		snprintf(buf, len, "'bpf' is not in the active LSM list (%s); "
			 "add it to the kernel command line: "
			 "lsm=%s,bpf (in /etc/default/grub, "
			 "GRUB_CMDLINE_LINUX, then update-grub and reboot)",
			 f->lsm, f->lsm);
		return buf;
	}
	return NULL;
}

/* What the programs do without, on this kernel, and why; NULL if nothing. */
const char *features_off(const struct features *f)
{
	if (f->probe_read)
		return NULL;
	return "the per-inode cache of \"no path rule applies\" is off: it "
	       "keys on the mount id, which only bpf_probe_read_kernel() can "
	       "reach, and the kernel withholds that helper (kernel lockdown: "
	       "confidentiality). Every rule is enforced as usual; exec, mmap "
	       "and open of files no rule names cost a path lookup each time. "
	       "Exec events leave out interdict.exec_args (the argv tried), "
	       "which needs bpf_probe_read_user_str(), withheld with it. "
	       "Before Linux 6.12, path rules on a directory inside an "
	       "overlay layer do not name that layer's files reached through "
	       "an overlay mount (reaching the layer's dentries needs the "
	       "helper there); SHA-256 rules and rules on the overlay's own "
	       "paths do";
}

/* Whether the kernel has the file_post_open hook (6.9 and later), which
 * SHA-256 rules with on=open need: the one place a file can be hashed
 * once it is open and before the open returns. Read from the kernel's
 * BTF once. */
bool features_post_open(void)
{
	static int known = -1;
	struct btf *btf;

	if (known < 0) {
		btf = btf__load_vmlinux_btf();
		known = btf && btf__find_by_name_kind(btf,
				"bpf_lsm_file_post_open", BTF_KIND_FUNC) > 0;
		btf__free(btf);
	}
	return known;
}

/* Whether struct `type` of btf (NULL: none) has a member `name`. */
bool btf_has_member(const struct btf *btf, const char *type, const char *name)
{
	const struct btf_member *m;
	const struct btf_type *t;
	int id, i;

	id = btf ? btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT) : -1;
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	if (!t)
		return false;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), name))
			return true;
	return false;
}

/* Whether execveat(AT_EXECVE_CHECK) exists here (6.14 and later): the
 * flag the exec check program reads, bprm->is_check. */
bool features_exec_check(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool has = btf_has_member(btf, "linux_binprm", "is_check");

	btf__free(btf);
	return has;
}

/* Rules this kernel cannot enforce, each reported at its file and line:
 * SHA-256 rules with on=open without file_post_open. */
int policy_check_kernel_diags(const struct policy *p, bool post_open,
			      struct diags *d)
{
	struct utsname u;
	size_t i;
	int bad = 0;

	if (post_open)
		return 0;
	uname(&u);
	for (i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		if (r->kind != MATCH_SHA256 || !(r->hooks & ID_HOOK_OPEN))
			continue;
		diag_add(d, false, r->file, r->line, "rule '%s': sha256= with on=open needs the kernel's file_post_open hook (Linux 6.9 and later), which this kernel (%s) lacks; use on=exec,mmap here, or a path rule with on=open", r->id, u.release);
		bad = -EINVAL;
	}
	return bad;
}

int policy_check_kernel(const struct policy *p, FILE *err)
{
	struct diags d = { .f = err };

	return policy_check_kernel_diags(p, features_post_open(), &d);
}
