// SPDX-License-Identifier: MIT
/*
 * Error names (cw_strerror) and the core's assertion sink (warnings go to
 * the system's log ring: log.c).
 */
#include <clockwork/types.h>

#include "compiler.h"

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

void cw_bug(const char *what)
{
	fprintf(stderr, "clockwork: BUG: %s\n", what);
	abort();
}
