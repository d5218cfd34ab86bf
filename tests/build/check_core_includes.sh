#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# check_core_includes.sh <dir>: fail, listing each offending line, if a .c or
# .h file under <dir> includes an operating-system or port header.
#
# The core reaches its surroundings only through clockwork/port.h (STYLE B1,
# ARCHITECTURE §2), so that it builds unchanged for bare metal. The list is
# of headers a port needs and the core must not: POSIX and OS headers,
# <time.h> (a host clock would break the simulator's determinism), C11
# <threads.h> (CPUs and locking are the port's), and any port's own headers:
# src/port/<port>/..., clockwork/sim.h and clockwork/port_<port>.h (but not
# clockwork/port.h, the interface itself).
# The rest of the C library (<stdio.h> for snprintf, <string.h>, ...) is
# allowed.
set -euo pipefail

dir=${1:?usage: check_core_includes.sh <dir>}
if [[ ! -d $dir ]]; then
	echo "check_core_includes: $dir is not a directory" >&2
	exit 2
fi

os='pthread\.h|unistd\.h|sys/[^>"]*|time\.h|threads\.h|sched\.h|semaphore\.h|fcntl\.h'
os+='|poll\.h|dlfcn\.h|signal\.h|linux/[^>"]*|asm/[^>"]*|windows\.h|mach/[^>"]*'
port='[^>"]*port/(posix|sim|baremetal|template)/[^>"]*|clockwork/(sim|port_[a-z0-9_]+)\.h'
pattern="^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($os|$port)[>\"]"

# grep exits 1 when nothing matches: that is the passing case.
offenders=$(grep -rnE --include='*.c' --include='*.h' "$pattern" "$dir" | sort -t: -k1,1 -k2,2n) || true

if [[ -z $offenders ]]; then
	echo "check_core_includes: $dir includes no OS or port header"
	exit 0
fi

# "file:line:text" -> "file:line: text", the compiler's diagnostic shape.
sed -E 's/^([^:]*):([0-9]+):[[:space:]]*/\1:\2: /' <<<"$offenders" >&2
count=$(wc -l <<<"$offenders")
echo "check_core_includes: $count forbidden include(s) under $dir; the core must" \
	"reach the platform through clockwork/port.h (STYLE B1)" >&2
exit 1
