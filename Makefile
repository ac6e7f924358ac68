# SPDX-License-Identifier: GPL-2.0-only
# interdict build. Everything lands in build/; `make V=1` shows the commands.

VERSION		:= 0.3.0
BUILD		?= build
CC		?= gcc
CLANG		?= clang
BPFTOOL		?= $(shell command -v bpftool || echo /usr/sbin/bpftool)
ARCH		:= $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
LINUX_SRC	?= /usr/src/linux-source-6.12.tar.xz

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CFLAGS		?= -O2 -g
WARN		:= -Wall -Wextra -Werror
CPPFLAGS	+= -I$(BUILD) -Iuserspace -D_GNU_SOURCE -MMD -MP \
		   -DINTERDICT_VERSION='"$(VERSION)"'
LDLIBS		+= -lbpf -lelf -lz -lcrypto -lsodium -lseccomp -lcap-ng -lsystemd
BPF_CFLAGS	:= -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
		   -DINTERDICT_VERSION='"$(VERSION)"' \
		   -I/usr/include/$(shell uname -m)-linux-gnu -MMD -MP

LIB_SRCS	:= $(filter-out userspace/interdictd.c userspace/interdict.c, \
		     $(wildcard userspace/*.c))
LIB_OBJS	:= $(LIB_SRCS:userspace/%.c=$(BUILD)/obj/%.o)
LIB		:= $(BUILD)/libinterdict.a
SKEL		:= $(BUILD)/interdict.skel.h
BPF_OBJ		:= $(BUILD)/bpf/interdict.bpf.o
HARNESS		:= $(BUILD)/harness/kselftest_harness.h
UNIT_TESTS	:= $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%, \
		     $(wildcard tests/unit/*.c))
VM_TESTS	:= $(patsubst tests/vm/%.c,$(BUILD)/tests/vm/%, \
		     $(wildcard tests/vm/*.c))
BENCH_BINS	:= $(patsubst tests/bench/%.c,$(BUILD)/bench/%, \
		     $(wildcard tests/bench/*.c))
FUZZ_BINS	:= $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%, \
		     $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_LIB	:= $(BUILD)/fuzz/libinterdict.a
FUZZ_NONE	:= $(BUILD)/fuzz/unavailable
FUZZ_CFLAGS	:= -O1 -g -fno-omit-frame-pointer \
		   -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS	?= 300

# Installation (GNU names). The binaries look for /etc/interdict whatever the
# prefix, so sysconfdir does not follow it.
prefix		?= /usr
sbindir		?= $(prefix)/sbin
datadir		?= $(prefix)/share
mandir		?= $(datadir)/man
sysconfdir	?= /etc
bashcompdir	?= $(datadir)/bash-completion/completions
unitdir		?= $(shell pkg-config --variable=systemdsystemunitdir systemd \
		     2>/dev/null || echo /usr/lib/systemd/system)
INSTALL		?= install
PKG		:= scripts/package
MAN_PAGES	:= $(wildcard userspace/man/*.[58])
DEB		:= $(BUILD)/interdict_$(VERSION)_$(shell dpkg --print-architecture \
		     2>/dev/null || echo amd64).deb

.PHONY: all tests deps check unit vmtest demo bench fuzzers fuzz clean \
	install uninstall deb version
.DELETE_ON_ERROR:

all: $(BUILD)/interdictd $(BUILD)/interdict

$(BPF_OBJ): bpf/interdict.bpf.c
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SKEL): $(BPF_OBJ)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name interdict_bpf > $@

$(BUILD)/obj/%.o: userspace/%.c $(SKEL)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/interdictd $(BUILD)/interdict: $(BUILD)/%: $(BUILD)/obj/%.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# The kselftest harness comes from Debian's linux-source package, extracted
# at build time rather than copied into this tree.
$(HARNESS): $(LINUX_SRC)
	$(call msg,EXTRACT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)tar -xJf $< -C $(@D) --strip-components=4 \
		linux-source-6.12/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.12/tools/testing/selftests/kselftest.h
	@# `child` is set between setjmp and longjmp: without volatile, a failed
	@# ASSERT at -O2 returns with a stale value and skips the teardown.
	$(Q)sed -i 's/^\(\t*\)pid_t child = 1; \\$$/\1volatile pid_t child = 1; \\/' $@
	$(Q)grep -q 'volatile pid_t child = 1;' $@
	$(Q)touch $@

$(LINUX_SRC):
	@echo "missing $@: run scripts/deps (or apt-get install linux-source-6.12)" >&2
	@false

$(BUILD)/tests/%: tests/%.c $(LIB) $(HARNESS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -I$(BUILD)/harness $(CFLAGS) $(WARN) \
		-Wno-unused-parameter -Wno-clobbered -Wno-format-truncation \
		$< $(LIB) $(LDLIBS) -o $@

# Benchmarks need only libc: a payload they exec loads no more than that.
$(BUILD)/bench/%: tests/bench/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $< -o $@

# The static payload: exec with no dynamic loader at all.
$(BUILD)/bench/payload: tests/bench/payload.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -static $< -o $@

# libFuzzer targets: every tests/fuzz/fuzz_NAME.c, seeded from
# tests/fuzz/corpus/NAME/ if it exists. $(LIB) is built by gcc without
# instrumentation, so the userspace sources are compiled again by clang with
# coverage and sanitizers; the linker takes from the archive only what a
# target calls.
$(BUILD)/fuzz/obj/%.o: userspace/%.c $(SKEL)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(CPPFLAGS) $(FUZZ_CFLAGS) $(WARN) -c $< -o $@

$(FUZZ_LIB): $(LIB_SRCS:userspace/%.c=$(BUILD)/fuzz/obj/%.o)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(CPPFLAGS) $(FUZZ_CFLAGS) $(WARN) $< $(FUZZ_LIB) \
		$(LDLIBS) -o $@

# Without clang's fuzzer runtime (libclang-rt-dev) the targets are not built
# and $(FUZZ_NONE) says why: scripts/check then reports them skipped, and
# the rest of `make tests` goes on.
fuzzers:
	$(Q)mkdir -p $(BUILD)/fuzz
	$(Q)if echo 'int LLVMFuzzerTestOneInput(void) { return 0; }' | \
	    $(CLANG) $(FUZZ_CFLAGS) -x c - -o $(BUILD)/fuzz/probe \
	    2>$(BUILD)/fuzz/probe.log; then \
		rm -f $(FUZZ_NONE) $(BUILD)/fuzz/probe $(BUILD)/fuzz/probe.log; \
		$(if $(FUZZ_BINS),$(MAKE) $(if $(Q),-s) --no-print-directory $(FUZZ_BINS),true); \
	else \
		echo "$(CLANG) cannot link -fsanitize=fuzzer ($(BUILD)/fuzz/probe.log);" \
			"install libclang-rt-dev (scripts/deps)" | tee $(FUZZ_NONE) >&2; \
	fi

tests: all $(UNIT_TESTS) $(VM_TESTS) $(BENCH_BINS) fuzzers

# Each target installs the dependency groups it uses (scripts/deps help):
# the kernel source, for the test harness, only where tests are built.
deps:
	$(Q)scripts/deps all

# The test command: unit tests natively, enforcement tests in VMs booting
# Debian's 6.1 and 6.12 kernels. Ends with "N passed, N failed, N skipped".
check: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)scripts/check

# The demo guest runs only the daemon and the CLI.
demo:
	$(Q)scripts/deps build vm
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo

# FHS layout under DESTDIR; the unit's paths follow sbindir. The config and
# the example policy are installed once: a changed one is left alone.
install: all
	$(call msg,INSTALL,$(DESTDIR)$(prefix))
	$(Q)$(INSTALL) -d $(DESTDIR)$(sbindir) $(DESTDIR)$(unitdir) \
		$(DESTDIR)$(mandir)/man5 $(DESTDIR)$(mandir)/man8 \
		$(DESTDIR)$(bashcompdir) $(DESTDIR)$(sysconfdir)/interdict/policy.d
	$(Q)$(INSTALL) -m 0755 $(BUILD)/interdictd $(BUILD)/interdict \
		$(DESTDIR)$(sbindir)/
	$(Q)sed 's|/usr/sbin/|$(sbindir)/|g' $(PKG)/interdictd.service \
		> $(DESTDIR)$(unitdir)/interdictd.service
	$(Q)chmod 0644 $(DESTDIR)$(unitdir)/interdictd.service
	$(Q)for f in $(MAN_PAGES); do \
		$(INSTALL) -m 0644 $$f $(DESTDIR)$(mandir)/man$${f##*.}/ || exit; \
	done
	$(Q)$(INSTALL) -m 0644 userspace/completion/interdict.bash \
		$(DESTDIR)$(bashcompdir)/interdict
	$(Q)ln -sf interdict $(DESTDIR)$(bashcompdir)/interdictd
	$(Q)test -e $(DESTDIR)$(sysconfdir)/interdict/interdict.conf || \
		$(INSTALL) -m 0644 $(PKG)/interdict.conf \
			$(DESTDIR)$(sysconfdir)/interdict/interdict.conf
	$(Q)test -e $(DESTDIR)$(sysconfdir)/interdict/policy.d/00-example.rules || \
		$(INSTALL) -m 0644 policy/examples/00-example.rules \
			$(DESTDIR)$(sysconfdir)/interdict/policy.d/

# Leaves /etc/interdict: it may hold the site's policy.
uninstall:
	rm -f $(DESTDIR)$(sbindir)/interdictd $(DESTDIR)$(sbindir)/interdict \
		$(DESTDIR)$(unitdir)/interdictd.service \
		$(DESTDIR)$(bashcompdir)/interdict \
		$(DESTDIR)$(bashcompdir)/interdictd \
		$(addprefix $(DESTDIR)$(mandir)/man5/,$(notdir $(filter %.5,$(MAN_PAGES)))) \
		$(addprefix $(DESTDIR)$(mandir)/man8/,$(notdir $(filter %.8,$(MAN_PAGES))))

# Debian's own tooling on a copy of the tree in $(BUILD)/deb/, so that the
# build writes nothing outside $(BUILD)/; the copy is removed once the
# package is built (scripts/vm would otherwise pack its binaries too).
# For scripts: the version the build and the package carry.
version:
	@echo $(VERSION)

deb:
	$(Q)scripts/deps build package
	$(Q)scripts/package/build-deb $(VERSION) $(BUILD) $(DEB)

# Each fuzz target for FUZZ_SECONDS; output and crashing inputs go to
# $(BUILD)/fuzz/logs/, new inputs to $(BUILD)/fuzz/corpus/NAME/.
fuzz:
	$(Q)scripts/deps build fuzz
	$(Q)$(MAKE) --no-print-directory fuzzers
	$(Q)tests/fuzz/run.sh -t $(FUZZ_SECONDS) -o $(BUILD)/fuzz/logs $(FUZZ_BINS)

bench: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)scripts/bench
	$(Q)scripts/bench-scan

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
