// SPDX-License-Identifier: GPL-2.0-only
/*
 * interdictd: puts the LSM programs in force and keeps them there. It
 * adopts what an earlier daemon pinned (or hands over from another build),
 * compiles the policy directory into the maps without a gap, writes every
 * event as a JSON line, and answers the control socket. Enforcement is
 * pinned: it outlives the daemon, and only `interdict disable` ends it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "interdict.skel.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: interdictd [--config FILE] [--policy-dir DIR] [--mode audit|enforce]\n"
"                  [--events PATH|-] [--pin-dir DIR] [--control PATH]\n"
"                  [--pid-file PATH]\n"
"                  [--max-sha256-rules N] [--max-path-rules N]\n"
"                  [--refresh SECONDS] [--verbose] [--version]\n"
"Denies exec, executable mappings and opens of the files the policy in\n"
"DIR/*.rules names, and writes one JSON event per denial to PATH (default:\n"
"stdout). Enforcement is pinned under --pin-dir (default " ID_PIN_DIR ")\n"
"and outlives the daemon; `interdict disable` ends it. Options override\n"
"the config file (default " ID_CONFIG_PATH ", if it exists).\n"
"SIGHUP reloads the policy, SIGUSR1 reopens the events file, SIGTERM stops\n"
"the daemon (enforcement stays).\n");
}

static __u64 realtime_offset_ns(void)
{
	struct timespec rt, bt;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	return (rt.tv_sec - bt.tv_sec) * 1000000000ULL + rt.tv_nsec -
	       bt.tv_nsec;
}

/* Where a start or reload spent its time, for the line that says it is
 * done: "policy read 6950 ms, programs verified 2100 ms, ...". */
static struct phases {
	struct timespec last;
	char text[320];
	size_t len;
} phases;

static void phase_begin(void)
{
	clock_gettime(CLOCK_MONOTONIC, &phases.last);
	phases.len = 0;
	phases.text[0] = 0;
}

static void phase_end(const char *what)
{
	struct timespec now;
	long long ms;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - phases.last.tv_sec) * 1000LL +
	     (now.tv_nsec - phases.last.tv_nsec) / 1000000;
	phases.last = now;
	n = snprintf(phases.text + phases.len, sizeof(phases.text) - phases.len,
		     "%s%s %lld ms", phases.len ? ", " : "", what, ms);
	if (n > 0 && (size_t)n < sizeof(phases.text) - phases.len)
		phases.len += n;
}

static const char *mode_name(bool enforce)
{
	return enforce ? "enforce" : "audit";
}

/* The event lines the daemon writes itself (life cycle, metrics) start
 * alike: @timestamp, event.{kind,module,action} and host.hostname. */
static void line_begin(struct daemon *d, struct json *j, FILE *f,
		       const char *kind, const char *action)
{
	struct timespec ts;
	char when[80];

	clock_gettime(CLOCK_REALTIME, &ts);
	event_time(ts.tv_sec * 1000000000ULL + ts.tv_nsec, when, sizeof(when));
	json_event_head(j, f, when, kind, action);
	json_obj_close(j);
	json_obj_open(j, "host");
	json_str(j, "hostname", d->hostname);
	json_obj_close(j);
}

/* One event line to the sink and, when configured, to the journal. The
 * sink's answer decides whether more events are taken now (see sink.c). */
static int emit_line(struct daemon *d, const char *line, size_t len)
{
	if (d->journal && journal_send_line(line, len) < 0)
		d->journal_errors++;
	return sink_write(&d->sink, line, len);
}

/* Hand a finished line (in a memstream) on. */
static void line_emit(struct daemon *d, FILE *f, char **buf, size_t *len)
{
	fclose(f);
	if (*buf)
		emit_line(d, *buf, *len);
	free(*buf);
}

/* What systemctl status shows (Type=notify). */
static void notify_status(struct daemon *d, const char *state)
{
	const struct id_state *st = &d->skel->bss->state;
	const struct policy *p = maps_policy(st->gen);

	sd_notifyf(0, "%s%sSTATUS=%s, mode %s, policy generation %llu, %zu "
		   "rules", state ? state : "", state ? "\n" : "",
		   d->disabled ? "disabled" : "enforcing", mode_name(st->enforce),
		   (unsigned long long)st->gen, p ? p->nrules : 0);
}

static void who_json(struct json *j, const struct ucred *who)
{
	char link[64], exe[PATH_MAX];
	ssize_t n;

	json_obj_open(j, "process");
	json_uint(j, "pid", who->pid);
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)who->pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n > 0)
		json_strn(j, "executable", exe, n);
	json_obj_close(j);
	json_obj_open(j, "user");
	snprintf(link, sizeof(link), "%u", (unsigned)who->uid);
	json_str(j, "id", link);
	json_obj_close(j);
}

static void hex(const __u8 *in, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
}

/* daemon-started, daemon-stopped, mode-changed, disabled, policy-loaded */
static void lifecycle_event(struct daemon *d, const char *action,
			    const char *reason, const struct ucred *who)
{
	const struct id_state *st = &d->skel->bss->state;
	char *buf = NULL, digest[2 * ID_SHA256_LEN + 1];
	size_t len = 0;
	struct json j;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	hex(st->policy_digest[st->gen & 1], ID_SHA256_LEN, digest);
	line_begin(d, &j, f, "state", action);
	if (who)
		who_json(&j, who);
	json_obj_open(&j, "interdict");
	json_str(&j, "version", INTERDICT_VERSION);
	json_str(&j, "mode", mode_name(st->enforce));
	json_uint(&j, "policy_generation", st->gen);
	json_str(&j, "policy_digest", digest);
	json_str(&j, "pin_dir", d->pin_dir);
	if (reason)
		json_str(&j, "reason", reason);
	if (!strcmp(action, "daemon-started")) {
		json_str(&j, "start", d->start_kind);
		json_str(&j, "previous_stop", d->previous_stop);
	}
	json_obj_close(&j);
	json_end(&j);
	line_emit(d, f, &buf, &len);
}

/* The line at b->p + start to the journal. Its reader scans \u escapes
 * with sscanf(), which reads a string: a NUL follows the line (outside
 * it: the batch goes on after it). */
static int journal_line(struct jbuf *b, size_t start)
{
	int err = jbuf_reserve(b, 1);

	if (err) {
		b->failed = false;	/* the batch itself is whole */
		return err;
	}
	b->p[b->len] = 0;
	return journal_send_line(b->p + start, b->len - start);
}

/* Each record is encoded straight into the sink's batch; the batch goes
 * out in one write once it is large or before the daemon sleeps. */
static int handle_event(void *ctx, void *data, size_t len)
{
	struct daemon *d = ctx;
	const struct id_event *ev = data;
	char link[64], exe[PATH_MAX], cgroup[PATH_MAX];
	struct event_ctx ec = { .hostname = d->hostname, .names = true };
	struct jbuf *b = sink_line(&d->sink);
	size_t start = b->len;
	ssize_t n;

	if (len < sizeof(*ev))
		return 0;
	ec.policy = maps_policy(ev->gen);
	ec.realtime_offset_ns = d->realtime_offset_ns;
	/* the kernel names the executable; the tamper hooks cannot */
	if (!ev->len[ID_STR_EXE]) {
		snprintf(link, sizeof(link), "/proc/%u/exe", ev->pid);
		n = readlink(link, exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = 0;
			ec.exe = exe;
		}
	}
	if (!event_cgroup_path(ev->cgroup_id, cgroup, sizeof(cgroup)))
		ec.cgroup = cgroup;
	if (event_append_json(b, ev, len, &ec)) {
		d->sink.dropped++;	/* no memory for it: counted */
		return 0;
	}
	if (d->journal && journal_line(b, start) < 0)
		d->journal_errors++;
	/* A line the sink cannot take is held: stop consuming, the rest
	 * stays in the ring buffer. */
	return sink_commit(&d->sink, start);
}

/* Take what the ring buffer holds. The clock offset is read once per
 * batch: it only moves when the clock is set. */
static void consume(struct daemon *d, struct ring_buffer *rb)
{
	d->realtime_offset_ns = realtime_offset_ns();
	ring_buffer__consume(rb);
}

/* Counters the kernel keeps: report growth, never lose it silently. */
static void check_counters(struct daemon *d)
{
	const struct id_state *st = &d->skel->bss->state;
	__u64 lost = st->events_lost, herr = st->hash_errors;
	__u64 deep = st->deep_denied, ldeny = st->link_denied;
	char *buf = NULL;
	size_t len = 0;
	struct json j;
	FILE *f;

	if (lost != d->lost_seen && (f = open_memstream(&buf, &len))) {
		log_warnx("events", "%llu events lost: the ring buffer was "
			  "full (%llu in total)",
			  (unsigned long long)(lost - d->lost_seen),
			  (unsigned long long)lost);
		line_begin(d, &j, f, "metric", "events-lost");
		json_obj_open(&j, "interdict");
		json_uint(&j, "events_lost", lost - d->lost_seen);
		json_uint(&j, "events_lost_total", lost);
		json_str(&j, "events_lost_where", "kernel");
		json_obj_close(&j);
		json_end(&j);
		line_emit(d, f, &buf, &len);
		d->lost_seen = lost;
	}
	/* Lines the events file had no room for while it failed: said once
	 * it takes lines again, so the line itself is not dropped too. */
	if (d->sink.dropped != d->dropped_seen && !d->sink.failing &&
	    (f = open_memstream(&buf, &len))) {
		__u64 n = d->sink.dropped - d->dropped_seen;

		log_warnx("events", "%llu event lines dropped while the events "
			  "file failed (more than %u KiB held; %llu in total)",
			  (unsigned long long)n, SINK_HOLD_MAX >> 10,
			  (unsigned long long)d->sink.dropped);
		d->dropped_seen = d->sink.dropped;
		line_begin(d, &j, f, "metric", "events-lost");
		json_obj_open(&j, "interdict");
		json_uint(&j, "events_lost", n);
		json_uint(&j, "events_lost_total", d->sink.dropped);
		json_str(&j, "events_lost_where", "sink");
		json_obj_close(&j);
		json_end(&j);
		line_emit(d, f, &buf, &len);
	}
	if (herr != d->hash_errors_seen) {
		log_warnx("kernel", "%llu files could not be hashed (last "
			  "bpf_ima_file_hash() result %lld); SHA-256 rules did "
			  "not apply to them, path rules did",
			  (unsigned long long)(herr - d->hash_errors_seen),
			  (long long)st->hash_last_ret);
		d->hash_errors_seen = herr;
	}
	if (deep != d->deep_denied_seen) {
		log_warnx("kernel", "%llu files denied because their path was "
			  "deeper than %u directories (fail closed; %llu in "
			  "total)", (unsigned long long)(deep -
			  d->deep_denied_seen), ID_MAX_DEPTH,
			  (unsigned long long)deep);
		d->deep_denied_seen = deep;
	}
	if (ldeny != d->link_denied_seen) {
		log_warnx("kernel", "%llu files denied because they were reached "
			  "through a changed symbolic link of a rule path not "
			  "resolved again yet (fail closed; %llu in total)",
			  (unsigned long long)(ldeny - d->link_denied_seen),
			  (unsigned long long)ldeny);
		d->link_denied_seen = ldeny;
	}
	if (st->names_full != d->names_full_seen) {
		log_warnx("kernel", "%llu changes of links on rule paths found "
			  "no room to be followed until resolved: their new "
			  "target is matched once resolved again",
			  (unsigned long long)(st->names_full -
					       d->names_full_seen));
		d->names_full_seen = st->names_full;
	}
}

/* Parse and validate DIR into a new policy; NULL after printing errors. */
static struct policy *parse_policy(struct daemon *d, FILE *err_out)
{
	struct policy *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return NULL;
	/* files unchanged since the policy in force was read are not read
	 * again: a reload after one small file changed beside a million
	 * rules reads that file only */
	p->reuse = d->skel ? maps_policy(d->skel->bss->state.gen) : NULL;
	err = policy_load_dir(p, d->policy_dir, err_out);
	p->reuse = NULL;
	if (p->nreused)
		log_info("policy", "%zu of %zu policy files unchanged since "
			 "generation %llu was read: their rules taken as they "
			 "were", p->nreused, p->nfiles,
			 (unsigned long long)d->skel->bss->state.gen);
	phase_end("policy read");
	if (!err)
		err = policy_check_protected(p, d->pb, d->npb, err_out);
	if (!err)
		err = policy_check_kernel(p, err_out);
	phase_end("checked");
	if (err) {
		policy_free(p);
		free(p);
		return NULL;
	}
	return p;
}

/* Put p in force; on any error the policy in force stays. */
static int install_policy(struct daemon *d, struct policy *p, FILE *err_out)
{
	__u64 changes = __atomic_load_n(&d->skel->bss->state.link_changes,
					__ATOMIC_ACQUIRE);
	__u8 digest[ID_SHA256_LEN];
	bool open_hook, content_hook;
	char why[512];
	int err;

	if (policy_digest(p, digest))
		memset(digest, 0, sizeof(digest));
	phase_end("digest");
	/* on=open rules need file_open attached before they are in force,
	 * SHA-256 ones file_post_open too; each is detached once a policy
	 * without them is (see openhook.c) */
	open_hook = open_hook_needed(p);
	content_hook = content_hook_needed(p);
	err = open_hook ? open_hook_set(d->skel, d->pin_dir, true, why,
					sizeof(why)) : 0;
	if (!err && content_hook)
		err = content_hook_set(d->skel, d->pin_dir, true, why,
				       sizeof(why));
	if (!err)
		err = maps_install(d->skel, p, &d->lim, digest, why,
				   sizeof(why));
	phase_end("maps");
	if (err) {
		log_warnx("policy", "%s", why);
		if (err_out != stderr)
			fprintf(err_out, "%s\n", why);
		policy_free(p);
		free(p);
		return err;
	}
	/* Events queued by the generation found pinned name its rules only
	 * if that generation was loaded from these very files. */
	if (d->adopted_gen && !memcmp(digest, d->adopted_digest, sizeof(digest)))
		maps_alias(d->adopted_gen, d->skel->bss->state.gen);
	/* detaching failed: the program stays attached, which costs time */
	if (!open_hook &&
	    open_hook_set(d->skel, d->pin_dir, false, why, sizeof(why)))
		log_warnx("kernel", "%s", why);
	if (!content_hook &&
	    content_hook_set(d->skel, d->pin_dir, false, why, sizeof(why)))
		log_warnx("kernel", "%s", why);
	links_watch(d->skel, p);
	links_disarm(d->skel);
	/* changes the paths were resolved after are followed no longer */
	d->links_again = links_settle(d->skel, changes);
	phase_end("links");
	return 0;
}

/* --- what still runs: process-running events ------------------------- */

/* Set when a policy went into force; the walk runs from the event loop
 * once the answer to whoever asked is out, so it never holds up a reload
 * (and enforcement, in the kernel, never waits for it). */
static bool running_pending;

static int running_event(const struct proc_match *m, void *arg)
{
	struct daemon *d = arg;
	const struct policy *p = maps_policy(d->skel->bss->state.gen);
	char *buf = NULL;
	size_t len = 0;
	struct json j;
	FILE *f;

	if (m->rule->action != ID_ACT_DENY)
		return 0;		/* allowed to run */
	f = open_memstream(&buf, &len);
	if (!f)
		return 0;
	line_begin(d, &j, f, "event", "process-running");
	/* no user.name: NSS may want sockets the sandbox refuses */
	proc_match_json(&j, p, m, false);
	json_obj_open(&j, "interdict");
	proc_match_json_interdict(&j, m);
	json_str(&j, "mode", mode_name(d->skel->bss->state.enforce));
	json_uint(&j, "policy_generation", d->skel->bss->state.gen);
	json_obj_close(&j);
	json_end(&j);
	line_emit(d, f, &buf, &len);
	return 0;
}

/* Processes that started before the policy in force and that it would
 * have denied (or audited): the kernel checks exec and mmap, not what
 * already runs, so the SIEM hears of them here. */
static void running_report(struct daemon *d)
{
	const struct policy *p = maps_policy(d->skel->bss->state.gen);
	struct verdict v;
	int err;

	running_pending = false;
	if (!p || verdict_init(&v, p))
		return;
	err = proc_scan(&v, running_event, d);
	if (err)
		log_warnx("policy", "cannot list running processes: %s",
			  strerror(-err));
	verdict_free(&v);
}

/* Parse and install the policy directory: one path for SIGHUP, the
 * control socket's reload and the start. */
static int reload(struct daemon *d, FILE *err_out)
{
	struct reload_result *r = &d->last_reload;
	char *errs = NULL;
	size_t elen = 0;
	FILE *ef = open_memstream(&errs, &elen);
	struct policy *p;
	int err = -EINVAL;

	gethostname(d->hostname, sizeof(d->hostname) - 1);
	sd_notify(0, "RELOADING=1");
	phase_begin();
	p = parse_policy(d, ef ? ef : err_out);
	if (p)
		err = install_policy(d, p, ef ? ef : err_out);
	if (ef)
		fclose(ef);
	r->ok = !err;
	r->gen = d->skel->bss->state.gen;
	r->when = time(NULL);
	snprintf(r->errors, sizeof(r->errors), "%s", errs ? errs : "");
	if (errs && err_out && err_out != stderr)
		fputs(errs, err_out);
	else if (errs && *errs)
		fputs(errs, stderr);
	free(errs);
	if (err)
		log_warnx("policy", "reload rejected; generation %llu stays in "
			  "force", (unsigned long long)r->gen);
	else
		lifecycle_event(d, "policy-loaded", NULL, NULL);
	if (!err)
		log_info("policy", "reloaded (%s)", phases.text);
	running_pending |= !err;
	notify_status(d, "READY=1");
	return err;
}

/* Resolve the rule paths again after a change of a link on one. "rule
 * paths resolved again" is said only of a resolution that saw every
 * change so far in effect: the kernel wakes us as a rename or unlink
 * begins, and one resolved before it took effect is followed by another
 * (links_again), which is the one that says so. */
static void resolve_links(struct daemon *d, const char *why)
{
	log_info("policy", "%s", why);
	if (!reload(d, stderr) && !d->links_again)
		log_info("policy", "rule paths resolved again: generation %llu "
			 "in force", (unsigned long long)d->skel->bss->state.gen);
}

/* --- starting: fresh, adopted or handed over -------------------------- */

/* Another build's pin directories (and leftovers of a failed start). */
static void find_old(struct daemon *d, const char *mine)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dp = opendir(d->pin_base);

	while (dp && (de = readdir(dp))) {
		struct old_build *o = &d->old[d->nold];

		if (de->d_name[0] == '.' || !strcmp(de->d_name, mine))
			continue;
		snprintf(path, sizeof(path), "%s/%s", d->pin_base, de->d_name);
		if (strstr(de->d_name, "-tmp")) {
			pin_remove(path);	/* never attached from here */
			continue;
		}
		if (d->nold == MAX_OLD)
			continue;
		snprintf(o->dir, sizeof(o->dir), "%s", path);
		if (pin_read_head(o->dir, &o->head)) {
			log_warnx("pin", "%s: cannot read its state (no access, "
				  "or not interdict's); left in place", o->dir);
			continue;
		}
		d->nold++;
	}
	if (dp)
		closedir(dp);
}

static const char *stop_name(__u32 reason)
{
	return reason == ID_STOP_SIGNAL ? "signal" :
	       "unclean (killed, crashed or out of memory)";
}

static int trust_self(struct daemon *d)
{
	const char *paths[] = { "/proc/self/exe", d->exe_path };

	return pin_trust(d->skel, paths, d->exe_path[0] ? 2 : 1);
}

static int start_fresh(struct daemon *d, __u64 tag, char *why, size_t len)
{
	struct id_state *st = &d->skel->bss->state;
	int err;

	err = loader_load(d->skel, why, len);
	phase_end("programs verified");
	if (err)
		return err;
	st->obj_tag = tag;
	st->head_size = sizeof(struct id_state_head);
	st->event_abi = ID_EVENT_ABI;
	st->daemon_tgid = getpid();
	st->enforce = d->enforce != 0;
	if (d->nold) {
		/* carry on the generations and the mode of the build before */
		st->gen = d->old[0].head.gen;
		if (d->enforce < 0)
			st->enforce = d->old[0].head.enforce;
	}
	/* The iterator first: it fills the maps the tamper hooks read. */
	err = loader_attach(d->skel, "identify", why, len);
	if (err)
		return err;
	err = trust_self(d);
	if (err) {
		snprintf(why, len, "cannot identify interdictd's own "
			 "executable: %s", strerror(-err));
		return err;
	}
	err = maps_protect(d->skel, d->pb, d->npb);
	if (err)
		log_warnx("kernel", "cannot protect the critical binaries: %s",
			  strerror(-err));
	phase_end("self identified");
	err = loader_attach(d->skel, NULL, why, len);
	phase_end("attached");
	if (!err) {
		/* file_open sees every write-open from now on (install_policy
		 * detaches it if the policy does not need it) */
		open_hook_started(d->skel);
		err = pin_all(d->skel, d->pin_dir, why, len);
	}
	if (!err && (err = pin_register(d->skel, d->pin_dir)))
		snprintf(why, len, "cannot register the pins: %s",
			 strerror(-err));
	phase_end("pinned");
	d->start_kind = d->nold ? "upgraded" : "fresh";
	return err;
}

static int start_adopted(struct daemon *d, char *why, size_t len)
{
	struct id_state *st;
	int err = pin_adopt(d->skel, d->pin_dir, why, len);

	if (err)
		return err;
	st = &d->skel->bss->state;
	d->previous_stop = stop_name(st->stop_reason);
	d->adopted_gen = st->gen;
	memcpy(d->adopted_digest, st->policy_digest[st->gen & 1],
	       ID_SHA256_LEN);
	d->lost_seen = st->events_lost;	/* reported by the daemon before */
	d->hash_errors_seen = st->hash_errors;
	d->deep_denied_seen = st->deep_denied;
	d->link_denied_seen = st->link_denied;
	d->names_full_seen = st->names_full;
	st->daemon_tgid = getpid();
	if (d->enforce >= 0)
		st->enforce = d->enforce;
	maps_adopt();
	err = trust_self(d);
	if (!err)
		err = pin_register(d->skel, d->pin_dir);
	if (err)
		snprintf(why, len, "cannot update the pinned state: %s",
			 strerror(-err));
	d->start_kind = "adopted";
	return err;
}

static int start_enforcement(struct daemon *d, char *why, size_t len)
{
	char mine[32];
	__u64 tag;
	int err;

	err = pin_prepare(d->pin_base, why, len);
	if (err)
		return err;
	err = loader_open(&d->skel, &d->lim);
	phase_end("object opened");
	if (err) {
		snprintf(why, len, "cannot open the BPF object: %s",
			 strerror(-err));
		return err;
	}
	tag = pin_tag(&d->lim);
	snprintf(mine, sizeof(mine), "%016llx", (unsigned long long)tag);
	snprintf(d->pin_dir, sizeof(d->pin_dir), "%s/%s", d->pin_base, mine);
	find_old(d, mine);
	d->previous_stop = d->nold ? stop_name(d->old[0].head.stop_reason) :
			   "none";
	if (access(d->pin_dir, F_OK) == 0) {
		err = start_adopted(d, why, len);
		if (err == -EPERM || err == -EACCES)
			log_warnx("pin", "the enforcement pinned in %s was not "
				  "started by a build of interdictd that trusts "
				  "this executable (%s); it stays in force",
				  d->pin_dir, d->exe_path);
		return err;
	}
	return start_fresh(d, tag, why, len);
}

/* After our policy is in force: write what the builds before us queued,
 * then remove their pins, which detaches their programs. */
static void finish_handover(struct daemon *d)
{
	int i, fd, err;

	for (i = 0; i < d->nold; i++) {
		struct old_build *o = &d->old[i];
		struct ring_buffer *rb = NULL;

		fd = pin_open_events(o->dir);
		if (fd >= 0 && o->head.event_abi == ID_EVENT_ABI)
			rb = ring_buffer__new(fd, handle_event, d, NULL);
		if (rb)
			consume(d, rb);
		else
			log_warnx("pin", "%s: events of another layout (ABI %u) "
				  "left unread", o->dir, o->head.event_abi);
		/* its programs deny before ours until they are detached, and
		 * write there: read the ring again once they are */
		err = pin_detach(o->dir);
		if (rb) {
			consume(d, rb);
			ring_buffer__free(rb);
		}
		if (fd >= 0)
			close(fd);
		if (o->head.events_lost)
			log_warnx("events", "%llu events were lost under the "
				  "build before (%s)", (unsigned long long)
				  o->head.events_lost, o->dir);
		if (err)
			log_warnx("pin", "cannot remove %s: %s; its programs "
				  "stay attached beside ours", o->dir,
				  strerror(-err));
		else
			log_info("pin", "handed over from %s", o->dir);
	}
}

/* --- the verbs of the control socket ---------------------------------- */

static void kv(FILE *out, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void kv(FILE *out, const char *label, const char *fmt, ...)
{
	va_list ap;

	fprintf(out, "%-18s ", label);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

static size_t programs_attached(struct daemon *d)
{
	struct bpf_object_skeleton *s = d->skel->skeleton;
	size_t n = 0;
	int i;

	for (i = 0; i < s->prog_cnt; i++)
		n += *s->progs[i].link != NULL;
	return n;
}

/* execveat(AT_EXECVE_CHECK) answered by the exec rules (6.14 and later) */
static bool exec_check_attached(struct daemon *d)
{
	return d->skel->links.bprm_creds_for_exec != NULL;
}

int daemon_status(struct daemon *d, FILE *out, bool json)
{
	const struct id_state *st = &d->skel->bss->state;
	const struct policy *p = maps_policy(st->gen);
	const struct reload_result *r = &d->last_reload;
	char digest[2 * ID_SHA256_LEN + 1];
	size_t nsha = p ? p->nsha : 0, npath = p ? p->npath : 0;
	size_t nrules = p ? p->nrules : 0;
	long uptime = time(NULL) - d->started;
	struct json j;

	hex(st->policy_digest[st->gen & 1], ID_SHA256_LEN, digest);
	if (!json) {
		kv(out, "version", "%s", INTERDICT_VERSION);
		kv(out, "mode", "%s", mode_name(st->enforce));
		kv(out, "policy", "generation %llu, %zu rules (%zu SHA-256, "
		   "%zu path), digest %.16s", (unsigned long long)st->gen,
		   nrules, nsha, npath, digest);
		kv(out, "limits", "%zu/%u SHA-256, %zu/%u path rules", nsha,
		   d->lim.sha_rules, npath, d->lim.path_rules);
		kv(out, "events", "%llu written, %llu lost, %llu write errors%s",
		   (unsigned long long)d->sink.written,
		   (unsigned long long)st->events_lost,
		   (unsigned long long)d->sink.write_errors,
		   d->sink.failing ? " (the sink is failing now)" : "");
		kv(out, "tamper", "%llu attempts denied",
		   (unsigned long long)st->tamper_denied);
		kv(out, "hash errors", "%llu", (unsigned long long)st->hash_errors);
		kv(out, "fail closed", "%llu files denied because their path "
		   "was deeper than %u directories, %llu reached through a "
		   "changed link not resolved yet",
		   (unsigned long long)st->deep_denied, ID_MAX_DEPTH,
		   (unsigned long long)st->link_denied);
		kv(out, "fileless", "%s, %llu decided", fileless_mode_name(
		   st->fileless), (unsigned long long)st->fileless_seen);
		kv(out, "programs", "%zu attached, pinned in %s; file_open %s; "
		   "file_post_open %s; exec check %s",
		   programs_attached(d), d->pin_dir,
		   open_hook_attached(d->skel) ? "attached" :
		   "not attached (no on=open rule)",
		   content_hook_attached(d->skel) ? "attached" :
		   "not attached (no sha256 rule with on=open)",
		   exec_check_attached(d) ? "attached" :
		   "not on this kernel (AT_EXECVE_CHECK: Linux 6.14 and later)");
		kv(out, "content at open", "%llu read-opens of files over "
		   "%llu MiB not hashed for sha256 rules with on=open",
		   (unsigned long long)st->content_big,
		   (unsigned long long)(ID_CONTENT_MAX >> 20));
		kv(out, "daemon", "pid %d, up %ld s, started %s", (int)getpid(),
		   uptime, d->start_kind);
		kv(out, "last reload", "%s, generation %llu%s%s",
		   r->ok ? "ok" : "refused", (unsigned long long)r->gen,
		   r->ok ? "" : ":\n", r->ok ? "" : r->errors);
		return 0;
	}
	json_begin(&j, out);
	json_str(&j, "version", INTERDICT_VERSION);
	json_str(&j, "mode", mode_name(st->enforce));
	json_obj_open(&j, "policy");
	json_uint(&j, "generation", st->gen);
	json_str(&j, "digest", digest);
	json_uint(&j, "rules", nrules);
	json_uint(&j, "sha256", nsha);
	json_uint(&j, "path", npath);
	json_obj_close(&j);
	json_obj_open(&j, "limits");
	json_uint(&j, "sha256", d->lim.sha_rules);
	json_uint(&j, "path", d->lim.path_rules);
	json_obj_close(&j);
	json_obj_open(&j, "events");
	json_uint(&j, "written", d->sink.written);
	json_uint(&j, "lost", st->events_lost);
	json_uint(&j, "write_errors", d->sink.write_errors);
	json_uint(&j, "dropped", d->sink.dropped);
	json_bool(&j, "journal", d->journal);
	json_uint(&j, "journal_errors", d->journal_errors);
	json_bool(&j, "sink_failing", d->sink.failing);
	json_obj_close(&j);
	json_uint(&j, "tamper_denied", st->tamper_denied);
	json_uint(&j, "hash_errors", st->hash_errors);
	json_obj_open(&j, "fail_closed");
	json_uint(&j, "deep_denied", st->deep_denied);
	json_uint(&j, "max_depth", ID_MAX_DEPTH);
	json_uint(&j, "link_denied", st->link_denied);
	json_obj_close(&j);
	json_obj_open(&j, "content_at_open");
	json_uint(&j, "max_bytes", ID_CONTENT_MAX);
	json_uint(&j, "too_big", st->content_big);
	json_obj_close(&j);
	json_obj_open(&j, "fileless");
	json_str(&j, "mode", fileless_mode_name(st->fileless));
	json_uint(&j, "decided", st->fileless_seen);
	json_obj_close(&j);
	json_obj_open(&j, "programs");
	json_uint(&j, "attached", programs_attached(d));
	json_bool(&j, "file_open", open_hook_attached(d->skel));
	json_bool(&j, "file_post_open", content_hook_attached(d->skel));
	json_bool(&j, "exec_check", exec_check_attached(d));
	json_str(&j, "pin_dir", d->pin_dir);
	json_obj_close(&j);
	json_obj_open(&j, "daemon");
	json_uint(&j, "pid", getpid());
	json_uint(&j, "uptime_s", uptime);
	json_str(&j, "start", d->start_kind);
	json_str(&j, "previous_stop", d->previous_stop);
	json_obj_close(&j);
	json_obj_open(&j, "last_reload");
	json_bool(&j, "ok", r->ok);
	json_uint(&j, "generation", r->gen);
	json_str(&j, "errors", r->errors);
	json_obj_close(&j);
	json_end(&j);
	return 0;
}

int daemon_reload(struct daemon *d, FILE *out, bool json)
{
	char *errs = NULL;
	size_t elen = 0;
	FILE *ef = open_memstream(&errs, &elen);
	int err = reload(d, ef ? ef : stderr);
	struct json j;

	if (ef)
		fclose(ef);
	if (json) {
		json_begin(&j, out);
		json_bool(&j, "ok", !err);
		json_uint(&j, "generation", d->skel->bss->state.gen);
		json_str(&j, "errors", errs ? errs : "");
		json_end(&j);
	} else if (err) {
		fprintf(out, "%sreload refused: generation %llu stays in force\n",
			errs ? errs : "",
			(unsigned long long)d->skel->bss->state.gen);
	} else {
		fprintf(out, "generation %llu in force\n",
			(unsigned long long)d->skel->bss->state.gen);
	}
	free(errs);
	return err ? 1 : 0;
}

int daemon_rules(struct daemon *d, FILE *out, bool json)
{
	const struct policy *p = maps_policy(d->skel->bss->state.gen);
	char hooks[32], sha[2 * ID_SHA256_LEN + 1];
	struct json j;
	size_t i;

	if (json) {
		json_begin(&j, out);
		json_uint(&j, "generation", d->skel->bss->state.gen);
		json_arr_open(&j, "rules");
	}
	for (i = 0; p && i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];
		const struct dpkg_pkg *pkg = dpkg_rule_package(p, r);
		const char *action = r->action == ID_ACT_ALLOW ? "allow" :
				     r->flags & ID_RULE_AUDIT ? "audit" : "deny";
		const char *kind = r->kind == MATCH_SHA256 ? "sha256" :
				   r->kind == MATCH_PACKAGE ? "package" : "path";

		if (r->kind == MATCH_SHA256)
			sha256_hex(r->sha256, sha);
		hooks_str(r->hooks, hooks, sizeof(hooks));
		if (!json) {
			fprintf(out, "%-24s %-5s %s=%s on=%s %s:%u", r->id,
				action, kind, r->kind == MATCH_SHA256 ? sha :
				r->path, hooks, r->file, r->line);
			if (pkg)
				fprintf(out, " package=%s/%s/%s", pkg->name,
					pkg->version, pkg->arch);
			fputc('\n', out);
			continue;
		}
		json_obj_open(&j, NULL);
		json_str(&j, "id", r->id);
		json_str(&j, "action", action);
		json_str(&j, kind, r->kind == MATCH_SHA256 ? sha : r->path);
		json_str(&j, "on", hooks);
		json_str(&j, "file", r->file);
		json_uint(&j, "line", r->line);
		package_json(&j, pkg);
		json_obj_close(&j);
	}
	if (json) {
		json_arr_close(&j);
		json_end(&j);
	}
	return 0;
}

int daemon_mode(struct daemon *d, FILE *out, bool json, bool enforce,
		const struct ucred *who)
{
	struct id_state *st = &d->skel->bss->state;
	bool was = st->enforce;
	struct json j;

	/* one store: the programs read it on every decision */
	__atomic_store_n(&st->enforce, enforce, __ATOMIC_SEQ_CST);
	log_info("daemon", "mode %s -> %s (pid %d)", mode_name(was),
		 mode_name(enforce), (int)who->pid);
	lifecycle_event(d, "mode-changed", mode_name(was), who);
	notify_status(d, NULL);
	if (json) {
		json_begin(&j, out);
		json_str(&j, "mode", mode_name(enforce));
		json_str(&j, "previous", mode_name(was));
		json_end(&j);
	} else {
		fprintf(out, "mode %s (was %s)\n", mode_name(enforce),
			mode_name(was));
	}
	return 0;
}

/* The only off switch: unpin everything, drop our links, then exit. */
int daemon_disable(struct daemon *d, FILE *out, bool json,
		   const struct ucred *who)
{
	struct bpf_object_skeleton *s = d->skel->skeleton;
	int i, err;
	struct json j;

	lifecycle_event(d, "disabled", "interdict disable", who);
	err = pin_remove(d->pin_dir);
	/* and the base, unless another build's directory is still there */
	if (!err)
		rmdir(d->pin_base);
	for (i = 0; i < s->prog_cnt; i++) {
		bpf_link__destroy(*s->progs[i].link);
		*s->progs[i].link = NULL;
	}
	d->disabled = true;
	notify_status(d, "STOPPING=1");
	log_warnx("daemon", "disabled by pid %d (uid %u): enforcement ended",
		  (int)who->pid, (unsigned)who->uid);
	if (err)
		log_warnx("pin", "cannot remove %s: %s", d->pin_dir,
			  strerror(-err));
	if (json) {
		json_begin(&j, out);
		json_bool(&j, "disabled", true);
		json_str(&j, "pin_dir", d->pin_dir);
		json_end(&j);
	} else {
		fprintf(out, "enforcement ended: programs detached, %s removed\n",
			d->pin_dir);
	}
	return 0;
}

/* --- options and the main loop ----------------------------------------- */

static int write_pid_file(const char *path)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "%d\n", getpid());
	if (fclose(f) || rename(tmp, path))
		return -errno;
	return 0;
}

static int parse_u32(const char *s, __u32 *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !*s || v == 0 || v > (1UL << 24))
		return -EINVAL;
	*out = v;
	return 0;
}

/* Options given on the command line, which the config file cannot
 * override (CONFIG_SET_* bits). */
static int apply_config(struct daemon *d, const char *path, bool explicit,
			unsigned int opts)
{
	struct config *c = &d->cfg;
	int err;

	config_defaults(c);
	err = config_parse_file(c, path, stderr);
	if (err == -ENOENT && !explicit)
		err = 0;
	else if (err == -ENOENT)
		log_warnx("options", "--config %s: no such file", path);
	if (err)
		return -EINVAL;
	if (!(opts & CONFIG_SET_POLICY_DIR))
		d->policy_dir = c->policy_dir;
	if (!(opts & CONFIG_SET_EVENTS))
		snprintf(d->sink.path, sizeof(d->sink.path), "%s", c->events);
	if (!(opts & CONFIG_SET_PIN_DIR))
		d->pin_base = c->pin_dir;
	if (!(opts & CONFIG_SET_CONTROL))
		d->control_path = c->control;
	if (!(opts & CONFIG_SET_MODE) && (c->set & CONFIG_SET_MODE))
		d->enforce = c->enforce;
	if (!(opts & CONFIG_SET_MAX_SHA))
		d->lim.sha_rules = c->lim.sha_rules;
	if (!(opts & CONFIG_SET_MAX_PATH))
		d->lim.path_rules = c->lim.path_rules;
	if (!(opts & CONFIG_SET_REFRESH))
		d->refresh_s = c->refresh_s;
	d->lim.events_mb = c->lim.events_mb;
	/* auto: when systemd runs the daemon (it sets INVOCATION_ID) */
	d->journal = c->journal == CONFIG_JOURNAL_YES ||
		     (c->journal == CONFIG_JOURNAL_AUTO &&
		      getenv("INVOCATION_ID"));
	return 0;
}

static int parse_args(struct daemon *d, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "policy-dir", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "events", required_argument, NULL, 'e' },
		{ "pin-dir", required_argument, NULL, 'D' },
		{ "control", required_argument, NULL, 'C' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "max-sha256-rules", required_argument, NULL, 'S' },
		{ "max-path-rules", required_argument, NULL, 'T' },
		{ "refresh", required_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *config = ID_CONFIG_PATH;
	bool verbose = false, explicit = false;
	unsigned int set = 0;
	int c;

	d->enforce = -1;
	log_init("interdictd", false);	/* option errors name the daemon */
	while ((c = getopt_long(argc, argv, "c:p:m:e:P:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; explicit = true; break;
		case 'p': d->policy_dir = optarg; set |= CONFIG_SET_POLICY_DIR; break;
		case 'e':
			set |= CONFIG_SET_EVENTS;
			if ((size_t)snprintf(d->sink.path, sizeof(d->sink.path),
					     "%s", optarg) < sizeof(d->sink.path))
				break;
			log_warnx("options", "--events: path too long");
			return -EINVAL;
		case 'D': d->pin_base = optarg; set |= CONFIG_SET_PIN_DIR; break;
		case 'C': d->control_path = optarg; set |= CONFIG_SET_CONTROL; break;
		case 'P': d->pid_file = optarg; break;
		case 'v': verbose = true; break;
		case 'V': printf("interdictd %s\n", INTERDICT_VERSION); exit(0);
		case 'h': usage(stdout); exit(0);
		case 'm':
			set |= CONFIG_SET_MODE;
			if (!strcmp(optarg, "audit") ||
			    !strcmp(optarg, "enforce")) {
				d->enforce = !strcmp(optarg, "enforce");
				break;
			}
			log_warnx("options", "--mode %s: expected audit or "
				  "enforce", optarg);
			return -EINVAL;
		case 'R': {
			char *end;

			set |= CONFIG_SET_REFRESH;
			errno = 0;
			d->refresh_s = strtoul(optarg, &end, 10);
			if (!errno && *optarg && !*end && d->refresh_s <= 86400)
				break;
			log_warnx("options", "--refresh %s: expected seconds "
				  "from 0 (never) to 86400", optarg);
			return -EINVAL;
		}
		case 'S':
		case 'T':
			set |= c == 'S' ? CONFIG_SET_MAX_SHA : CONFIG_SET_MAX_PATH;
			if (!parse_u32(optarg, c == 'S' ? &d->lim.sha_rules :
				       &d->lim.path_rules))
				break;
			log_warnx("options", "--%s %s: expected a number from "
				  "1 to 16777216", c == 'S' ? "max-sha256-rules" :
				  "max-path-rules", optarg);
			return -EINVAL;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	log_init("interdictd", verbose);
	if (optind != argc) {
		log_warnx("options", "unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return -EINVAL;
	}
	if (apply_config(d, config, explicit, set))
		return -EINVAL;
	if (d->pin_base[0] != '/') {
		log_warnx("options", "--pin-dir %s: expected an absolute path",
			  d->pin_base);
		return -EINVAL;
	}
	return 0;
}

/* Where this binary is installed: the path a newer build will have. */
static void find_exe_path(struct daemon *d)
{
	ssize_t n = readlink("/proc/self/exe", d->exe_path,
			     sizeof(d->exe_path) - 1);

	d->exe_path[n > 0 ? n : 0] = 0;
}

/* The event ring wakes the loop (the kernel signals the first record after
 * the daemon caught up); the records that follow within EVENT_BATCH_US are
 * taken with it, so that a stream is read in batches, not a wakeup per
 * record. While the sink fails the ring is not watched: what waits there
 * is taken once the sink is retried (see sink.c). */
#define EVENT_BATCH_US	2000

static void watch_ring(int ep, int *ring_fd, bool *watched, bool want)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = *ring_fd };

	if (*ring_fd < 0 || *watched == want)
		return;
	if (!epoll_ctl(ep, want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, *ring_fd,
		       &ev)) {
		*watched = want;
		return;
	}
	log_warn("events", "cannot watch the event ring buffer: it is read "
		 "every 250 ms");
	if (*watched)
		return;		/* still watched: the sink fails, it is read
				 * when retried */
	*ring_fd = -1;
}

static int run(struct daemon *d)
{
	static struct dpkg_stamp dpkg_tried;
	struct ring_buffer *rb = NULL;
	struct epoll_event ev = { .events = EPOLLIN };
	struct signalfd_siginfo si;
	struct timespec now;
	time_t next_refresh = 0;
	sigset_t mask;
	int sfd = -1, ep = -1, err = 0, link_fd;
	int ring_fd = bpf_map__fd(d->skel->maps.events);
	bool ring_watched = false;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	rb = ring_buffer__new(bpf_map__fd(d->skel->maps.events), handle_event,
			      d, NULL);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || !rb || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev)) {
		err = -errno;
		log_warn("daemon", "cannot set up the event loop");
		goto cleanup;
	}
	ev.data.fd = d->ctl_fd;
	if (d->ctl_fd >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, d->ctl_fd, &ev))
		log_warn("control", "cannot watch the control socket");
	link_fd = links_wake_fd(d->skel);
	ev.data.fd = link_fd;
	if (link_fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, link_fd, &ev))
		log_warn("policy", "cannot watch the symbolic links on rule "
			 "paths: after a change of one, a rule follows the "
			 "new target by inode within --refresh and by name "
			 "from the next reload");
	ev.data.fd = sfd;
	while (!d->disabled) {
		int n;

		sink_sync(&d->sink);	/* no line waits while we sleep */
		watch_ring(ep, &ring_fd, &ring_watched, !d->sink.failing &&
			   d->sink.fd >= 0);
		n = epoll_wait(ep, &ev, 1, 250);
		if (n < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		if (n > 0 && ev.data.fd == ring_fd)
			usleep(EVENT_BATCH_US);
		if (sink_ready(&d->sink)) {
			consume(d, rb);
			/* written before anything that takes time (the scan
			 * of running processes, a refresh): what left the
			 * ring is on disk should the daemon be killed */
			sink_sync(&d->sink);
			maps_tidy(d->skel);
		}
		check_counters(d);
		if (running_pending)
			running_report(d);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (d->refresh_s && now.tv_sec >= next_refresh) {
			if (next_refresh && maps_refresh(d->skel))
				log_warnx("policy", "cannot refresh the inode "
					  "keys of rule paths");
			if (next_refresh)
				trust_self(d);
			/* package= rules follow what dpkg installed since */
			if (next_refresh && dpkg_changed(maps_policy(
					d->skel->bss->state.gen), &dpkg_tried)) {
				log_info("policy", "the dpkg database changed: "
					 "resolving package= rules again");
				reload(d, stderr);
			}
			next_refresh = now.tv_sec + d->refresh_s;
		}
		if (d->links_again) {
			d->links_again = false;
			resolve_links(d, "a change of a symbolic link on a rule "
				      "path was not in effect when the paths "
				      "were resolved: resolving them again");
		}
		if (n <= 0 || ev.data.fd == ring_fd)
			continue;
		if (ev.data.fd == d->ctl_fd) {
			control_serve(d);
			continue;
		}
		if (ev.data.fd == link_fd) {
			if (links_woken())
				resolve_links(d, "a symbolic link on a rule path "
					      "changed: resolving the rule paths "
					      "again");
			continue;
		}
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			log_info("policy", "SIGHUP: reloading %s", d->policy_dir);
			reload(d, stderr);
		} else if (si.ssi_signo == SIGUSR1) {
			log_info("events", "SIGUSR1: reopening %s", d->sink.path);
			sink_open(&d->sink);
		} else {
			/* an upgrade installs the new build before the stop */
			trust_self(d);
			d->skel->bss->state.stop_reason = ID_STOP_SIGNAL;
			lifecycle_event(d, "daemon-stopped", si.ssi_signo ==
					SIGTERM ? "SIGTERM" : "SIGINT", NULL);
			sd_notify(0, "STOPPING=1");
			log_info("daemon", "stopping on %s; enforcement stays "
				 "pinned in %s", si.ssi_signo == SIGTERM ?
				 "SIGTERM" : "SIGINT", d->pin_dir);
			break;
		}
	}
	if (sink_ready(&d->sink))
		consume(d, rb);
	check_counters(d);
	sink_sync(&d->sink);
cleanup:
	ring_buffer__free(rb);
	if (ep >= 0)
		close(ep);
	if (sfd >= 0)
		close(sfd);
	return err;
}

int main(int argc, char **argv)
{
	struct daemon d = { .sink.fd = -1, .ctl_fd = -1 };
	struct timespec t0, t1;
	struct policy *p;
	char why[1024] = "";
	sigset_t mask;
	int err, code = EXIT_FAILURE;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	phase_begin();
	if (parse_args(&d, argc, argv))
		return EXIT_POLICY;
	/* Signals wait in the signalfd; none may be lost before the loop. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d.started = time(NULL);
	gethostname(d.hostname, sizeof(d.hostname) - 1);
	find_exe_path(&d);
	d.npb = protected_collect(d.pb, MAX_PROTECTED);
	p = parse_policy(&d, stderr);
	if (!p) {
		log_warnx("policy", "%s: invalid policy, nothing loaded",
			  d.policy_dir);
		return EXIT_POLICY;
	}
	/* Before anything is touched: is another daemon in charge? */
	err = control_open(&d, why, sizeof(why));
	if (err == -EADDRINUSE) {
		log_warnx("control", "%s", why);
		policy_free(p);
		free(p);
		return EXIT_FAILURE;
	}
	if (err)
		log_warnx("control", "%s; interdict status/reload will not "
			  "reach this daemon", why);
	sink_open(&d.sink);	/* failing is not fatal: see sink.c */

	err = start_enforcement(&d, why, sizeof(why));
	if (err) {
		rmdir(d.pin_base);	/* only if nothing is pinned there */
		log_warnx("kernel", "%s", why);
		code = EXIT_KERNEL;
		goto cleanup;
	}
	if (!strcmp(d.start_kind, "fresh") &&
	    loader_hash_selftest(d.skel, why, sizeof(why)))
		log_warnx("kernel", "SHA-256 rules cannot be enforced: %s; "
			  "path rules are enforced", why);
	phase_end("hash self-test");
	err = install_policy(&d, p, stderr);
	p = NULL;
	if (!err)
		fileless_setup(d.skel, &d.cfg);
	if (err) {
		/* programs of ours with no policy: nothing worth keeping */
		if (strcmp(d.start_kind, "adopted"))
			pin_remove(d.pin_dir);
		code = EXIT_POLICY;
		goto cleanup;
	}
	d.last_reload.ok = true;
	d.last_reload.gen = d.skel->bss->state.gen;
	d.last_reload.when = time(NULL);
	finish_handover(&d);
	d.skel->bss->state.stop_reason = ID_STOP_RUNNING;
	d.skel->bss->state.started_boot_ns = 0;
	lifecycle_event(&d, "daemon-started", NULL, NULL);
	sink_sync(&d.sink);	/* what the builds before us queued, too */
	/* From here on the daemon only reloads, answers and writes events;
	 * the pid file says it is enforcing and narrowed. */
	if (sandbox_enter(why, sizeof(why)))
		log_warnx("sandbox", "%s; enforcing regardless", why);
	if (d.pid_file && (err = write_pid_file(d.pid_file))) {
		log_warnx("daemon", "cannot write %s: %s", d.pid_file,
			  strerror(-err));
		goto cleanup;
	}
	phase_end("handed over");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("daemon", "enforcing (mode %s, %s, pinned in %s), %lld ms "
		 "after start (%s)", mode_name(d.skel->bss->state.enforce),
		 d.start_kind, d.pin_dir, (t1.tv_sec - t0.tv_sec) * 1000LL +
		 (t1.tv_nsec - t0.tv_nsec) / 1000000, phases.text);
	/* systemctl start returns here: the policy is in force */
	notify_status(&d, "READY=1");
	running_pending = true;
	code = run(&d) ? EXIT_FAILURE : EXIT_SUCCESS;
	if (d.disabled)
		code = EXIT_DISABLED;
	if (d.pid_file)
		unlink(d.pid_file);
cleanup:
	if (p) {
		policy_free(p);
		free(p);
	}
	control_close(&d);
	sink_sync(&d.sink);
	if (d.sink.queued)
		log_warnx("events", "%u event lines could not be written",
			  d.sink.queued);
	sink_close(&d.sink);
	/* Closes our fds only: what is pinned stays attached. */
	loader_close(d.skel);
	maps_free();
	return code;
}
