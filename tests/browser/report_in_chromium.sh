#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# cwsim --report in a real browser: headless Chromium (Debian's `chromium`,
# which make deps-test installs) loads DIR/index.html from disk and dumps the DOM
# after the load event. The page checks itself on load (every plot image
# decoded, no error event: tools/cwsim/html_report.c) and says so on
# <body data-status=...> and on each <figure data-loaded=...>; Chromium's
# own log must show no console message from the page (an uncaught exception
# or a console.error lands there). A control run breaks one plot and one
# link and expects the page to say "failed", so that a check which matches
# nothing cannot pass. Every Chromium start has a time limit.
#
# usage: report_in_chromium.sh CWSIM_BINARY
set -euo pipefail

cwsim=${1:?usage: $0 CWSIM_BINARY}
plots=(wakeups residency hrtimer-lateness wheel-lateness irq-rate)

if ! command -v chromium >/dev/null 2>&1; then
	echo "FAIL: no chromium on PATH (Debian: apt-get install chromium; make deps-test installs it)"
	exit 1
fi
# The six X are mktemp's template.
work=$(mktemp -d "${TMPDIR:-/tmp}/cwsim-browser-XXXXXX") # six X: mktemp's template
trap 'rm -rf "$work"' EXIT

# Load file://$1/index.html; the DOM to $2, Chromium's log to $2.log.
load() {
	local t0=$SECONDS
	if ! timeout 90 chromium --headless --disable-gpu --no-sandbox --no-first-run \
		--user-data-dir="$work/profile" --enable-logging=stderr --v=0 \
		--virtual-time-budget=10000 --dump-dom "file://$1/index.html" \
		>"$2" 2>"$2.log"; then
		echo "FAIL: chromium did not load $1/index.html (timeout 90 s or error):"
		tail -20 "$2.log"
		exit 1
	fi
	echo "chromium loaded $1/index.html in $((SECONDS - t0)) s"
}

fail() {
	echo "FAIL: $*"
	exit 1
}

"$cwsim" --duration 2s --report "$work/report" >"$work/cwsim.out" ||
	fail "cwsim --report exited with $?: $(cat "$work/cwsim.out")"
grep -q "^report: $work/report/index.html (5 plots)$" "$work/cwsim.out" ||
	fail "no report line in cwsim's output"

load "$work/report" "$work/dom"
grep -q '<body data-status="ok" data-plots-loaded="5">' "$work/dom" ||
	fail "the page did not report every plot loaded: $(grep -o '<body[^>]*>' "$work/dom"; grep -o '<p id="status">[^<]*' "$work/dom")"
for p in "${plots[@]}"; do
	grep -q "<figure class=\"plot\" id=\"$p\" data-loaded=\"yes\">" "$work/dom" ||
		fail "plot $p not shown"
	echo "plot $p: shown"
done
grep -q '<a id="json" href="cwsim.json">' "$work/dom" || fail "no link to the JSON report"
grep -q '<a id="trace" href="trace.json">' "$work/dom" || fail "no link to the trace"
if grep -q ':CONSOLE' "$work/dom.log"; then
	grep ':CONSOLE' "$work/dom.log"
	fail "the page wrote to the console"
fi
echo "page: loaded, 5 plots shown, no console message"

# Control: a broken plot and a missing one must be seen as such.
cp -r "$work/report" "$work/broken"
printf '<svg' >"$work/broken/residency.svg"
rm "$work/broken/irq-rate.svg"
load "$work/broken" "$work/dom-broken"
grep -q '<body data-status="failed" data-plots-loaded="3">' "$work/dom-broken" ||
	fail "control: a broken page was not reported: $(grep -o '<body[^>]*>' "$work/dom-broken")"
grep -q '<figure class="plot" id="residency" data-loaded="no">' "$work/dom-broken" ||
	fail "control: the broken plot was not flagged"
grep -q '<figure class="plot" id="irq-rate" data-loaded="no">' "$work/dom-broken" ||
	fail "control: the missing plot was not flagged"
echo "control: a broken and a missing plot are reported"
echo "PASS"
