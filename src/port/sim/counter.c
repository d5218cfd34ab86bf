/* SPDX-License-Identifier: MIT */
/*
 * Model of a free-running hardware counter, and its clocksource driver.
 *
 * Counting: a counter of nominal frequency f Hz with a frequency error of d
 * parts per billion advances f * (1 + d / 1e9) cycles per second of virtual
 * time. Its value at virtual time t is
 *
 *     value(t) = (start + floor(integral from 0 to t of rate dt)) & mask
 *
 * where the rate is piecewise constant: it changes when the drift changes
 * and is 0 while the counter is stopped. The model keeps the integral up to
 * the start of the current piece exactly, as a whole number of cycles plus a
 * remainder in units of 1e-18 cycle, and adds the current piece on demand:
 *
 *     cycles over dt ns = f * (1e9 + d) * dt / 1e18
 *
 * With A = f * (1e9 + d) split as A = Ah * 1e18 + Al (Al < 1e18 < 2^60), the
 * piece is Ah * dt + (rem + Al * dt) / 1e18, which fits in 128 bits for every
 * 64-bit f and dt, so the value is exact at every nanosecond and continuous
 * across drift changes and stops (the remainder is carried over). Example:
 * 1 MHz at +1000 ppm counts exactly 1001000 cycles in one second.
 *
 * Reads may add a uniform random error of 0..jitter_cycles drawn from the
 * engine's generator (so they stay deterministic), but never return less
 * than the previous read did: a real counter read after another one ended
 * cannot see an earlier value, so reads stay monotonic and within
 * [exact, exact + jitter]. cw_sim_counter_value() gives the exact value
 * without consuming random numbers.
 *
 * The clocksource is embedded in the counter: its read callback returns the
 * model's value at the engine's current virtual time.
 */
#include <clockwork/check.h>
#include <clockwork/sim.h>
#include <clockwork/driver/clocksource.h>

#include "port/sim/sim-internal.h"

#include <stdlib.h>
#include <string.h>

/** 1e18: the remainder unit is 1e-18 cycle (1e9 for Hz->ns, 1e9 for ppb). */
#define REM_SCALE ((unsigned __int128)1000000000000000000ull)

/** A scheduled drift change (cw_sim_counter_schedule_drift()). */
struct drift_change {
	/** Engine event that applies it. */
	struct cw_sim_event ev;
	/** New drift, ppb. */
	int64_t drift_ppb;
	/** Owning counter. */
	struct cw_sim_counter *counter;
	/** Next scheduled change of the same counter (allocation list). */
	struct drift_change *next;
};

/**
 * A modelled counter. Created and owned by the caller through
 * cw_sim_counter_create(); single-threaded like its engine.
 */
struct cw_sim_counter {
	/** The clocksource offered to a system (first: container_of is a cast). */
	struct cw_clocksource cs;
	/** Engine whose virtual time drives the counter. */
	struct cw_sim *sim;
	/** Next counter on the engine's list. */
	struct cw_sim_counter *next;
	/** Name, NUL-terminated. */
	char name[CW_CLOCKSOURCE_NAME_MAX];
	/** The creation parameters (p.name points at @p name); p.drift_ppb is the current drift. */
	struct cw_sim_counter_params p;
	/** Mask of p.width_bits. */
	uint64_t mask;
	/** enum cw__sim_stop_reason bits; counting iff 0. */
	unsigned stop_reasons;
	/** Virtual time the current piece started. */
	uint64_t seg_start_ns;
	/** Whole cycles counted before the current piece (not masked). */
	unsigned __int128 seg_cycles;
	/** Fraction of a cycle counted before the current piece, 1e-18 cycle. */
	uint64_t seg_rem;
	/** Scheduled drift changes (freed with the counter). */
	struct drift_change *drift_changes;
	/** Last value a jittered read returned, not masked (reads never go below it). */
	unsigned __int128 last_read;
	/** A = freq * (1e9 + drift) split as A = rate_ah * 1e18 + rate_al (rate_split()). */
	uint64_t rate_ah;
	uint64_t rate_al;
	/** The largest |drift| the counter has had so far, ppb (tell_checker()). */
	uint64_t max_abs_drift_ppb;
};

CW_BUILD_ASSERT(offsetof(struct cw_sim_counter, cs) == 0, "cs must come first");

/*
 * Split the current rate A = f * (1e9 + d) into Ah * 1e18 + Al, whenever f
 * or d changes: a read then divides once (Ah < 2^36 and Al < 2^60 for
 * every 64-bit f and |d| < 1e9).
 */
static void rate_split(struct cw_sim_counter *c)
{
	unsigned __int128 a =
		(unsigned __int128)c->p.freq_hz * (uint64_t)(1000000000 + c->p.drift_ppb);

	c->rate_ah = (uint64_t)(a / REM_SCALE);
	c->rate_al = (uint64_t)(a % REM_SCALE);
}

/* Cycles counted over @dt_ns in the current piece; updates *rem. */
static unsigned __int128 piece_cycles(const struct cw_sim_counter *c, uint64_t dt_ns, uint64_t *rem)
{
	unsigned __int128 frac = (unsigned __int128)*rem + (unsigned __int128)c->rate_al * dt_ns;
	unsigned __int128 q = frac / REM_SCALE;

	*rem = (uint64_t)(frac - q * REM_SCALE);
	return (unsigned __int128)c->rate_ah * dt_ns + q;
}

/* Total cycles counted up to the current virtual time. */
static unsigned __int128 total_cycles(const struct cw_sim_counter *c, uint64_t *rem_out)
{
	uint64_t rem = c->seg_rem;
	unsigned __int128 cycles = c->seg_cycles;
	uint64_t now = c->sim->now_ns;

	if (c->stop_reasons == 0 && now > c->seg_start_ns) {
		cycles += piece_cycles(c, now - c->seg_start_ns, &rem);
	}
	if (rem_out) {
		*rem_out = rem;
	}
	return cycles;
}

/* Close the current piece at the current virtual time. */
static void fold_piece(struct cw_sim_counter *c)
{
	uint64_t rem;

	c->seg_cycles = total_cycles(c, &rem);
	c->seg_rem = rem;
	c->seg_start_ns = c->sim->now_ns;
}

static int64_t clamp_drift(int64_t ppb)
{
	if (ppb > CW_SIM_DRIFT_MAX_PPB) {
		return CW_SIM_DRIFT_MAX_PPB;
	}
	if (ppb < -CW_SIM_DRIFT_MAX_PPB) {
		return -CW_SIM_DRIFT_MAX_PPB;
	}
	return ppb;
}

static bool params_valid(const struct cw_sim_counter_params *p)
{
	if (!p->name || p->name[0] == '\0' || strlen(p->name) >= CW_CLOCKSOURCE_NAME_MAX) {
		return false;
	}
	if (p->width_bits < CW_SIM_COUNTER_MIN_BITS || p->width_bits > CW_SIM_COUNTER_MAX_BITS) {
		return false;
	}
	if (p->freq_hz == 0) {
		return false;
	}
	if (p->drift_ppb > CW_SIM_DRIFT_MAX_PPB || p->drift_ppb < -CW_SIM_DRIFT_MAX_PPB) {
		return false;
	}
	return p->start_value <= CW_CLOCKSOURCE_MASK(p->width_bits);
}

uint64_t cw__sim_wrap_period_ns(unsigned width_bits, uint64_t freq_hz)
{
	unsigned __int128 ns;

	if (freq_hz == 0 || width_bits > CW_SIM_COUNTER_MAX_BITS) {
		return UINT64_MAX;
	}
	ns = ((unsigned __int128)1 << width_bits) * CW_NSEC_PER_SEC / freq_hz;
	return ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
}

CW_API int cw_sim_counter_start_for_wrap(const struct cw_sim_counter_params *p, uint64_t after_ns,
					 uint64_t *start)
{
	struct cw_sim_counter probe = { 0 };
	unsigned __int128 cycles;
	uint64_t rem = 0, mask;

	if (!p || !start || p->width_bits < CW_SIM_COUNTER_MIN_BITS ||
	    p->width_bits > CW_SIM_COUNTER_MAX_BITS || p->freq_hz == 0 ||
	    p->drift_ppb > CW_SIM_DRIFT_MAX_PPB || p->drift_ppb < -CW_SIM_DRIFT_MAX_PPB) {
		return CW_EINVAL;
	}
	/* The model's own count over [0, after_ns] at the drift from boot. */
	probe.p = *p;
	rate_split(&probe);
	cycles = piece_cycles(&probe, after_ns, &rem);
	mask = CW_CLOCKSOURCE_MASK(p->width_bits);
	if (cycles == 0 || cycles > (unsigned __int128)mask + 1) {
		return CW_ERANGE;
	}
	/* start + cycles == mask + 1: the count reaches the wrap at after_ns. */
	*start = mask - (uint64_t)(cycles - 1);
	return 0;
}

CW_API int cw_sim_counter_create(struct cw_sim *sim, const struct cw_sim_counter_params *p,
				 struct cw_sim_counter **out)
{
	struct cw_sim_counter *c;

	if (!sim || !p || !out || !params_valid(p)) {
		return CW_EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		return CW_ENOMEM;
	}
	c->sim = sim;
	memcpy(c->name, p->name, strlen(p->name) + 1);
	c->p = *p;
	c->p.name = c->name;
	c->mask = CW_CLOCKSOURCE_MASK(p->width_bits);
	rate_split(c);
	/* The counter exists from now on; it has counted nothing yet. */
	c->seg_start_ns = sim->now_ns;
	c->next = sim->counters;
	sim->counters = c;
	*out = c;
	return 0;
}

CW_API void cw_sim_counter_destroy(struct cw_sim_counter *c)
{
	struct cw_sim_counter **link;

	if (!c) {
		return;
	}
	for (link = &c->sim->counters; *link; link = &(*link)->next) {
		if (*link == c) {
			*link = c->next;
			break;
		}
	}
	while (c->drift_changes) {
		struct drift_change *dc = c->drift_changes;

		c->drift_changes = dc->next;
		cw_sim_event_cancel(c->sim, &dc->ev);
		free(dc);
	}
	free(c);
}

CW_API uint64_t cw_sim_counter_value(const struct cw_sim_counter *c)
{
	return (uint64_t)(c->p.start_value + total_cycles(c, NULL)) & c->mask;
}

CW_API uint64_t cw_sim_counter_wraps(const struct cw_sim_counter *c)
{
	unsigned __int128 v = c->p.start_value + total_cycles(c, NULL);

	return (uint64_t)(v >> c->p.width_bits);
}

CW_API uint64_t cw_sim_counter_read(struct cw_sim_counter *c)
{
	unsigned __int128 v = c->p.start_value + total_cycles(c, NULL);

	if (c->p.jitter_cycles) {
		v += cw_sim_random_below(c->sim, c->p.jitter_cycles + 1);
		/*
		 * A read that starts after the previous one ended never sees an
		 * earlier value: the jitter delays what a read returns by up to j
		 * cycles of error, but never below the last value returned.
		 */
		if (v < c->last_read) {
			v = c->last_read;
		}
		c->last_read = v;
	}
	return (uint64_t)v & c->mask;
}

/*
 * The checker's lateness bounds assume MONOTONIC and the clock event
 * devices differ in rate by at most 2^-10: tell it how far this counter's
 * rate has strayed so far (its largest |drift| plus NTP's 500 ppm), so a
 * counter that goes bad before the watchdog catches it widens the bounds
 * of the timers it serves instead of being reported as late timers.
 */
static void tell_checker(struct cw_sim_counter *c)
{
	uint64_t d = (uint64_t)(c->p.drift_ppb < 0 ? -c->p.drift_ppb : c->p.drift_ppb);

	if (d > c->max_abs_drift_ppb) {
		c->max_abs_drift_ppb = d;
	}
	if (c->cs.sys) {
		uint64_t ppb = c->max_abs_drift_ppb + 500000u;

		(void)cw_check_set_clocksource_rate_ppb(
			c->cs.sys, &c->cs, ppb > UINT32_MAX ? UINT32_MAX : (uint32_t)ppb);
	}
}

CW_API void cw_sim_counter_set_drift(struct cw_sim_counter *c, int64_t drift_ppb)
{
	fold_piece(c);
	c->p.drift_ppb = clamp_drift(drift_ppb);
	rate_split(c);
	tell_checker(c);
}

CW_API int64_t cw_sim_counter_drift_ppb(const struct cw_sim_counter *c)
{
	return c->p.drift_ppb;
}

static void set_stop_reason(struct cw_sim_counter *c, unsigned reason, bool on)
{
	fold_piece(c);
	if (on) {
		c->stop_reasons |= reason;
	} else {
		c->stop_reasons &= ~reason;
	}
}

CW_API void cw_sim_counter_set_stopped(struct cw_sim_counter *c, bool stopped)
{
	set_stop_reason(c, CW__SIM_STOP_USER, stopped);
}

CW_API bool cw_sim_counter_is_counting(const struct cw_sim_counter *c)
{
	return c->stop_reasons == 0;
}

void cw__sim_counters_set_suspended(struct cw_sim *sim, bool suspended)
{
	for (struct cw_sim_counter *c = sim->counters; c; c = c->next) {
		if (c->p.stops_in_suspend) {
			set_stop_reason(c, CW__SIM_STOP_SUSPEND, suspended);
		}
	}
}

static void drift_change_fire(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct drift_change *dc = ev->data;

	(void)sim;
	cw_sim_counter_set_drift(dc->counter, dc->drift_ppb);
}

CW_API int cw_sim_counter_schedule_drift(struct cw_sim_counter *c, uint64_t at_ns,
					 int64_t drift_ppb)
{
	struct drift_change *dc;

	if (drift_ppb > CW_SIM_DRIFT_MAX_PPB || drift_ppb < -CW_SIM_DRIFT_MAX_PPB) {
		return CW_EINVAL;
	}
	if (cw_sim_reserve(c->sim, cw_sim_nr_queued(c->sim) + 1) != 0) {
		return CW_ENOMEM;
	}
	dc = calloc(1, sizeof(*dc));
	if (!dc) {
		return CW_ENOMEM;
	}
	cw_sim_event_init(&dc->ev, drift_change_fire, dc);
	dc->drift_ppb = drift_ppb;
	dc->counter = c;
	dc->next = c->drift_changes;
	c->drift_changes = dc;
	cw_sim_event_schedule(c->sim, &dc->ev, at_ns);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Clocksource driver */

static uint64_t counter_cs_read(struct cw_clocksource *cs)
{
	return cw_sim_counter_read((struct cw_sim_counter *)cs);
}

CW_API int cw_sim_counter_register(struct cw_sim_counter *c, struct cw_system *sys, int rating,
				   unsigned flags)
{
	struct cw_clocksource *cs = &c->cs;
	int ret;

	if (cs->sys) {
		return CW_EBUSY;
	}
	memset(cs, 0, sizeof(*cs));
	cs->name = c->name;
	cs->read = counter_cs_read;
	cs->mask = c->mask;
	cs->rating = rating;
	cs->flags = flags;
	cs->driver_data = c;
	ret = cw_clocksource_register_hz(sys, cs, c->p.freq_hz);
	if (ret == 0) {
		tell_checker(c);
	}
	return ret;
}

CW_API struct cw_clocksource *cw_sim_counter_clocksource(struct cw_sim_counter *c)
{
	return &c->cs;
}

CW_API const char *cw_sim_counter_name(const struct cw_sim_counter *c)
{
	return c->name;
}

CW_API unsigned cw_sim_counter_width_bits(const struct cw_sim_counter *c)
{
	return c->p.width_bits;
}

CW_API uint64_t cw_sim_counter_freq_hz(const struct cw_sim_counter *c)
{
	return c->p.freq_hz;
}
