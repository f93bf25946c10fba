# SPDX-License-Identifier: GPL-2.0-only
# synguard - top-level build. `make V=1` shows every command.

CLANG   ?= clang
BPFTOOL ?= bpftool
CC      ?= gcc
OUT     := build
ARCH    := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

INCLUDES := -Iinclude -Ivmlinux -I$(OUT)
WARN     := -Wall -Wextra -Werror
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) $(WARN) \
	      -Wno-unused-parameter -Wno-missing-field-initializers \
	      -Wno-address-of-packed-member -Wno-unused-function $(INCLUDES)
CFLAGS   ?= -g -O2
# -iquote: user/features.h must not shadow glibc's <features.h>
CFLAGS   += $(WARN) -Iinclude -I$(OUT) -iquote user -D_GNU_SOURCE
LDLIBS   += -lxdp -lbpf -lelf -lz
SG_EXTRA_LIBS := -lmicrohttpd -lpthread

BPF_SRCS := $(wildcard bpf/*.bpf.c)
# synguard_fixed: the defense built with -DSG_FIXED_LEN for libxdp
# dispatchers whose slots do not change packet data (bpf/fixed_len.h)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRCS)) $(OUT)/synguard_fixed.bpf.o
SKELS    := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS)) $(OUT)/synguard_fixed.skel.h
BPF_HDRS := $(wildcard bpf/*.h) $(wildcard include/*.h)

USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUT)/user/%.o,$(USER_SRCS))
USER_HDRS := $(wildcard user/*.h) $(wildcard include/*.h)
# user/ code that tests and tools may link (everything but main.c)
USER_LIB_OBJS := $(filter-out $(OUT)/user/main.o,$(USER_OBJS))

# Every tests/{unit,tools,bench}/NAME.c is one program, linked with tests/lib/*.c
TEST_LIB_SRCS := $(wildcard tests/lib/*.c)
TEST_LIB_OBJS := $(patsubst tests/lib/%.c,$(OUT)/tests/lib/%.o,$(TEST_LIB_SRCS))
TEST_SRCS := $(wildcard tests/unit/*.c tests/tools/*.c tests/bench/*.c)
TEST_BINS := $(patsubst tests/%.c,$(OUT)/tests/%,$(TEST_SRCS))

MAN := $(OUT)/synguard.8

.SECONDARY:
.PHONY: all deps test test-kernels bench demo clean vmlinux install man
all: $(SKELS) $(OUT)/synguard $(TEST_BINS) $(MAN)

deps:
	$(Q)scripts/deps.sh

$(OUT) $(OUT)/user $(OUT)/tests/unit $(OUT)/tests/tools $(OUT)/tests/bench $(OUT)/tests/lib:
	$(Q)mkdir -p $@

$(OUT)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) vmlinux/vmlinux.h | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/synguard_fixed.bpf.o: bpf/synguard.bpf.c $(BPF_HDRS) vmlinux/vmlinux.h | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DSG_FIXED_LEN -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@.tmp && mv $@.tmp $@

# `CMD --help` texts come from the man page source: one source for both
$(OUT)/help_text.h: docs/synguard.8.md scripts/gen_help.py | $(OUT)
	$(call msg,GEN,$@)
	$(Q)python3 scripts/gen_help.py $< $@.tmp && mv $@.tmp $@

$(OUT)/user/%.o: user/%.c $(USER_HDRS) $(SKELS) $(OUT)/help_text.h | $(OUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/synguard: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS) $(SG_EXTRA_LIBS)

$(OUT)/tests/lib/%.o: tests/lib/%.c $(wildcard tests/lib/*.h) $(USER_HDRS) $(SKELS) | $(OUT)/tests/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/lib -c $< -o $@

$(OUT)/tests/%: tests/%.c $(TEST_LIB_OBJS) $(USER_LIB_OBJS) $(wildcard tests/lib/*.h) $(USER_HDRS) $(SKELS) | $(OUT)/tests/unit $(OUT)/tests/tools $(OUT)/tests/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/lib $< $(TEST_LIB_OBJS) $(USER_LIB_OBJS) -o $@ $(LDLIBS) $(SG_EXTRA_LIBS) -lpthread -lm

# The man page, from its one source. go-md2man comes with scripts/deps.sh;
# without it `make` still builds everything else (and says so).
man: $(MAN)
$(MAN): docs/synguard.8.md | $(OUT)
	$(call msg,MAN,$@)
	$(Q)if command -v go-md2man >/dev/null; then go-md2man -in $< -out $@; \
	else echo "  (go-md2man missing: run 'make deps' to build $@)"; fi

# The binary, its man page and the systemd units (deploy/, which run
# /usr/local/sbin/synguard). /etc/synguard.conf is the operator's to write.
PREFIX ?= /usr/local
install: all
	install -D -m 0755 $(OUT)/synguard $(DESTDIR)$(PREFIX)/sbin/synguard
	if [ -f $(MAN) ]; then install -D -m 0644 $(MAN) $(DESTDIR)$(PREFIX)/share/man/man8/synguard.8; fi
	install -D -m 0644 -t $(DESTDIR)/etc/systemd/system deploy/synguard.service deploy/synguard-metrics.service deploy/synguard-clock.timer deploy/synguard-clock.service
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/doc/synguard deploy/synguard.conf.example deploy/grafana-dashboard.json

# vmlinux.h is checked in; regenerate it only on purpose.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/run.sh

# The suite (the subset in tests/vm/run.sh) under Debian's kernels in qemu
# TCG: 6.1 (Debian 12) and 6.12. Slow: see README "Kernel matrix".
SG_KERNELS ?= 6.1 6.12
test-kernels: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)mkdir -p $(OUT)/vm && : > $(OUT)/vm/summary; rc=0; \
	for k in $(SG_KERNELS); do \
		tests/vm/run.sh $$k > $(OUT)/vm/last-$$k.log 2>&1; r=$$?; [ $$r -eq 0 ] || rc=1; \
		tail -n 40 $(OUT)/vm/last-$$k.log; \
		echo "$$k: $$(grep -E '^[0-9]+ passed, ' $(OUT)/vm/last-$$k.log | tail -n 1) (status $$r)" >> $(OUT)/vm/summary; \
	done; echo "== kernel matrix"; cat $(OUT)/vm/summary; exit $$rc

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/bench/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/lab/demo.sh

clean:
	$(Q)rm -rf $(OUT)
