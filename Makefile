# pvtrace - build, test, bench, demo.
#
#   make                 build ./pvtrace and the workload tools
#   make check           unit tests + kernel-level tests (root); ends "N passed, N failed, N skipped"
#   make fuzz            libFuzzer (clang) on the calibration file's parser, on run's
#                        options and on a recording's reader (with the replay and the
#                        timeline), FUZZ_SECONDS each (default 30); not part of make check,
#                        which replays their seed corpus (tests/fuzz/corpus/) only
#   make bench           tracer overhead on perf bench sched pipe, pvtrace's own peak memory
#                        under a churn of 1,000,000 tasks, then pvtrace bench
#                        (creation, switch, IPC, memory, scale: processes vs threads)
#   make demo            deps, build, and a demo report (DEMO_CMD; make demo-command prints it)
#   make man             the man pages, man/*.scd -> .output/man/ (needs scdoc; make all does not)
#   make install         pvtrace, pvbench, the man pages, the shell completion and the docs
#                        under PREFIX (/usr/local) in DESTDIR (see "install" below)
#   make uninstall       removes what make install installed (same PREFIX and DESTDIR)
#   make deb             the Debian package, built from a copy of the tree:
#                        .output/deb/pvtrace_VERSION_amd64.deb (scripts/deb.sh)
#   make V=1             show the commands
#
# Objects go to .output/.  Dependencies: scripts/deps.sh (called when a tool is missing).
# The version: scripts/version.sh (the file VERSION, and git's part in a checkout), compiled
# in as PVTRACE_VERSION from .output/version.h (rewritten only when the version changes).

ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
OUTPUT := .output
PREFIX ?= /usr/local

# Only x86_64: the BPF programs read its registers and syscall numbers.  Targets
# that build no code (clean, deps, man, uninstall, demo-command) run anywhere.
NOBUILD_GOALS := clean deps man uninstall demo-command
BUILDING := $(filter-out $(NOBUILD_GOALS),$(or $(MAKECMDGOALS),all))
ifneq ($(ARCH),x86)
ifneq ($(BUILDING),)
$(error pvtrace builds for x86_64 only (found $(shell uname -m)): its BPF reads x86_64 registers and syscall numbers)
endif
endif

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config

VMLINUX := vmlinux/$(ARCH)/vmlinux.h
VERSION := $(shell sh scripts/version.sh)
# The sources that print the version include version.h (and only they: a new commit
# recompiles those few); its text changes only with the version.
VERSION_H := $(OUTPUT)/version.h
ifneq ($(BUILDING),)
ifeq ($(VERSION),)
$(error scripts/version.sh gave no version)
endif
write_version_h = mkdir -p $(OUTPUT) && \
	printf '/* made by the Makefile from scripts/version.sh */\n\#define PVTRACE_VERSION "%s"\n' \
	'$(VERSION)' > $(VERSION_H).$$$$ && \
	{ cmp -s $(VERSION_H).$$$$ $(VERSION_H) && rm -f $(VERSION_H).$$$$ || mv -f $(VERSION_H).$$$$ $(VERSION_H); }
$(shell $(write_version_h))
endif

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Each object's dependencies are the headers its compiler actually read: the
# .d files written beside it (-MMD), included at the end of this file.
DEPFLAGS = -MMD -MP
LIBBPF_CFLAGS := $(shell $(PKG_CONFIG) --cflags libbpf 2>/dev/null)
LIBBPF_LIBS := $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf)
JSONC_LIBS := $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null || echo -ljson-c)
# ncursesw: the live view (user/top_curses.c) only; what links it links these
NCURSES_CFLAGS := $(shell $(PKG_CONFIG) --cflags ncursesw 2>/dev/null)
NCURSES_LIBS := $(shell $(PKG_CONFIG) --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)
# libmicrohttpd: pvtrace serve's HTTP server (user/http_server.c, its own thread); what
# links every user object links these (USER_LIBS)
MHD_CFLAGS := $(shell $(PKG_CONFIG) --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS := $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)
USER_LIBS := $(NCURSES_LIBS) $(MHD_LIBS) -pthread
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE \
	  -I$(OUTPUT) -Ibpf -Iuser -Ilib $(LIBBPF_CFLAGS)
LDLIBS := $(LIBBPF_LIBS) -lelf -lz $(JSONC_LIBS)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Wno-unused-function \
	      -I$(OUTPUT) -Ibpf -Ivmlinux/$(ARCH) -mcpu=v3

BPF_PROGS := pvtrace empty
BPF_OBJS := $(patsubst %,$(OUTPUT)/%.bpf.o,$(BPF_PROGS))
SKELS := $(patsubst %,$(OUTPUT)/%.skel.h,$(BPF_PROGS))

# libpvcommon.a: the libc-only code pvtrace, pvbench, pvload, the test
# programs and the unit tests share (lib/).
LIB := $(OUTPUT)/libpvcommon.a
LIB_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(wildcard lib/*.c))

USER_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(wildcard user/*.c))
PVBENCH_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(wildcard tools/pvbench/*.c))
PVLOAD_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(wildcard tools/pvload/*.c))
PROG_SRCS := $(wildcard tests/progs/*.c)
PROG_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(PROG_SRCS))
PROGS := $(patsubst tests/progs/%.c,$(OUTPUT)/%,$(PROG_SRCS))

TOOLS := $(OUTPUT)/pvbench $(OUTPUT)/pvload $(PROGS)

# Shell completion (bash: bash-completion's completions/pvtrace; zsh: a directory of
# $fpath), for the install rules; tests/install/test_completion.py checks them against
# each subcommand's --help.
COMPLETIONS := completion/pvtrace.bash completion/_pvtrace

# Unit tests: tests/unit/test_NAME.c -> .output/tests/test_NAME, linked with
# libpvcommon.a (the linker takes only the lib modules it calls) and the
# objects listed in test_NAME_OBJS below: the module under test and what it
# calls, nothing else.  Tests of lib/ modules (test_escape, test_json_writer,
# test_machine, test_pingpong, test_parse, test_quantile, test_vec,
# test_fileio, test_child, test_clock, test_qsketch, test_keyindex) list none.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(UNIT_SRCS))
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
u = $(patsubst %,$(OUTPUT)/user/%.o,$(1))
b = $(patsubst %,$(OUTPUT)/tools/pvbench/%.o,$(1))
test_args_OBJS := $(filter-out $(OUTPUT)/user/main.o,$(USER_OBJS))
test_calibrate_OBJS := $(call u,calibrate cmd_calibrate common privs)
test_creation_OBJS := $(call u,creation)
test_hist_OBJS := $(call u,hist)
test_memory_OBJS := $(call u,memory tasktable creation hist)
test_memory_table_OBJS := $(test_memory_OBJS)
test_report_OBJS := $(call u,model report_json report_text status fold memory tasktable creation hist common)
test_model_OBJS := $(call u,model status memory tasktable creation hist common)
test_events_OBJS := $(call u,events creation tasktable hist common)
# the tracer's hooks logic, and its options through run_parse_args (cmd_run.c and what it calls)
test_tracer_OBJS := $(test_args_OBJS)
test_status_OBJS := $(call u,status)
test_privs_OBJS := $(call u,privs common)
test_sigfwd_OBJS := $(call u,sigfwd common)
test_output_OBJS := $(call u,output privs common)
test_tasktable_OBJS := $(call u,tasktable creation hist)
test_tasktable_sums_OBJS := $(test_tasktable_OBJS)
test_fold_OBJS := $(call u,fold tasktable memory creation hist)
test_pvbench_OBJS := $(call b,bench seed text json)
test_cgroup_OBJS := $(call u,cgroup)
test_record_file_OBJS := $(call u,record_file privs common)
test_timeline_OBJS := $(call u,timeline record_file output privs common creation tasktable hist)
test_top_model_OBJS := $(call u,top_model hist)
test_top_text_OBJS := $(call u,top_text top_model hist common)
test_openmetrics_OBJS := $(call u,openmetrics)
test_metrics_OBJS := $(call u,metrics hist)
test_metrics_expo_OBJS := $(call u,metrics_expo metrics openmetrics hist)
# serve's options (cmd_serve.c: attach's -p, run's names) and the HTTP routes: what args links
test_cmd_serve_OBJS := $(test_args_OBJS)
test_perfetto_pb_OBJS := $(call u,perfetto_pb)
# Each unit test's libraries: libbpf for user/common.o and user/memory.o (BTF),
# json-c to read JSON back.
test_args_LIBS := $(LDLIBS) $(USER_LIBS)
test_calibrate_LIBS := $(LDLIBS)
test_memory_LIBS := $(LDLIBS)
test_memory_table_LIBS := $(LDLIBS)
test_fold_LIBS := $(LDLIBS)
test_report_LIBS := $(LDLIBS)
test_model_LIBS := $(LDLIBS)
test_events_LIBS := $(LDLIBS)
test_tracer_LIBS := $(LDLIBS) $(USER_LIBS)
test_cmd_serve_LIBS := $(LDLIBS) $(USER_LIBS)
test_privs_LIBS := $(LDLIBS)
test_record_file_LIBS := $(LDLIBS)
test_timeline_LIBS := $(LDLIBS)
test_sigfwd_LIBS := $(LDLIBS)
test_output_LIBS := $(LDLIBS)
test_pvbench_LIBS := $(JSONC_LIBS) -lm
test_top_model_LIBS := -lm
test_top_text_LIBS := $(LDLIBS) -lm

# Man pages: man/NAME.SECTION.scd (scdoc) -> .output/man/NAME.SECTION, with @VERSION@
# replaced, then tidied (man/tidy.awk: no empty paragraph macros, no hyphenation).  Dated
# by SOURCE_DATE_EPOCH if set, else by the last commit that changed man/ (reproducible);
# outside git, today.  MAN_PAGES: every page built (make install's).
SCDOC ?= scdoc
MAN_SRCS := $(wildcard man/*.scd)
MAN_PAGES := $(patsubst man/%.scd,$(OUTPUT)/man/%,$(MAN_SRCS))
MAN_EPOCH = $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct -- man 2>/dev/null))

# Fuzzing (tests/fuzz/): each target fuzz_NAME.c defines pvt_fuzz_one() and
# LLVMFuzzerTestOneInput(), and links the modules it exercises (FUZZ_NAME_SRCS:
# built with the sanitizers) and the rest of pvtrace as it is (FUZZ_NAME_OBJS).
#   make fuzz: clang, libFuzzer + ASan + UBSan, FUZZ_SECONDS per target, new
#              inputs in .output/fuzz/corpus/NAME/, crashes in .output/fuzz/;
#   make check: replay_NAME, the C compiler's ASan + UBSan, each seed once
#              (tests/fuzz/replay.c, a cmocka test).
FUZZ_TARGETS := calibration args record
FUZZ_SECONDS ?= 30
FUZZ_calibration_SRCS := tests/fuzz/fuzz_calibration.c user/calibrate.c user/common.c user/privs.c
FUZZ_calibration_OBJS :=
FUZZ_args_SRCS := tests/fuzz/fuzz_args.c user/cmd_run.c user/common.c user/output.c
FUZZ_args_OBJS := $(filter-out $(call u,main cmd_run common output),$(USER_OBJS))
# record: the reader, the replay through run's code, the model and views, the timeline (all
# of their modules sanitized)
FUZZ_record_SAN := record_file replay timeline cmd_report run_trace fold tasktable memory \
		   creation hist model report_json report_text status
FUZZ_record_SRCS := tests/fuzz/fuzz_record.c $(patsubst %,user/%.c,$(FUZZ_record_SAN)) \
		    lib/qsketch.c lib/keyindex.c lib/vec.c
FUZZ_record_OBJS := $(filter-out $(call u,main $(FUZZ_record_SAN)),$(USER_OBJS))
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := $(filter-out -O2,$(CFLAGS)) -O1 -Itests/fuzz $(SAN_FLAGS) -fsanitize=fuzzer-no-link
REPLAY_CFLAGS := $(CFLAGS) -Itests/fuzz $(SAN_FLAGS)
FUZZ_BINS := $(patsubst %,$(OUTPUT)/fuzz/fuzz_%,$(FUZZ_TARGETS))
REPLAY_BINS := $(patsubst %,$(OUTPUT)/tests/replay_%,$(FUZZ_TARGETS))
fuzz_objs = $(patsubst %.c,$(OUTPUT)/fuzz/%.o,$(FUZZ_$(1)_SRCS))
san_objs = $(patsubst %.c,$(OUTPUT)/san/%.o,$(FUZZ_$(1)_SRCS))

.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS) $(SKELS)
.PHONY: all clean check unit kernel-tests bench demo demo-command install uninstall man deb deps \
	tools vmlinux fuzz fuzz-runtime

all: pvtrace tools

tools: $(TOOLS)

# clang -MMD: the BPF object depends on every bpf/*.h it includes.
$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(OUTPUT)/%.bpf.d $(VMLINUX)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -MT $@ -MF $(@:.o=.d) -c $< -o $@
	$(Q)touch $@ # clang writes the .d file last: keep the object the newer

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

# Every C object: .output/DIR/NAME.o from DIR/NAME.c, with its .d file (see
# DEPFILES at the end).  version.h before any (the .d files name it where it is included).
$(OUTPUT)/%.o: %.c $(OUTPUT)/%.d | $(VERSION_H)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@
	$(Q)touch $@ # the object newer than its .d file, whatever order they were written in

# A skeleton must exist before the first compile of a user object (the .d
# file names the skeletons it includes for every build after that).
$(USER_OBJS): | $(SKELS)
$(PVBENCH_OBJS) $(PVLOAD_OBJS) $(PROG_OBJS): CFLAGS += -pthread
$(OUTPUT)/user/top_curses.o: CFLAGS += $(NCURSES_CFLAGS)
$(OUTPUT)/user/http_server.o: CFLAGS += $(MHD_CFLAGS)
$(OUTPUT)/tests/unit/test_pvbench.o: CFLAGS += -Itools/pvbench

# (Written when make starts; again if something removed it since, make clean all.)
$(VERSION_H):
	$(Q)$(write_version_h)

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

pvtrace: $(USER_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) $(USER_LIBS) -o $@

$(OUTPUT)/pvbench: $(PVBENCH_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -pthread $^ -lrt -lm -o $@

$(OUTPUT)/pvload: $(PVLOAD_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -pthread $^ -o $@

# A test program links libpvcommon.a, and the pvtrace objects and libraries
# it lists itself (top_fake: the live view on a synthetic source).
$(PROGS): $(OUTPUT)/%: $(OUTPUT)/tests/progs/%.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -pthread $(filter-out $(LIB),$^) $(LIB) $(PROG_LIBS) -o $@

TOP_VIEW_OBJS := $(call u,top top_curses top_text top_model hist cgroup common)
$(OUTPUT)/top_fake: $(TOP_VIEW_OBJS)
$(OUTPUT)/top_fake: PROG_LIBS = $(LDLIBS) $(NCURSES_LIBS)

.SECONDEXPANSION:
$(UNIT_BINS): $(OUTPUT)/tests/%: $(OUTPUT)/tests/unit/%.o $$(%_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $($*_LIBS) -lcmocka -o $@

unit: $(UNIT_BINS) $(REPLAY_BINS)

man: $(MAN_PAGES)

$(OUTPUT)/man/%: man/%.scd man/tidy.awk VERSION
	$(call msg,SCDOC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)sed 's/@VERSION@/$(VERSION)/g' $< | \
		$(if $(MAN_EPOCH),SOURCE_DATE_EPOCH=$(MAN_EPOCH)) $(SCDOC) | awk -f man/tidy.awk > $@

# The whole test suite: unit tests (and the fuzz seeds replayed), then kernel-level tests,
# then the shipped pvtrace's (tests/install: the man pages among them); one closing line.
check:
	$(Q)bash scripts/deps.sh --if-missing
	$(Q)$(MAKE) --no-print-directory all unit man
	$(Q)bash tests/run.sh $(UNIT_BINS) $(REPLAY_BINS)

# ---- fuzzing ----
$(OUTPUT)/fuzz/%.o: %.c | $(SKELS) $(VERSION_H)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(OUTPUT)/san/%.o: %.c | $(SKELS) $(VERSION_H)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(REPLAY_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(OUTPUT)/san/replay_%.o: tests/fuzz/replay.c tests/fuzz/fuzz.h
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(REPLAY_CFLAGS) $(DEPFLAGS) -DFUZZ_CORPUS='"tests/fuzz/corpus/$*"' -c $< -o $@

# clang cannot link a fuzzer without its libFuzzer runtime: say so once, before building.
fuzz-runtime:
	$(Q)printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }\n' \
		| $(CLANG) -x c -fsanitize=fuzzer - -o /dev/null 2>/dev/null || \
		{ echo "make fuzz: $(CLANG) has no libFuzzer runtime (libclang_rt.fuzzer); on Debian/Ubuntu: apt-get install libclang-rt-dev (scripts/deps.sh installs it)" >&2; exit 1; }

$(FUZZ_BINS): $(OUTPUT)/fuzz/fuzz_%: $$(call fuzz_objs,%) $$(FUZZ_%_OBJS) $(LIB) | fuzz-runtime
	$(call msg,LINK,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ $(LDLIBS) $(USER_LIBS) -o $@

$(REPLAY_BINS): $(OUTPUT)/tests/replay_%: $(OUTPUT)/san/replay_%.o $$(call san_objs,%) $$(FUZZ_%_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(REPLAY_CFLAGS) $^ $(LDLIBS) $(USER_LIBS) -lcmocka -o $@

# Each target for FUZZ_SECONDS from its seeds; what it finds is kept for the next run.
fuzz: fuzz-runtime
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)
	$(Q)for t in $(FUZZ_TARGETS); do \
		mkdir -p $(OUTPUT)/fuzz/corpus/$$t || exit 1; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s (new inputs: $(OUTPUT)/fuzz/corpus/$$t)"; \
		$(OUTPUT)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-dict=tests/fuzz/$$t.dict -artifact_prefix=$(OUTPUT)/fuzz/$$t- \
			-print_final_stats=1 $(OUTPUT)/fuzz/corpus/$$t tests/fuzz/corpus/$$t \
			2>$(OUTPUT)/fuzz/$$t.log || { tail -n 60 $(OUTPUT)/fuzz/$$t.log; \
			echo "fuzz: $$t FAILED (log: $(OUTPUT)/fuzz/$$t.log)"; exit 1; }; \
		grep -E '^(#[0-9]+[[:space:]]+DONE|Done )' $(OUTPUT)/fuzz/$$t.log; \
	done

bench: all
	$(Q)bash tools/bench-overhead.sh
	$(Q)bash tools/bench-memory.sh
	$(Q)./pvtrace bench

# The demo: pvload's demo workload (mixed, each task living at least four of the
# 100 ms memory sampling intervals: every table has its figures), about 2 s.
# tests/kernel/test_demo.py runs this very command line (make -s demo-command).
DEMO_CMD := ./pvtrace run -- $(OUTPUT)/pvload demo

demo:
	$(Q)bash scripts/deps.sh --if-missing
	$(Q)$(MAKE) --no-print-directory all
	$(DEMO_CMD)

demo-command:
	@echo '$(DEMO_CMD)'

# ---- install ----
# make install [PREFIX=/usr/local] [DESTDIR=]:
#   PREFIX/bin/pvtrace
#   PREFIX/libexec/pvtrace/pvbench   pvtrace runs it from its own path (../libexec/pvtrace/
#                                    beside bin/, user/cmd_bench.c): the two move together
#   MANDIR/manN/                     each of MAN_PAGES (make man), when defined
#   BASHCOMPDIR/pvtrace              COMPLETIONS' *.bash file, when defined
#   ZSHCOMPDIR/_pvtrace              COMPLETIONS' _pvtrace file; where the zsh of a Debian
#                                    system looks: PREFIX/share/zsh/vendor-completions for
#                                    PREFIX=/usr (Debian's directory for packages),
#                                    PREFIX/share/zsh/site-functions for any other PREFIX
#                                    (/usr/local/share/zsh/site-functions: every zsh's default
#                                    fpath); other systems' PREFIX=/usr: ZSHCOMPDIR=
#   DOCDIR/                          README.md, docs/*.md, perfetto/ (docs/perfetto/*.proto)
# Nothing is stripped or compressed (the package's business: dh_strip, dh_compress).
# make uninstall removes those files, and the directories of pvtrace's own (libexec/pvtrace,
# DOCDIR) when left empty; nothing else.
INSTALL ?= install
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/pvtrace
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/$(if $(filter /usr,$(PREFIX)),vendor-completions,site-functions)
PVBENCH_DIR = $(PREFIX)/libexec/pvtrace
INSTALL_DOCS := README.md $(sort $(wildcard docs/*.md))
INSTALL_PROTOS := $(sort $(wildcard docs/perfetto/*.proto))
BASH_COMPLETIONS = $(filter %.bash,$(COMPLETIONS))
ZSH_COMPLETIONS = $(foreach f,$(COMPLETIONS),$(if $(filter _%,$(notdir $(f))),$(f)))
man_dest = $(MANDIR)/man$(patsubst .%,%,$(suffix $(1)))/$(notdir $(1))
bash_dest = $(BASHCOMPDIR)/$(basename $(notdir $(1)))
# Every file make install installs (recursive: MAN_PAGES and COMPLETIONS may be set below).
INSTALLED = $(PREFIX)/bin/pvtrace $(PVBENCH_DIR)/pvbench \
	    $(foreach p,$(MAN_PAGES),$(call man_dest,$(p))) \
	    $(foreach f,$(BASH_COMPLETIONS),$(call bash_dest,$(f))) \
	    $(addprefix $(ZSHCOMPDIR)/,$(notdir $(ZSH_COMPLETIONS))) \
	    $(addprefix $(DOCDIR)/,$(notdir $(INSTALL_DOCS))) \
	    $(addprefix $(DOCDIR)/perfetto/,$(notdir $(INSTALL_PROTOS)))
define nl


endef

# (The prerequisites expanded a second time, .SECONDEXPANSION above: after the whole file.)
install: pvtrace $(OUTPUT)/pvbench $$(MAN_PAGES) $$(COMPLETIONS)
	$(INSTALL) -D -m 0755 pvtrace $(DESTDIR)$(PREFIX)/bin/pvtrace
	$(INSTALL) -D -m 0755 $(OUTPUT)/pvbench $(DESTDIR)$(PVBENCH_DIR)/pvbench
	$(foreach p,$(MAN_PAGES),$(INSTALL) -D -m 0644 $(p) $(DESTDIR)$(call man_dest,$(p))$(nl))
	$(foreach f,$(BASH_COMPLETIONS),$(INSTALL) -D -m 0644 $(f) $(DESTDIR)$(call bash_dest,$(f))$(nl))
	$(foreach f,$(ZSH_COMPLETIONS),$(INSTALL) -D -m 0644 $(f) $(DESTDIR)$(ZSHCOMPDIR)/$(notdir $(f))$(nl))
	$(INSTALL) -d $(DESTDIR)$(DOCDIR)/perfetto
	$(INSTALL) -m 0644 $(INSTALL_DOCS) $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 0644 $(INSTALL_PROTOS) $(DESTDIR)$(DOCDIR)/perfetto/

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	for d in $(DESTDIR)$(DOCDIR)/perfetto $(DESTDIR)$(DOCDIR) $(DESTDIR)$(PVBENCH_DIR); do \
		[ ! -d "$$d" ] || rmdir --ignore-fail-on-non-empty "$$d" || exit 1; done

# The Debian package (debian/), built by dpkg-buildpackage in a copy of the tree.
deb:
	$(Q)bash scripts/deb.sh

deps:
	$(Q)bash scripts/deps.sh

# Regenerate the vendored vmlinux.h from the running kernel's BTF.
vmlinux:
	$(Q)bash vmlinux/gen.sh

clean:
	$(Q)rm -rf $(OUTPUT) pvtrace

# An object whose .d file is missing (never built, or built before -MMD) is
# rebuilt: the .d files are targets with no recipe.
DEPFILES := $(patsubst %.o,%.d,$(BPF_OBJS) $(LIB_OBJS) $(USER_OBJS) $(PVBENCH_OBJS) $(PVLOAD_OBJS) \
	      $(PROG_OBJS) $(UNIT_OBJS))
$(DEPFILES):
include $(wildcard $(DEPFILES))
# the sanitized builds of fuzz/replay objects: their headers, once built
include $(wildcard $(patsubst %,$(OUTPUT)/%/*/*.d,san fuzz) $(patsubst %,$(OUTPUT)/%/*/*/*.d,san fuzz))
