/* SPDX-License-Identifier: MIT */
/*
 * NTP state type (ntp.c), embedded in struct cw_system as sys->ntp. Types
 * only, no calls (ntp-internal.h has those).
 *
 * Locking: every field is protected by the system's timekeeper lock.
 */
#ifndef CLOCKWORK_SRC_CORE_NTP_TYPES_H
#define CLOCKWORK_SRC_CORE_NTP_TYPES_H

#include "compiler.h"

/** NTP state of one system (see ntp-internal.h). */
struct cw_ntp {
	/** Frequency offset, scaled ppm (ppm << 16), |freq| <= CW_NTP_MAXFREQ_SCALED. */
	int64_t freq_scaled;
	/** Remaining PLL phase offset to slew, ns. */
	int64_t pll_offset_ns;
	/** PLL time constant, 0..10. */
	int64_t time_constant;
	/** Remaining adjtime() single-shot slew, ns. */
	int64_t adjtime_ns;
	/** Slew applied during the current second, ns per second. */
	int64_t slew_ns;
	/** STA_* bits. */
	unsigned status;
	/** Leap state, enum cw_time_state. */
	int state;
	/** TAI - UTC, s. */
	int32_t tai;
	/** Error estimates, us. */
	int64_t maxerror_us;
	int64_t esterror_us;
};

#endif /* CLOCKWORK_SRC_CORE_NTP_TYPES_H */
