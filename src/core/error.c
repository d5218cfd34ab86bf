// SPDX-License-Identifier: MIT
/*
 * Error names (cw_strerror) and the core's assertion sink (warnings go to
 * the system's log ring: log.c).
 */
#include <clockwork/port.h>
#include <clockwork/types.h>

#include "compiler.h"
#include "lock.h"

#include <stdio.h>
#include <stdlib.h>

const char *cw_strerror(int err)
{
	switch (err) {
	case CW_OK:
		return "CW_OK: success";
	case CW_EINVAL:
		return "CW_EINVAL: invalid argument";
	case CW_ETIME:
		return "CW_ETIME: deadline already passed";
	case CW_EBUSY:
		return "CW_EBUSY: resource busy";
	case CW_ENODEV:
		return "CW_ENODEV: no device fits";
	case CW_EAGAIN:
		return "CW_EAGAIN: try again";
	case CW_ENOSYS:
		return "CW_ENOSYS: not supported here";
	case CW_ERANGE:
		return "CW_ERANGE: out of range";
	case CW_ENOMEM:
		return "CW_ENOMEM: out of memory";
	case CW_ENOENT:
		return "CW_ENOENT: no such object";
	case CW_EPERM:
		return "CW_EPERM: not permitted in this state";
	case CW_EIO:
		return "CW_EIO: input/output error";
	default:
		return "unknown clockwork error";
	}
}

void cw__assert_fail(const char *expr, const char *file, int line)
{
	fprintf(stderr, "clockwork: assertion failed: %s (%s:%d)\n", expr, file, line);
	abort();
}

#if CW_CONFIG_DEBUG_CHECKS
/*
 * Per-thread lock identity (debug builds only): the address of this
 * thread's record is its token, and the record holds the clockwork CPU
 * the thread last ran as. Release builds have no thread-local state.
 */
struct lock_thread {
	unsigned cpu;
};

static _Thread_local struct lock_thread lock_thread = { CW_PORT_NO_CPU };

uintptr_t cw__lock_token(void)
{
	return (uintptr_t)&lock_thread;
}

unsigned cw__lock_cpu_hint(void)
{
	return lock_thread.cpu;
}

void cw__lock_note_cpu(unsigned cpu)
{
	lock_thread.cpu = cpu;
}

static void cpu_name(char *buf, size_t len, unsigned cpu)
{
	if (cpu == CW_PORT_NO_CPU) {
		snprintf(buf, len, "no CPU");
	} else {
		snprintf(buf, len, "CPU%u", cpu);
	}
}

void cw__lockdep_assert_failed(const void *l, uintptr_t owner, unsigned owner_cpu, const char *expr,
			       const char *file, int line)
{
	char self_cpu[16], owner_cpu_name[16];

	cpu_name(self_cpu, sizeof(self_cpu), lock_thread.cpu);
	cpu_name(owner_cpu_name, sizeof(owner_cpu_name), owner_cpu);
	if (owner) {
		fprintf(stderr,
			"clockwork: lock %s (%p) not held by this thread at %s:%d: this thread "
			"%#llx (last ran as %s); owner thread %#llx (last ran as %s)\n",
			expr, l, file, line, (unsigned long long)cw__lock_token(), self_cpu,
			(unsigned long long)owner, owner_cpu_name);
	} else {
		fprintf(stderr, "clockwork: lock %s (%p) not held at %s:%d: it has no owner\n",
			expr, l, file, line);
	}
	abort();
}
#endif

void cw_bug(const char *what)
{
	fprintf(stderr, "clockwork: BUG: %s\n", what);
	abort();
}
