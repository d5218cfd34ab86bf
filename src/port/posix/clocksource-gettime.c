/* SPDX-License-Identifier: MIT */
/*
 * Clocksources over the host's clock_gettime(): "clock_gettime_raw" reads
 * CLOCK_MONOTONIC_RAW and "clock_gettime_mono" reads CLOCK_MONOTONIC, each as
 * a 64-bit counter of nanoseconds (1 GHz, so mult/shift is an identity up to
 * rounding). Both are continuous and trusted (no MUST_VERIFY): the host
 * kernel already verifies its own clocksource, so these serve as the
 * watchdog's reference for the TSC. RAW rates higher because the host's NTP
 * slewing of CLOCK_MONOTONIC would otherwise be applied twice once
 * clockwork's own NTP steering runs on top.
 *
 * Cost: one vDSO call per read (about 23 ns on the development machine, see
 * docs/benchmarks.md); a 64-bit ns counter never wraps in practice.
 */
#include <clockwork/port_posix.h>
#include <clockwork/driver/clocksource.h>

#include "port/posix/posix-internal.h"

#include <string.h>

static uint64_t gettime_raw_read(struct cw_clocksource *cs)
{
	(void)cs;
	return cw__posix_host_ns(CLOCK_MONOTONIC_RAW);
}

static uint64_t gettime_mono_read(struct cw_clocksource *cs)
{
	(void)cs;
	return cw__posix_host_ns(CLOCK_MONOTONIC);
}

static void gettime_fill(struct cw_clocksource *cs, const char *name, cw_clocksource_read_fn read,
			 int rating)
{
	memset(cs, 0, sizeof(*cs));
	cs->name = name;
	cs->read = read;
	cs->mask = CW_CLOCKSOURCE_MASK(64);
	cs->rating = rating;
	cs->flags = CW_CLOCKSOURCE_IS_CONTINUOUS;
}

int cw__posix_gettime_register(struct cw_posix_ctx *ctx)
{
	int err;

	gettime_fill(&ctx->cs_raw, CW_POSIX_CS_GETTIME_RAW, gettime_raw_read,
		     CW_POSIX_RATING_GETTIME_RAW);
	gettime_fill(&ctx->cs_mono, CW_POSIX_CS_GETTIME_MONO, gettime_mono_read,
		     CW_POSIX_RATING_GETTIME_MONO);
	err = cw_clocksource_register_hz(ctx->sys, &ctx->cs_raw, (uint64_t)CW_NSEC_PER_SEC);
	if (err) {
		return err;
	}
	return cw_clocksource_register_hz(ctx->sys, &ctx->cs_mono, (uint64_t)CW_NSEC_PER_SEC);
}
