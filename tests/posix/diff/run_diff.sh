#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Run one differential program in both builds and compare the transcripts.
#
#   run_diff.sh <name> <native exe> <drop-in exe> <known-differences file> <limit s> <out dir>
#
# Each build runs under `timeout` (its whole process group, so forked
# children too) with stdout as the transcript and stderr kept aside; the
# runner appends how the program ended. A time limit hit fails, naming the
# program and the build. Lines that an entry of the known-differences file
# names for this program are taken out of both transcripts (and shown);
# every other difference fails the test.
set -u

name=$1
native=$2
dropin=$3
known=$4
limit=$5
out=$6

mkdir -p "$out"
status=0

run_one() { # <build> <exe>
	local build=$1 exe=$2 st sig
	local t=$out/$name.$build
	# Run from the output directory: core files and the like land there.
	(cd "$out" && timeout -k 5 "$limit" "$exe" >"$t.out" 2>"$t.err" </dev/null)
	st=$?
	if [ "$st" -eq 124 ]; then
		echo "FAIL: time limit of ${limit}s hit: program $name, build $build"
		echo "== time limit hit" >>"$t.out"
		status=1
	elif [ "$st" -gt 128 ]; then
		sig=$(kill -l $((st - 128)) 2>/dev/null || echo $((st - 128)))
		if [ "$st" -eq 137 ]; then
			echo "FAIL: time limit of ${limit}s hit (killed): program $name, build $build"
			status=1
		fi
		echo "== terminated by signal SIG$sig" >>"$t.out"
	else
		echo "== exit status $st" >>"$t.out"
	fi
}

for exe in "$native" "$dropin"; do
	if [ ! -x "$exe" ]; then
		echo "FAIL: $exe is not built"
		exit 1
	fi
done

run_one native "$native"
run_one dropin "$dropin"

# Known differences: "program | extended regex | reason", all three required,
# separated by " | " (space, bar, space).
filter_n=$out/$name.native.cmp
filter_d=$out/$name.dropin.cmp
cp "$out/$name.native.out" "$filter_n"
cp "$out/$name.dropin.out" "$filter_d"
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	case "$line" in '' | '#'*) continue ;; esac
	# Split on the first two " | " (a regex may use | without spaces).
	prog=${line%% | *}
	rest=${line#* | }
	pat=${rest%% | *}
	why=${rest#* | }
	[ "$rest" != "$line" ] && [ "$why" != "$rest" ] || why=
	prog=$(printf '%s' "$prog" | sed 's/^ *//; s/ *$//')
	pat=$(printf '%s' "$pat" | sed 's/^ *//; s/ *$//')
	if [ -z "$prog" ] || [ -z "$pat" ] || [ -z "$why" ]; then
		echo "FAIL: $known:$lineno: an entry needs 'program | line pattern | reason'"
		status=1
		continue
	fi
	[ "$prog" = "$name" ] || continue
	if ! grep -Eq -- "$pat" "$filter_n" "$filter_d"; then
		echo "note: $known:$lineno matches no line (stale entry?): $pat"
		continue
	fi
	if cmp -s <(grep -E -- "$pat" "$filter_n") <(grep -E -- "$pat" "$filter_d"); then
		echo "note: $known:$lineno: its lines are the same in both builds here: $pat"
	fi
	echo "known difference ($known:$lineno): $why"
	grep -E -- "$pat" "$filter_n" | sed 's/^/  native:  /'
	grep -E -- "$pat" "$filter_d" | sed 's/^/  drop-in: /'
	grep -Ev -- "$pat" "$filter_n" >"$filter_n.tmp"; mv "$filter_n.tmp" "$filter_n"
	grep -Ev -- "$pat" "$filter_d" >"$filter_d.tmp"; mv "$filter_d.tmp" "$filter_d"
done <"$known"

lines=$(grep -c . "$out/$name.native.out")
if diff -u --label "$name native" --label "$name drop-in" "$filter_n" "$filter_d"; then
	echo "$name: transcripts agree ($lines lines)"
else
	echo "FAIL: $name: the drop-in transcript differs from the native one (above: - native, + drop-in)"
	status=1
fi
for build in native dropin; do
	if [ -s "$out/$name.$build.err" ]; then
		echo "--- stderr of the $build build:"
		head -c 4000 "$out/$name.$build.err"
	fi
done
exit $status
