/* SPDX-License-Identifier: MIT */
/*
 * Basic types, constants, error codes and the export macro shared by every
 * clockwork header. Never includes an operating-system header.
 */
#ifndef CLOCKWORK_INCLUDE_TYPES_H
#define CLOCKWORK_INCLUDE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks a symbol exported from the shared library (everything else is hidden). */
#if defined(__GNUC__)
#define CW_API __attribute__((visibility("default")))
#else
#define CW_API
#endif

/** Compile-time assertion about layout or configuration (C11 _Static_assert). */
#ifdef __cplusplus
#define CW_BUILD_ASSERT(expr, msg) static_assert(expr, msg)
#else
#define CW_BUILD_ASSERT(expr, msg) _Static_assert(expr, msg)
#endif

/** A time in nanoseconds: an instant on some clock or a duration. */
typedef int64_t cw_ktime_t;

/** The largest representable time; "never". */
#define CW_KTIME_MAX INT64_MAX

#define CW_NSEC_PER_USEC 1000LL
#define CW_NSEC_PER_MSEC 1000000LL
#define CW_NSEC_PER_SEC  1000000000LL
#define CW_USEC_PER_SEC  1000000LL

/**
 * Error codes. Fallible functions return 0 or one of these negative values,
 * which are the same on every port. cw_strerror() names them.
 */
enum cw_error {
	CW_OK = 0,
	/** Invalid argument. */
	CW_EINVAL = -1,
	/** Deadline already passed. */
	CW_ETIME = -2,
	/** Resource in use; try another or later. */
	CW_EBUSY = -3,
	/** No device fits the request. */
	CW_ENODEV = -4,
	/** Temporarily unavailable; try again. */
	CW_EAGAIN = -5,
	/** Not available on this device or port. */
	CW_ENOSYS = -6,
	/** Value out of range. */
	CW_ERANGE = -7,
	/** Out of memory (setup paths only). */
	CW_ENOMEM = -8,
	/** No such object (name not found). */
	CW_ENOENT = -9,
	/** Operation not permitted in the current state. */
	CW_EPERM = -10,
	/** Input/output error (host call failed, file unreadable). */
	CW_EIO = -11,
};

/**
 * Name of an error code.
 * @param err  0 or a negative CW_E* value.
 * @return A static string such as "CW_EINVAL: invalid argument"; never NULL.
 */
CW_API const char *cw_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_TYPES_H */
