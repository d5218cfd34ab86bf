#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Run every native differential program several times and report any whose
# transcript changes between runs (a transcript must depend on behaviour
# only, never on timing or load). Use it after writing or changing a program:
#
#   tests/posix/diff/stability.sh build [runs, default 3]
set -u
build=${1:?usage: stability.sh <build dir> [runs]}
runs=${2:-3}
status=0
for exe in "$build"/tests/diff_*_native; do
	[ -x "$exe" ] || continue
	name=$(basename "$exe" _native)
	first=
	for i in $(seq 1 "$runs"); do
		sum=$(timeout -k 5 120 "$exe" 2>/dev/null </dev/null | md5sum | cut -d' ' -f1)
		if [ -z "$first" ]; then
			first=$sum
		elif [ "$sum" != "$first" ]; then
			echo "UNSTABLE: $name (run $i differs from run 1)"
			status=1
			break
		fi
	done
	[ "$status" -ne 0 ] && [ "$sum" != "$first" ] || echo "stable: $name ($runs runs)"
done
exit $status
