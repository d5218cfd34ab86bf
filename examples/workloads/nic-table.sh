#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The NIC table of docs/claim.md: every policy of examples/workloads/nic.ini
# at five offered loads, on the default machine, one cwsim run each.
# Usage: nic-table.sh [CWSIM [WORKLOAD [DURATION]]]
set -eu
cwsim=${1:-build/tools/cwsim/cwsim}
wl=${2:-examples/workloads/nic.ini}
dur=${3:-10s}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
printf '%-8s %-8s %9s %10s %10s %7s %10s %10s %10s %7s\n' policy channel offered \
	pkts/s irqs/s 'cpu %' 'p50 (us)' 'p99 (us)' 'max (us)' 'drop %'
for pol in irq claim hrtimer tick; do
	for gap in 100us 20us 10us 5us 2500ns; do
		sed -e "s/^policy = .*/policy = $pol/" \
		    -e "s/^packets = .*/packets = exponential $gap/" "$wl" > "$tmp"
		# The row under cwsim's "nic" table header: policy channel time pkts/s ...
		"$cwsim" --workload "$tmp" --duration "$dur" |
			awk -v gap="1/$gap" 'hdr { printf "%-8s %-8s %9s %10s %10s %7s %10s %10s %10s %7s\n",
				$1, $2, gap, $4, $5, $6, $7, $8, $9, $10; exit }
				/^nic +channel/ { hdr = 1 }'
	done
done
