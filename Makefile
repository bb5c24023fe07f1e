# pvtrace - build, test, bench, demo.
#
#   make                 build ./pvtrace and the workload tools
#   make check           unit tests + kernel-level tests (root); ends "N passed, N failed, N skipped"
#   make bench           tracer overhead on perf bench sched pipe, then pvtrace bench
#                        (creation, switch, IPC, memory, scale: processes vs threads)
#   make demo            deps, build, and a demo report
#   make install PREFIX=/usr/local
#   make V=1             show the commands
#
# Objects go to .output/.  Dependencies: scripts/deps.sh (called when a tool is missing).

ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
OUTPUT := .output
PREFIX ?= /usr/local

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config

VMLINUX := vmlinux/$(ARCH)/vmlinux.h
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

LIBBPF_CFLAGS := $(shell $(PKG_CONFIG) --cflags libbpf 2>/dev/null)
LIBBPF_LIBS := $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf)
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE \
	  -DPVTRACE_VERSION='"$(VERSION)"' -I$(OUTPUT) -Ibpf -Iuser $(LIBBPF_CFLAGS)
LDLIBS := $(LIBBPF_LIBS) -lelf -lz $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null || echo -ljson-c)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Wno-unused-function \
	      -I$(OUTPUT) -Ibpf -Ivmlinux/$(ARCH) -mcpu=v3

BPF_PROGS := pvtrace empty
BPF_OBJS := $(patsubst %,$(OUTPUT)/%.bpf.o,$(BPF_PROGS))
SKELS := $(patsubst %,$(OUTPUT)/%.skel.h,$(BPF_PROGS))

USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
USER_HDRS := $(wildcard user/*.h) bpf/pvtrace.h

# pvbench (pvtrace bench): its own files plus the libc-only modules it shares with pvtrace.
PVBENCH_SRCS := $(wildcard tools/pvbench/*.c) user/json_writer.c user/escape.c user/pingpong.c \
		user/machine.c
PVBENCH_HDRS := tools/pvbench/pvbench.h user/json_writer.h user/escape.h user/pingpong.h \
		user/machine.h

TOOLS := $(OUTPUT)/pvbench $(OUTPUT)/pvload $(OUTPUT)/selfcount $(OUTPUT)/spawn $(OUTPUT)/creator $(OUTPUT)/crash $(OUTPUT)/memhog
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
# Userspace modules the unit tests link against (everything but main.c).
UNIT_LIB_OBJS := $(filter-out $(OUTPUT)/user/main.o,$(USER_OBJS))

.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS) $(SKELS)
.PHONY: all clean check unit kernel-tests bench demo install deps tools vmlinux

all: pvtrace tools

tools: $(TOOLS)

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c bpf/pvtrace.h bpf/pvtrace.bpf.h $(VMLINUX) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(OUTPUT)/user/%.o: user/%.c $(USER_HDRS) $(SKELS) | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

pvtrace: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/pvload: tools/pvload.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -pthread $< -o $@

$(OUTPUT)/pvbench: $(PVBENCH_SRCS) $(PVBENCH_HDRS) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itools/pvbench -pthread $(PVBENCH_SRCS) -lrt -lm -o $@

$(OUTPUT)/%: tests/progs/%.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -pthread $< -o $@

# pvbench's shared parts (not its suites), linked alone.
PVBENCH_LIB_SRCS := tools/pvbench/bench.c tools/pvbench/seed.c tools/pvbench/text.c \
		    tools/pvbench/json.c user/json_writer.c user/escape.c
$(OUTPUT)/tests/test_pvbench: tests/unit/test_pvbench.c $(PVBENCH_LIB_SRCS) $(PVBENCH_HDRS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itools/pvbench $< $(PVBENCH_LIB_SRCS) -lcmocka -ljson-c -lm -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(UNIT_LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(UNIT_LIB_OBJS) $(LDLIBS) -lcmocka -o $@

unit: $(UNIT_BINS)

# The whole test suite: unit tests, then kernel-level tests; one closing line.
check:
	$(Q)bash scripts/deps.sh --if-missing
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)bash tests/run.sh $(UNIT_BINS)

bench: all
	$(Q)bash tools/bench-overhead.sh
	$(Q)./pvtrace bench

demo:
	$(Q)bash scripts/deps.sh --if-missing
	$(Q)$(MAKE) --no-print-directory all
	./pvtrace run -- $(OUTPUT)/pvload mixed

install: pvtrace $(OUTPUT)/pvbench
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/pvtrace
	install -m 0755 pvtrace $(DESTDIR)$(PREFIX)/bin/pvtrace
	install -m 0755 $(OUTPUT)/pvbench $(DESTDIR)$(PREFIX)/libexec/pvtrace/pvbench

deps:
	$(Q)bash scripts/deps.sh

# Regenerate the vendored vmlinux.h from the running kernel's BTF.
vmlinux:
	$(Q)bash vmlinux/gen.sh

clean:
	$(Q)rm -rf $(OUTPUT) pvtrace
