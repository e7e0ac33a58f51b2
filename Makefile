# capsa: an OCI container runtime.  `make` builds ./capsa; `make check` runs every test;
# `make demo` runs the hello example.  See README.md.

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
BUILD ?= build
PKGS := jansson libseccomp libcap libbpf libarchive nettle libmnl libnftnl

# The sanitizer build lives in its own tree: make SAN=1 BUILD=build-asan
SAN ?=

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# Every library Debian ships as a .a is linked statically (issue 8): loading
# and relocating ~23 shared objects cost ~10 ms and ~3.5 MiB of RSS at each
# capsa invocation (see tests/bench/README.md).  The rest (and glibc) stay
# shared.  STATIC_LIBS=0 links everything dynamically, as before.
STATIC_LIBS ?= 1
ifeq ($(STATIC_LIBS),1)
MULTIARCH := $(shell $(CC) -print-multiarch)
# -lX becomes libX.a where it exists; else -lX if libX.so (the -dev link)
# exists; else -l:libX.so.N (the static archives' deps with only a runtime package).
PKG_LIBS := $(shell for f in $$(pkg-config --static --libs $(PKGS) 2>/dev/null); do \
	case $$f in (-lc|-lm|-ldl|-lpthread|-lrt|-lresolv|-lutil) echo $$f; continue;; (-l*) ;; (*) echo $$f; continue;; esac; \
	n=lib$$(echo $$f | cut -c3-); \
	a=$$($(CC) -print-file-name=$$n.a); case $$a in (/*) echo $$a; continue;; esac; \
	a=$$($(CC) -print-file-name=$$n.so); case $$a in (/*) echo $$f; continue;; esac; \
	a=$$(ls /usr/lib/$(MULTIARCH)/$$n.so.[0-9]* /lib/$(MULTIARCH)/$$n.so.[0-9]* 2>/dev/null | head -1); \
	if [ -n "$$a" ]; then echo -l:$$(basename $$a); else echo $$f; fi; done)
endif
# libmnl's functions come from netns/mnl.c (Debian ships no libmnl.a); the
# package stays for its header, which mnl.c is compiled against.
PKG_LIBS := $(filter-out -lmnl,$(PKG_LIBS))

# capsa itself is one static PIE (glibc too) unless STATIC=0: no ld.so, no
# shared objects to map at each of the two execs a container start makes;
# peak RSS of `run` 2.4 -> 1.6 MiB (issue 8, tests/bench/README.md).  The
# sanitizer build, the unit tests and the fuzz replays stay dynamic.
STATIC ?= $(STATIC_LIBS)
ifeq ($(SAN),1)
STATIC := 0
endif
# The code a run executes, linked first (cmd/hot-text.ld, made by
# tests/bench/hot-text.sh): ~0.2 ms less per run here, from fewer and
# cheaper page faults (tests/bench/README.md, Session 8).  HOT_TEXT= links
# in the default order.
HOT_TEXT ?= cmd/hot-text.ld
comma := ,
ifeq ($(STATIC),1)
CAPSA_LINK = -static-pie $(filter-out -pie -l:%,$(ALL_LDFLAGS_BASE)) $(filter-out -l:%,$(PKG_LIBS)) \
	$(if $(HOT_TEXT),-Wl$(comma)-T$(comma)$(HOT_TEXT))
else
CAPSA_LINK = $(ALL_LDFLAGS_BASE) $(PKG_LIBS)
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wimplicit-fallthrough -Wvla -Wpointer-arith -Wwrite-strings -Wundef -fno-common \
	-Wno-format-nonliteral -Wno-format-truncation -Wno-unknown-warning-option
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
HARDEN := -fPIE
LDSAN := -fsanitize=address,undefined
endif
# -ffunction-sections: each function its own section, for --gc-sections
# and for cmd/hot-text.ld to place it
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) $(HARDEN) $(CFLAGS) -ffunction-sections -I. -Iruntime $(PKG_CFLAGS) \
	-MMD -MP
# pack-relative-relocs (DT_RELR, binutils 2.38 + glibc 2.36): the PIE's ~2,800
# relative relocations as a 0.7 KB bitmap instead of 67 KB of RELA entries
# that ld.so reads at every start: about -60 KiB peak RSS of `run` (issue 8;
# tests/bench/README.md, session 3).
ALL_LDFLAGS_BASE = -pie -Wl,-z,relro,-z,now -Wl,-z,pack-relative-relocs -Wl,--as-needed -Wl,--gc-sections \
	$(LDSAN) $(LDFLAGS)
ALL_LDFLAGS = $(ALL_LDFLAGS_BASE)

LIB_SRCS := $(sort $(wildcard runtime/*.c cgroups/*.c netns/*.c image/*.c))
CMD_SRCS := $(sort $(wildcard cmd/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CMD_OBJS := $(CMD_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/tests/fuzz/%-replay)

CAPSA := $(BUILD)/capsa
SPEC_FLOOR := $(BUILD)/bench-tools/spec-floor

.PHONY: all install deps demo check clean format format-check unit integration \
	asan fuzz fuzz-replay security e2e vm bench helpers cgroups net images clang

all: $(CAPSA) helpers $(SPEC_FLOOR)

$(BUILD)/libcapsa.a: $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(CAPSA): $(CMD_OBJS) $(BUILD)/libcapsa.a $(if $(filter 1,$(STATIC)),$(HOT_TEXT))
	$(CC) $(ALL_CFLAGS) -o $@ $(CMD_OBJS) $(BUILD)/libcapsa.a $(CAPSA_LINK)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libcapsa.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libcapsa.a $(ALL_LDFLAGS) $(PKG_LIBS) -lcmocka

$(BUILD)/tests/fuzz/%-replay: tests/fuzz/%.c tests/fuzz/replay.c $(BUILD)/libcapsa.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay.c $(BUILD)/libcapsa.a $(ALL_LDFLAGS) $(PKG_LIBS)

# Static payload programs the integration tests run inside containers.
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/helpers/%)
helpers: $(HELPER_BINS)
$(BUILD)/helpers/%: tests/helpers/%.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -static -o $@ $<

# The bench's spec floor (tests/bench/README.md), which tests/bench/run.sh
# and vm-run.sh time; built with everything, so every build checks it.
$(SPEC_FLOOR): tests/bench/spec-floor.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -D_GNU_SOURCE -O2 $(WARN) -static-pie -fPIE -o $@ $<

install: $(CAPSA)
	install -D -m 0755 $(CAPSA) $(DESTDIR)$(PREFIX)/bin/capsa

deps:
	@./tests/deps.sh

demo: deps all
	./examples/demo.sh

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

fuzz-replay: $(FUZZ_REPLAY)
	@set -e; for t in $(FUZZ_REPLAY); do n=$$(basename $$t -replay); \
		echo "== $$n corpus"; $$t tests/fuzz/corpus/$$n; done

fuzz:
	@./tests/fuzz/run.sh

integration: all
	@./tests/integration/run.sh $(CURDIR)/$(CAPSA)

asan:
	$(MAKE) SAN=1 BUILD=build-asan build-asan/capsa unit fuzz-replay
	CAPSA_EXPECT_DYNAMIC=1 ASAN_OPTIONS=halt_on_error=1:detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		./tests/integration/run.sh $(CURDIR)/build-asan/capsa

security: all
	@./tests/security/run.sh $(CURDIR)/$(CAPSA)

# The cgroup layer on this host's hierarchy, for real.
cgroups: all
	@./tests/cgroups/run.sh $(CURDIR)/$(BUILD)

# Bridge networking in test-private bridges and namespaces.
net: all
	@./tests/net/run.sh

# Image import, unpack, overlay, and `run --image`.
images: all
	@./tests/image/run.sh $(CURDIR)/$(CAPSA)

# The whole tree must build warning-free with clang too.
clang:
	$(MAKE) CC=clang BUILD=build-clang build-clang/capsa

e2e: all
	@./tests/e2e/run.sh $(CURDIR)/$(CAPSA)

vm: all
	@./tests/vm/run.sh

bench: all
	@./tests/bench/run.sh $(CURDIR)/$(CAPSA)

format:
	clang-format -i --style=file $$(git ls-files '*.c' '*.h')

format-check:
	@./tests/format-check.sh

check: deps all format-check clang unit fuzz-replay integration cgroups net images security e2e asan vm
	@echo "make check: all suites passed"

clean:
	rm -rf build build-*

-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d)
