#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# check_exports.sh <nm> <libclockwork.so> <libclockwork.a> [<runtime.a>]:
# fail, listing them, if either library defines an external symbol outside
# the cw_ namespace (STYLE B2; core-internal cw__ names are inside it).
#
# <runtime.a> is a compiler runtime linked into the shared library by an
# instrumented build (libgcov.a with --coverage); the symbols it defines are
# its own, not ours, and are allowed.
#
# Shared library: its dynamic symbol table is the ABI. Only CW_API functions
# may be there; the rest is hidden by -fvisibility=hidden. The linker adds a
# few markers of its own, which are allowed.
#
# Static archive: visibility does not apply, so every non-static function or
# variable of every object is external there, and a stray one (say "now_ns")
# collides with the user's program at link time.
set -euo pipefail

nm=${1:?usage: check_exports.sh <nm> <shared lib> <static lib>}
shared=${2:?missing shared library}
static=${3:?missing static library}
runtime=${4:-}
status=0

indent() {
	local line
	while IFS= read -r line; do
		printf '  %s\n' "$line"
	done <<<"$1"
}

# Linker-provided symbols of any ELF shared object.
linker_markers='^(_init|_fini|__bss_start|_edata|_end)$'

# -D: dynamic table; --defined-only drops what the library imports.
# AddressSanitizer's "__odr_asan.<name>" indicators of exported cw_ variables
# are allowed (see the static archive check below).
bad=$("$nm" -D --defined-only "$shared" | awk 'NF >= 3 { print $NF }' |
	grep -Ev '^cw_' | grep -Ev '^__odr_asan[.]cw_' | grep -Ev "$linker_markers" || true)
if [[ -n $bad && -n $runtime ]]; then
	# Drop the runtime's own definitions (exact names, one per line).
	bad=$(grep -vxF -f <("$nm" -g --defined-only "$runtime" 2>/dev/null |
		awk 'NF >= 3 { print $NF }') <<<"$bad" || true)
fi
if [[ -n $bad ]]; then
	echo "$shared exports symbols outside cw_ (mark them static, or CW_API with a cw_ name):" >&2
	indent "$bad" >&2
	status=1
else
	echo "$shared: $("$nm" -D --defined-only "$shared" | grep -c ' cw_') cw_ symbols, nothing else"
fi

# -A prefixes each symbol with archive:member, which names the culprit's file.
# Symbols of instrumentation live in the compiler's runtime, except one
# kind: AddressSanitizer emits an "__odr_asan.<name>" indicator next to
# every external global <name> of ours. Those are allowed when <name> is
# itself a cw_ name; the global's own symbol is checked as usual.
bad=$("$nm" -A -g --defined-only "$static" | awk 'NF >= 3 { f = $1; sub(/[0-9a-f]+$/, "", f); print f, $NF }' |
	grep -Ev ' cw_' | grep -Ev ' __odr_asan[.]cw_' || true)
if [[ -n $bad ]]; then
	echo "$static defines external symbols outside cw_ (make them static or rename them cw__*):" >&2
	indent "$bad" >&2
	status=1
else
	echo "$static: every external symbol starts with cw_"
fi
exit "$status"
