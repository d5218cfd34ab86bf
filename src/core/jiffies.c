// SPDX-License-Identifier: MIT
/*
 * The jiffies clocksource: the tick counter seen as a 32-bit counter at HZ.
 * Rating 1 (unfit for real use), not continuous, so never valid for high
 * resolution. It is always registered, so the system always has a
 * clocksource to fall back to. mult = TICK_NSEC << 8, shift = 8, as Linux
 * (JIFFIES_SHIFT is 8 for HZ >= 67, which every supported HZ is).
 * (The jiffies read, cw_jiffies_get(), is with the other readers in ktime.c.)
 */
#include <clockwork/driver/clocksource.h>

#include "system-internal.h"
#include "timekeeping-internal.h"

#define CW_JIFFIES_SHIFT 8
/* Watchdog margin for a clocksource this coarse (Linux: 32 ms). */
#define CW_JIFFIES_MARGIN_NS 32000000u

static uint64_t jiffies_read(struct cw_clocksource *cs)
{
	struct cw_system *sys = cs->driver_data;

	return atomic_load_explicit(&sys->jiffies64, memory_order_relaxed);
}

void cw__jiffies_init(struct cw_system *sys)
{
	struct cw_clocksource *cs = &sys->jiffies_cs;
	int ret;

	cs->name = "jiffies";
	cs->read = jiffies_read;
	cs->mask = CW_CLOCKSOURCE_MASK(32);
	cs->rating = CW_CLOCKSOURCE_RATING_JIFFIES;
	cs->uncertainty_margin_ns = CW_JIFFIES_MARGIN_NS;
	cs->driver_data = sys;
	ret = cw_clocksource_register_mult_shift(sys, cs, (uint32_t)(sys->tick_nsec << CW_JIFFIES_SHIFT),
						 CW_JIFFIES_SHIFT);
	if (ret) {
		cw_bug("jiffies clocksource registration failed");
	}
}
