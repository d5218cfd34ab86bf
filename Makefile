# SPDX-License-Identifier: MIT
#
# Thin wrapper over CMake + Ninja. CMake is the build; this file only names
# the everyday jobs, keeps one build directory per configuration (the
# presets in CMakePresets.json) and installs missing Debian packages first.
# docs/building.md describes every target; `make help` lists them.
#
#   make run [ARGS="--duration 5s"]   build build/, run tools/cwsim/cwsim
#   make check                        tests: build/, build-asan/, build-tsan/
#   make bench [SUITE=clocks]         Release benchmarks into build/bench/
#   make soak                         long randomized tests (label soak)
#   make install [PREFIX=/usr/local]  install headers, libraries, .pc, CMake
#   make cross                        compile the core for 32-bit ARM, RV32, AArch64;
#                                     run its 128-bit math on ARMv7 and AArch64 (qemu)
#
# Every recipe runs in bash with -e -u -o pipefail, so a failing step (or
# ctest piped into tee) fails the target.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := all
MAKEFLAGS += --no-print-directory

# The targets are pipelines over one build directory each, and ninja and
# ctest already use both cores: running two of them at once under `make -j`
# would only thrash the machine and interleave their logs.
.NOTPARALLEL:

# Absolute paths, so `make -C <repo>` and `make -f <repo>/Makefile` work.
ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

CMAKE ?= cmake
CTEST ?= ctest
# ctest parallelism: the reference machine (developers and CI) has 2 cores.
JOBS ?= 2
# Extra arguments for every CMake configure, e.g. CMAKE_ARGS=-DCW_DEFAULT_HZ=250.
CMAKE_ARGS ?=
ARGS ?=
SUITE ?=
PREFIX ?= /usr/local
DESTDIR ?=
# format-check: ALL=1 checks every tracked C file instead of the changed ones.
ALL ?=

# One directory per configure preset (CMakePresets.json names the same).
B_DEFAULT := $(ROOT)/build
B_ASAN    := $(ROOT)/build-asan
B_TSAN    := $(ROOT)/build-tsan
B_RELEASE := $(ROOT)/build-release
B_COV     := $(ROOT)/build-coverage
B_CROSS   := $(ROOT)/build-cross

CWSIM := $(B_DEFAULT)/tools/cwsim/cwsim
# Benchmarks append JSON lines here; the path reaches them in CW_BENCH_RESULTS.
BENCH_RESULTS := $(B_DEFAULT)/bench/results.jsonl

# ---------------------------------------------------------------------------
# Dependency bootstrap.
#
# Entries are <kind>:<name>:<Debian package>; kind "cmd" is a program on PATH,
# "pc" a pkg-config module. g++ is not needed for the library, but without it
# the C++ half of the header self-containment test is skipped. clang builds
# the timer wheel's libFuzzer target, which make check runs briefly.
DEPS_BUILD := cmd:cmake:cmake cmd:ninja:ninja-build cmd:pkg-config:pkg-config \
	      cmd:gcc:gcc cmd:g++:g++ pc:cmocka:libcmocka-dev cmd:clang:clang
# Tests only: gnuplot draws cwsim --report's plots, chromium loads the page.
DEPS_TEST := cmd:gnuplot:gnuplot-nox cmd:chromium:chromium
DEPS_BENCH := pc:libuv:libuv1-dev pc:libevent:libevent-dev pc:libdpdk:libdpdk-dev
DEPS_FORMAT := cmd:git:git cmd:clang-format:clang-format
# make cross: the cross compilers and the C library headers they compile
# against (newlib's: the core needs <string.h>, <stdio.h>, <stdlib.h>).
# Kind "file" is a path that must exist.
DEPS_CROSS := cmd:cmake:cmake cmd:ninja:ninja-build cmd:clang:clang \
	      cmd:arm-none-eabi-gcc:gcc-arm-none-eabi \
	      file:/usr/lib/arm-none-eabi/include/stdio.h:libnewlib-arm-none-eabi \
	      cmd:riscv64-unknown-elf-gcc:gcc-riscv64-unknown-elf \
	      file:/usr/include/newlib/stdio.h:libnewlib-dev \
	      cmd:aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu \
	      file:/usr/aarch64-linux-gnu/include/stdio.h:libc6-dev-arm64-cross \
	      file:/usr/aarch64-linux-gnu/lib/libc.a:libc6-dev-arm64-cross \
	      cmd:arm-linux-gnueabihf-gcc:gcc-arm-linux-gnueabihf \
	      file:/usr/arm-linux-gnueabihf/lib/libc.a:libc6-dev-armhf-cross \
	      cmd:qemu-arm:qemu-user cmd:qemu-aarch64:qemu-user

# $(call cw_bootstrap,<entries>): install what is missing when root, else
# print the apt-get line to run and fail. When everything is present this
# costs one `command -v` or `pkg-config --exists` per entry and no apt call.
# The check runs again after installing, so a package that does not provide
# what we looked for is reported instead of failing later in CMake.
define cw_bootstrap
	cw_missing() { \
		local dep kind name pkg out=""; \
		for dep in $(1); do \
			IFS=: read -r kind name pkg <<<"$$dep"; \
			case "$$kind" in \
			cmd) command -v "$$name" >/dev/null 2>&1 && continue ;; \
			pc) command -v pkg-config >/dev/null 2>&1 && \
				pkg-config --exists "$$name" && continue ;; \
			file) [ -e "$$name" ] && continue ;; \
			esac; \
			case " $$out " in *" $$pkg "*) ;; *) out="$$out $$pkg" ;; esac; \
		done; \
		echo "$$out"; \
	}; \
	missing=$$(cw_missing); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" -ne 0 ]; then \
			echo "Missing packages:$$missing. Install them with:" >&2; \
			echo "  sudo apt-get install -y$$missing" >&2; \
			exit 1; \
		fi; \
		if ! command -v apt-get >/dev/null 2>&1; then \
			echo "Missing packages:$$missing, and no apt-get to install them." >&2; \
			exit 1; \
		fi; \
		echo "bootstrap: installing$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -q; \
		apt-get install -y -q $$missing; \
		missing=$$(cw_missing); \
		if [ -n "$$missing" ]; then \
			echo "bootstrap: still missing after apt-get install:$$missing" >&2; \
			exit 1; \
		fi; \
	fi
endef

# ---------------------------------------------------------------------------
# Building blocks.

# $(call cw_configure,<preset>,<dir>): configure only when the directory has
# no build.ninja yet. Afterwards ninja re-runs CMake by itself whenever a
# CMakeLists.txt or a CONFIGURE_DEPENDS glob changes.
cw_configure = test -f $(2)/build.ninja || { cd $(ROOT) && $(CMAKE) --preset $(1) $(CMAKE_ARGS); }

# $(call cw_ctest,<dir>,<extra ctest args>): run tests, keeping the output for
# the summary that `make check` prints last.
cw_ctest = $(CTEST) --test-dir $(1) --output-on-failure -j $(JOBS) $(2) 2>&1 | tee $(1)/cw-ctest.log

# Soak tests are long randomized runs with their own target; check leaves
# them out to stay quick.
NO_SOAK := -LE '^soak$$'

.PHONY: all help deps deps-test deps-bench deps-cross build run check check-default check-asan check-tsan \
	test bench soak install clean format-check docs cross cross-compile cross-run

all: build

help:
	@echo "make [build]          configure (once) and build build/ (RelWithDebInfo)"
	@echo "make run ARGS=...     build, then run build/tools/cwsim/cwsim ARGS"
	@echo "make check            every test in build/ and build-asan/ (ASan+UBSan),"
	@echo "                      then the posix/tsan-labelled tests in build-tsan/"
	@echo "make test             the tests of build/ only (first third of check)"
	@echo "make bench [SUITE=s]  Release benchmarks (bench_<s>), results in"
	@echo "                      build/bench/results.jsonl"
	@echo "make soak             tests labelled soak, in build/"
	@echo "make install          PREFIX=$(PREFIX) [DESTDIR=...]"
	@echo "make cross            compile src/core and the template port for armv7-a,"
	@echo "                      Cortex-M4/M0, rv32imac and AArch64 (build-cross/), then"
	@echo "                      compare the 128-bit math on ARMv7/AArch64 (qemu) with the host"
	@echo "make format-check     clang-format on changed C files (ALL=1: every file)"
	@echo "make docs             Doxygen over include/ into build/docs/, warnings fail"
	@echo "make clean            remove every build directory"

deps:
	@$(call cw_bootstrap,$(DEPS_BUILD))

deps-test:
	@$(call cw_bootstrap,$(DEPS_TEST))

deps-bench:
	@$(call cw_bootstrap,$(DEPS_BUILD) $(DEPS_BENCH))

deps-cross:
	@$(call cw_bootstrap,$(DEPS_CROSS))

build: deps
	@$(call cw_configure,default,$(B_DEFAULT))
	$(CMAKE) --build $(B_DEFAULT)

run: build
	@test -x $(CWSIM) || { echo "run: $(CWSIM) was not built (tools/cwsim, CW_BUILD_TOOLS=ON)" >&2; exit 1; }
	$(CWSIM) $(ARGS)

# ---------------------------------------------------------------------------
# Tests.

check-default test: build deps-test
	$(call cw_ctest,$(B_DEFAULT),--no-tests=error $(NO_SOAK))

check-asan: deps deps-test
	@$(call cw_configure,asan,$(B_ASAN))
	$(CMAKE) --build $(B_ASAN)
	$(call cw_ctest,$(B_ASAN),--no-tests=error $(NO_SOAK))

# Only the tests that run real threads are worth ThreadSanitizer's time;
# everything else is single-threaded on the sim port. Until such tests exist
# ctest reports "No tests were found" here, which is not a failure.
check-tsan: deps
	@$(call cw_configure,tsan,$(B_TSAN))
	$(CMAKE) --build $(B_TSAN)
	$(call cw_ctest,$(B_TSAN),--no-tests=ignore -L '^(posix|tsan)$$')

# The closing line sums the three runs in the "N passed, N failed" form, so a
# reader of the log does not add up three ctest summaries (or mistake the
# last one, possibly empty, for the whole).
check: check-default check-asan check-tsan
	@passed=0; failed=0; \
	for d in $(B_DEFAULT) $(B_ASAN) $(B_TSAN); do \
		line=$$(grep -Eo '[0-9]+ tests? failed out of [0-9]+' $$d/cw-ctest.log | tail -n 1 || true); \
		[ -n "$$line" ] || continue; \
		set -- $$line; \
		failed=$$((failed + $$1)); passed=$$((passed + $$6 - $$1)); \
	done; \
	echo "check: $$passed passed, $$failed failed"

# The soak programs print simulated seconds per wall second; passing tests'
# output stays in ctest's log, so those lines are printed from there.
soak: build
	status=0; $(CTEST) --test-dir $(B_DEFAULT) --output-on-failure -j $(JOBS) --no-tests=ignore \
		-L '^soak$$' || status=$$?; \
	grep -h '^soak: .*simulated s per wall s' $(B_DEFAULT)/Testing/Temporary/LastTest*.log || true; \
	exit $$status

# ---------------------------------------------------------------------------
# Benchmarks. bench/ builds one program per suite, bench_<suite>; each runs
# from build-release/bench/ and appends its results to $(BENCH_RESULTS).
# Reconfigure every time: the release preset alone does not enable bench/,
# and a build-release/ made by hand may lack it.
bench: deps-bench
	cd $(ROOT) && $(CMAKE) --preset release -DCW_BUILD_BENCH=ON -DCW_BUILD_TESTS=OFF $(CMAKE_ARGS)
	$(CMAKE) --build $(B_RELEASE)
	@mkdir -p $(dir $(BENCH_RESULTS))
	@cd $(B_RELEASE)/bench 2>/dev/null || { \
		echo "bench: $(B_RELEASE)/bench does not exist (bench/CMakeLists.txt built nothing)" >&2; \
		exit 1; \
	}; \
	suites="$(patsubst bench_%,%,$(SUITE))"; \
	if [ -n "$$suites" ]; then \
		progs=""; \
		for s in $$suites; do \
			if [ ! -x "bench_$$s" ]; then \
				echo "bench: no benchmark bench_$$s; built:" \
					$$(find . -maxdepth 1 -type f -executable -name 'bench_*' -printf '%f ') >&2; \
				exit 1; \
			fi; \
			progs="$$progs bench_$$s"; \
		done; \
	else \
		progs=$$(find . -maxdepth 1 -type f -executable -name 'bench_*' -printf '%f\n' | sort); \
	fi; \
	if [ -z "$$progs" ]; then \
		echo "bench: no bench_* programs in $(B_RELEASE)/bench" >&2; \
		exit 1; \
	fi; \
	failed=""; \
	for p in $$progs; do \
		echo "== $$p"; \
		CW_BENCH_RESULTS="$(BENCH_RESULTS)" ./$$p $(ARGS) || failed="$$failed $$p"; \
	done; \
	echo "bench: results appended to $(BENCH_RESULTS)"; \
	if [ -n "$$failed" ]; then \
		echo "bench: failed:$$failed" >&2; \
		exit 1; \
	fi

# ---------------------------------------------------------------------------
# Install. The prefix goes into the cache as well as to --install, because
# the generated clockwork.pc records it at configure time.
install: deps
	cd $(ROOT) && $(CMAKE) --preset default -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS)
	$(CMAKE) --build $(B_DEFAULT)
	DESTDIR="$(DESTDIR)" $(CMAKE) --install $(B_DEFAULT) --prefix $(PREFIX)

clean:
	rm -rf $(B_DEFAULT) $(B_ASAN) $(B_TSAN) $(B_RELEASE) $(B_COV) $(B_CROSS)

# ---------------------------------------------------------------------------
# Cross-compile checks. The top-level CMakeLists.txt with CW_CORE_ONLY=ON
# compiles src/core and src/port/template into objects, nothing else, with
# the project's warnings (-Wall -Wextra -Werror ...) and the generated
# clockwork/config.h at its defaults. One build directory per target under
# build-cross/; nothing is linked (no target C library or libatomic needed).
#
# A target is: compiler, CMake build type, knob settings (comma-separated
# -D options, "-" for the defaults), then its C flags. GCC for every architecture (the compilers
# Debian packages), and Clang for three of them: the two compilers warn
# about different things. The Cortex-A9 is the CPU the simulator's
# cortex-a9-quad machine models; Cortex-M0 has no LDREX/STREX, so every
# atomic there is a library call. The *-debug target keeps the assertions
# and compiles CW_DEBUG_INVARIANTS' checkers in; cortex-m0 builds with the
# small-MCU knobs of docs/building.md (a 2 KiB log ring, no hrtimer queue
# wheel) and assertions on in a release build. RV32 and Clang use the
# target-independent newlib headers of libnewlib-dev (-idirafter: after the
# compiler's own <stdint.h> and <stdatomic.h>).
#
# Atomics the target cannot do inline (64-bit ones on RV32 and ARMv7-M,
# all of them on ARMv6-M) become calls to __atomic_* functions, which a
# bare-metal port must provide (libatomic, or interrupt masking on one
# core); each target's line lists the ones its objects call. GCC compiles
# them silently; Clang's -Watomic-alignment calls each a performance
# penalty, which is that same list, so it is off for Clang.
CROSS_NEWLIB := -idirafter /usr/include/newlib
CROSS_CLANG := -ffreestanding -Wno-atomic-alignment $(CROSS_NEWLIB)
CROSS_TARGETS := armv7a-a9 armv7a-a9-debug cortex-m4 cortex-m0 rv32imac aarch64 \
		 clang-armv7a-a9 clang-cortex-m0 clang-rv32imac
CROSS_armv7a-a9       := arm-none-eabi-gcc Release - -mcpu=cortex-a9 -marm \
			 -mfloat-abi=hard -mfpu=vfpv3-d16
CROSS_armv7a-a9-debug := arm-none-eabi-gcc Debug -DCW_DEBUG_INVARIANTS=ON -O1 \
			 -mcpu=cortex-a9 -mthumb
CROSS_cortex-m4       := arm-none-eabi-gcc MinSizeRel - -mcpu=cortex-m4 -mthumb \
			 -mfloat-abi=hard -mfpu=fpv4-sp-d16
CROSS_cortex-m0       := arm-none-eabi-gcc MinSizeRel \
			 -DCW_LOG_LINES=16,-DCW_LOG_LINE_MAX=128,-DCW_HRTIMER_QUEUE_WHEELS=0,-DCW_DEBUG_CHECKS=ON \
			 -mcpu=cortex-m0 -mthumb
CROSS_rv32imac        := riscv64-unknown-elf-gcc MinSizeRel - -march=rv32imac -mabi=ilp32 \
			 $(CROSS_NEWLIB)
CROSS_aarch64         := aarch64-linux-gnu-gcc Release - -mcpu=cortex-a53
CROSS_clang-armv7a-a9 := clang Release - --target=armv7a-none-eabi -mcpu=cortex-a9 \
			 -mfloat-abi=soft $(CROSS_CLANG)
CROSS_clang-cortex-m0 := clang MinSizeRel - --target=thumbv6m-none-eabi -mcpu=cortex-m0 \
			 -mfloat-abi=soft $(CROSS_CLANG)
CROSS_clang-rv32imac  := clang MinSizeRel - --target=riscv32-unknown-elf -march=rv32imac \
			 $(CROSS_CLANG)

# One line per target for the loop: name|compiler|type|knobs|flags.
cw_cross_line = $(1)|$(word 1,$(CROSS_$(1)))|$(word 2,$(CROSS_$(1)))|$(word 3,$(CROSS_$(1)))|$(wordlist 4,99,$(CROSS_$(1)))

cross: cross-compile cross-run

# A directory is reconfigured only when its compiler, flags or knobs change
# (cw-cross.args holds them); ninja then rebuilds only what changed.
cross-compile: deps-cross
	@mkdir -p $(B_CROSS); \
	now_ms() { echo $$(( $${EPOCHREALTIME/./} / 1000 )); }; \
	failed=""; built=0; t_all=$$(now_ms); \
	while IFS='|' read -r name cc type knobs flags; do \
		dir="$(B_CROSS)/$$name"; \
		[ "$$knobs" != "-" ] || knobs=""; knobs="$${knobs//,/ }"; \
		args="-DCW_CORE_ONLY=ON -DCMAKE_SYSTEM_NAME=Generic \
			-DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY -DCMAKE_BUILD_TYPE=$$type $$knobs $(CMAKE_ARGS)"; \
		t0=$$(now_ms); status=ok; \
		if ! { [ -f "$$dir/build.ninja" ] && \
		       [ "$$(cat "$$dir/cw-cross.args" 2>/dev/null)" = "$$cc $$flags $$args" ]; }; then \
			rm -rf "$$dir"; \
			if $(CMAKE) -S $(ROOT) -B "$$dir" -G Ninja -DCMAKE_C_COMPILER="$$cc" \
				-DCMAKE_C_FLAGS="$$flags" $$args >"$$dir.configure.log" 2>&1; then \
				echo "$$cc $$flags $$args" >"$$dir/cw-cross.args"; \
			else \
				status="FAILED (configure, $$dir.configure.log)"; \
				tail -n 20 "$$dir.configure.log" >&2; \
			fi; \
		fi; \
		if [ "$$status" = ok ] && ! $(CMAKE) --build "$$dir" >"$$dir.build.log" 2>&1; then \
			status="FAILED ($$dir.build.log)"; \
			grep -E -A3 'error|warning' "$$dir.build.log" | head -n 40 >&2 || true; \
		fi; \
		if [ "$$status" = ok ]; then built=$$((built + 1)); else failed="$$failed $$name"; fi; \
		dt=$$(( $$(now_ms) - t0 )); \
		printf 'cross: %-16s %-24s %-10s %3d.%d s  %s\n' "$$name" "$$cc" "$$type" \
			$$((dt / 1000)) $$((dt % 1000 / 100)) "$$status"; \
		if [ "$$status" = ok ]; then \
			calls=$$(find "$$dir" -name '*.o' -o -name '*.obj' | xargs nm -u 2>/dev/null | \
				{ grep -Eo '__(atomic|sync)_[a-z_0-9]+' || true; } | sort -u | tr '\n' ' '); \
			echo "cross:   atomics as library calls: $${calls:-none}"; \
		fi; \
	done < <(printf '%s\n' $(foreach t,$(CROSS_TARGETS),"$(call cw_cross_line,$(t))")); \
	dt=$$(( $$(now_ms) - t_all )); \
	printf 'cross: %d targets built, %d failed, %d.%d s\n' "$$built" "$$(wc -w <<<"$$failed")" \
		$$((dt / 1000)) $$((dt % 1000 / 100)); \
	if [ -n "$$failed" ]; then echo "cross: failed:$$failed" >&2; exit 1; fi

# The one run of cross-compiled code: tests/cross/math128_digest.c digests
# every 128-bit conversion of the core over fixed random operands. Built
# for the host (native __int128, and the portable path forced), for 32-bit
# ARMv7 (Cortex-A9; portable path, as on any 32-bit CPU) and for AArch64
# (native and forced portable), linked statically against Debian's cross C
# libraries and run under qemu-user; every digest must equal the host's.
CROSS_RUN_FLAGS := -std=c11 -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -DCW_BUILDING_LIBRARY -I$(ROOT)/include \
		   -I$(B_CROSS)/armv7a-a9/include -I$(ROOT)/src
# Each: compiler, runner ("-": run directly), flags.
CROSS_RUN_TARGETS := host-native host-portable armv7-a9 aarch64 aarch64-portable
CROSS_RUN_host-native      := gcc -
CROSS_RUN_host-portable    := gcc - -DCW_MATH128_FORCE_PORTABLE
CROSS_RUN_armv7-a9         := arm-linux-gnueabihf-gcc qemu-arm -mcpu=cortex-a9 -static
CROSS_RUN_aarch64          := aarch64-linux-gnu-gcc qemu-aarch64 -static
CROSS_RUN_aarch64-portable := aarch64-linux-gnu-gcc qemu-aarch64 -static -DCW_MATH128_FORCE_PORTABLE
cw_cross_run_line = $(1)|$(word 1,$(CROSS_RUN_$(1)))|$(word 2,$(CROSS_RUN_$(1)))|$(wordlist 3,99,$(CROSS_RUN_$(1)))

cross-run: cross-compile
	@dir=$(B_CROSS)/run; mkdir -p $$dir; want=""; bad=""; \
	while IFS='|' read -r name cc runner flags; do \
		[ "$$runner" != "-" ] || runner=""; \
		$$cc $(CROSS_RUN_FLAGS) $$flags $(ROOT)/tests/cross/math128_digest.c -o $$dir/$$name; \
		got=$$($$runner $$dir/$$name); \
		[ -n "$$want" ] || want=$$got; \
		if [ "$$got" = "$$want" ]; then status=ok; else status="DIFFERS"; bad="$$bad $$name"; fi; \
		printf 'cross: math128 digest %-17s %s  %s\n' "$$name" "$$got" "$$status"; \
	done < <(printf '%s\n' $(foreach t,$(CROSS_RUN_TARGETS),"$(call cw_cross_run_line,$(t))")); \
	if [ -n "$$bad" ]; then echo "cross: math128 digest differs from host-native:$$bad" >&2; exit 1; fi

# ---------------------------------------------------------------------------
# Style and documentation.

# Changed files are those differing from the merge base with origin/main,
# plus untracked ones; with no origin/main (or no commit yet) every C file.
format-check:
	@$(call cw_bootstrap,$(DEPS_FORMAT))
	@cd $(ROOT); \
	if [ -z "$(ALL)" ] && base=$$(git merge-base origin/main HEAD 2>/dev/null); then \
		files=$$( { git diff --name-only --diff-filter=d "$$base" -- '*.c' '*.h'; \
			    git ls-files --others --exclude-standard -- '*.c' '*.h'; } | sort -u); \
		what="C files changed since origin/main"; \
	else \
		files=$$(git ls-files --cached --others --exclude-standard -- '*.c' '*.h' | sort -u); \
		what="all C files"; \
	fi; \
	if [ -z "$$files" ]; then \
		echo "format-check: no $$what"; \
		exit 0; \
	fi; \
	echo "format-check: $$what ($$(wc -w <<<"$$files"))"; \
	clang-format --dry-run -Werror $$files

# Doxygen reads its configuration from stdin, so there is no Doxyfile to keep
# in step with the headers. FAIL_ON_WARNINGS lists every warning before
# failing; an undocumented member or parameter is a warning.
DOXYGEN_CONFIG := \
	PROJECT_NAME=clockwork \
	INPUT=$(ROOT)/include \
	RECURSIVE=YES \
	FILE_PATTERNS=*.h \
	STRIP_FROM_PATH=$(ROOT)/include \
	STRIP_FROM_INC_PATH=$(ROOT)/include \
	OUTPUT_DIRECTORY=$(B_DEFAULT)/docs \
	OPTIMIZE_OUTPUT_FOR_C=YES \
	EXTRACT_ALL=NO \
	EXTRACT_STATIC=YES \
	GENERATE_HTML=YES \
	GENERATE_LATEX=NO \
	HAVE_DOT=NO \
	QUIET=YES \
	WARN_IF_UNDOCUMENTED=YES \
	WARN_IF_DOC_ERROR=YES \
	WARN_NO_PARAMDOC=YES \
	WARN_AS_ERROR=FAIL_ON_WARNINGS \
	ENABLE_PREPROCESSING=YES \
	MACRO_EXPANSION=YES \
	EXPAND_ONLY_PREDEF=YES \
	PREDEFINED=CW_API=

docs:
	@if ! command -v doxygen >/dev/null 2>&1; then \
		echo "docs: doxygen is not installed (apt-get install -y doxygen); skipped"; \
		exit 0; \
	fi; \
	mkdir -p $(B_DEFAULT)/docs; \
	printf '%s\n' $(DOXYGEN_CONFIG) | doxygen -; \
	echo "docs: $(B_DEFAULT)/docs/html/index.html"
