#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# check_seams.sh <core-dir> <objects>: the core's seams (issue 10, section 1).
# Prints the include graph of <core-dir> and the reference graph of the
# core's object files (<objects>: object files, as arguments or one
# ';'-separated list, e.g. $<TARGET_OBJECTS:...>; those not compiled from a
# source of <core-dir> are ignored), then fails, naming each broken rule, if
#
#   1. system-internal.h includes anything but the leaf headers (compiler.h,
#      lock.h, cpumask.h) and the types-only *-types.h headers: it holds the
#      system object, never a component's interface;
#   2. a *-types.h header includes anything but leaf or *-types.h headers;
#   3. component.h (the component table's struct) includes a core header
#      other than compiler.h;
#   4. the include graph or the reference graph (who calls or reads whose
#      symbols, from nm), taken per component, has a cycle outside the two
#      tangles the core keeps on purpose, as Linux does:
#        [clocksource+timekeeping]   clocksource.c, timekeeping.c, jiffies.c
#        [clockevents+tick+hrtimer]  clockevents.c, tick-*.c, hrtimer.c
#      The invariant checker's hooks (cw__check_*_slow, called from every
#      component's slow paths; the checker reads their state) are listed,
#      not followed;
#   5. a file other than init.c writes sys->booted (the boot code owns it).
#
# A component is a file's name without .c/.h and -internal/-types; tick-X
# files are the tick layer. Leaf helpers have their own files (cpus.c for
# the per-CPU array: cpu-internal.h is its header; cpu.c is the top that
# walks the component table), so a file is either called by components or
# calls them, never both.
set -euo pipefail

core=${1:?usage: check_seams.sh <core-dir> <objects...>}
shift
objs=()
for a in "$@"; do
	IFS=';' read -r -a parts <<<"$a"
	objs+=("${parts[@]}")
done
fail=0
problem() {
	echo "seams: FAIL: $*" >&2
	fail=1
}

# The component of a file (by path).
node_of() {
	local b=${1##*/}
	b=${b%.o}
	b=${b%.c}
	b=${b%.h}
	case $b in
	system-internal) echo "system-object"; return ;;
	cpu-internal) echo "cpus"; return ;;
	component) echo "components"; return ;;
	*-types) echo "$b"; return ;;
	esac
	b=${b%-internal}
	case $b in
	tick-*) b=tick ;;
	esac
	case $b in
	clocksource | timekeeping | jiffies) echo "[clocksource+timekeeping]" ;;
	clockevents | tick | hrtimer) echo "[clockevents+tick+hrtimer]" ;;
	*) echo "$b" ;;
	esac
}

leaf_headers='compiler.h lock.h cpumask.h timerqueue.h'
is_leaf() {
	local h=$1 l
	for l in $leaf_headers; do
		[[ $h == "$l" ]] && return 0
	done
	return 1
}

includes_of() {
	sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/p' "$1"
}

# ---- the include graph --------------------------------------------------
echo "seams: include graph of $core (file: core headers it includes)"
inc_edges=$(mktemp)
ref_edges=$(mktemp)
trap 'rm -f "$inc_edges" "$ref_edges"' EXIT
for f in "$core"/*.c "$core"/*.h; do
	[[ -e $f ]] || continue
	name=${f##*/}
	mapfile -t incs < <(includes_of "$f")
	local_incs=()
	for h in "${incs[@]}"; do
		[[ -e $core/$h ]] && local_incs+=("$h")
	done
	echo "  $name: ${local_incs[*]:-}"
	from=$(node_of "$f")
	for h in "${local_incs[@]}"; do
		to=$(node_of "$h")
		[[ $from != "$to" ]] && echo "$from $to" >>"$inc_edges"
	done
	case $name in
	system-internal.h)
		for h in "${local_incs[@]}"; do
			if ! is_leaf "$h" && [[ $h != *-types.h ]]; then
				problem "system-internal.h includes $h (a component's interface); it may" \
					"include only $leaf_headers and *-types.h"
			fi
		done
		;;
	*-types.h)
		for h in "${local_incs[@]}"; do
			if ! is_leaf "$h" && [[ $h != *-types.h ]]; then
				problem "$name (types only) includes $h"
			fi
		done
		;;
	component.h)
		for h in "${local_incs[@]}"; do
			[[ $h == compiler.h ]] || problem "component.h includes $h"
		done
		;;
	esac
done

# ---- the reference graph -------------------------------------------------
echo "seams: reference graph of the core's objects (component -> component: symbols)"
syms=$(mktemp)
trap 'rm -f "$inc_edges" "$ref_edges" "$syms"' EXIT
core_name=$(basename "$core")
for o in "${objs[@]}"; do
	# Only the objects of <core-dir>'s sources (a library's list holds the ports' too).
	[[ -n $o && $(basename "$(dirname "$o")") == "$core_name" && -e $core/$(basename "${o%.o}") ]] || continue
	n=$(node_of "$o")
	nm "$o" | awk -v n="$n" '$2 ~ /^[TDRBCG]$/ { print "D", n, $3 } $1 == "U" { print "U", n, $2 }'
done >"$syms"
awk '$1 == "D" { def[$3] = $2 }
     $1 == "U" { use[NR] = $2 " " $3 }
     END {
	for (k in use) {
		split(use[k], a, " ")
		if ((a[2] in def) && def[a[2]] != a[1]) {
			e = a[1] " " def[a[2]]
			if (!((e, a[2]) in seen)) {
				seen[e, a[2]] = 1
				s[e] = (e in s) ? s[e] " " a[2] : a[2]
			}
		}
	}
	for (e in s) print e, s[e]
     }' "$syms" | sort >"$ref_edges"
if [[ ! -s $ref_edges && ${#objs[@]} -gt 0 ]]; then
	problem "no references found in the objects (nm failed?)"
fi
while read -r from to list; do
	echo "  $from -> $to: $list"
done <"$ref_edges"

# ---- cycles ---------------------------------------------------------------
# tsort reports every loop it breaks. The checker's hooks (cw__check_*_slow,
# and including check-internal.h for them) are left out: the checker observes
# every component and reads their state, so each would otherwise close a loop.
check_cycles() {
	local what=$1 file=$2 out
	if ! out=$(awk '{
			n = 0
			for (i = 3; i <= NF; i++) {
				if ($i !~ /^cw__check_.*_slow$/) {
					n++
				}
			}
			# Include edges (two fields) into the checker are its hooks too.
			if ((NF == 2 && $2 != "check") || (NF > 2 && n > 0)) {
				print $1, $2
			}
		}' "$file" | tsort 2>&1 >/dev/null); then
		problem "$what has a cycle outside the allowed tangles:"
		sed -e 's/^tsort: .*input contains a loop:$/seams:   loop:/' \
			-e 's/^tsort: \(.*\)$/seams:     \1/' <<<"$out" >&2
	fi
}
check_cycles "the include graph" "$inc_edges"
check_cycles "the reference graph" "$ref_edges"

# ---- owners ----------------------------------------------------------------
while IFS= read -r hit; do
	file=${hit%%:*}
	[[ ${file##*/} == init.c ]] && continue
	problem "$hit: only the boot code (init.c) writes sys->booted"
done < <(grep -nE '(->|\.)booted[[:space:]]*=[^=]|atomic_store[_a-z]*\(&[a-z_>-]*booted' \
	"$core"/*.c 2>/dev/null || true)

if ((fail)); then
	echo "seams: the core's seams are broken (see FAIL lines)" >&2
	exit 1
fi
echo "seams: OK: system-internal.h holds the system object only; no cycle outside the tangles"
