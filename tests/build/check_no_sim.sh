#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# check_no_sim.sh <nm> <lib>...: fail, listing them, if any given core
# library (libclockwork.so or libclockwork.a, built or installed) defines a
# simulator symbol (cw_sim_*, cw__sim_*) or refers to one. The simulator is
# libclockwork-sim, built on top of libclockwork (docs/building.md): the core
# library neither exports the simulator's API nor needs it, so a program
# that never simulates links no simulator code, and libclockwork-sim can be
# left out of an install.
#
# Shared library: the dynamic table, defined and undefined entries (an
# undefined one would be resolved from libclockwork-sim.so at load time, a
# dependency in the wrong direction). Static archive: every member's
# external symbols, defined and undefined.
set -euo pipefail

nm=${1:?usage: check_no_sim.sh <nm> <lib>...}
shift
[[ $# -gt 0 ]] || {
	echo "usage: check_no_sim.sh <nm> <lib>..." >&2
	exit 2
}
status=0
for lib in "$@"; do
	[[ -e $lib ]] || {
		echo "$lib: no such library" >&2
		status=1
		continue
	}
	case $lib in
	*.so | *.so.*) syms=$("$nm" -D "$lib") ;;
	*) syms=$("$nm" -A -g "$lib" 2>/dev/null) ;;
	esac
	# "U name" (undefined) or "addr T name" (defined): the name is the last field.
	bad=$(awk '$NF ~ /^cw__?sim_/ { print }' <<<"$syms")
	if [[ -n $bad ]]; then
		echo "$lib has simulator symbols (they belong in libclockwork-sim):" >&2
		sed 's/^/  /' <<<"$bad" >&2
		status=1
	else
		echo "$lib: $(grep -c ' cw_' <<<"$syms" || true) cw_ symbols, none of the simulator's"
	fi
done
exit "$status"
