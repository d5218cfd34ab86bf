// SPDX-License-Identifier: MIT
/*
 * Timekeeping: turns the current clocksource's counter into the clock ids
 * (MONOTONIC, MONOTONIC_RAW, REALTIME, BOOTTIME, TAI and their coarse
 * variants), advances them from the tick with logarithmic accumulation,
 * steers MONOTONIC/REALTIME as NTP asks, and handles settime, leap seconds,
 * suspend/resume and clocksource switches without any clock jumping.
 *
 * Accumulation
 * ------------
 * The tick interval (1/HZ) is cycle_interval counter cycles. An update
 * accumulates whole intervals since cycle_last in chunks of
 * cycle_interval << k, k starting at log2(offset / cycle_interval) and
 * dropping as the remainder shrinks: a gap of n ticks costs O(log n) steps.
 * The products are 128-bit, so k is bounded only by the counter width.
 *
 * NTP steering
 * ------------
 * NTP (ntp.c) states the wanted rate as an adjustment in ns per second. The
 * timekeeper converts it into ideal_interval, the length one interval
 * should have, and runs MONOTONIC at mult = floor(ideal / cycle_interval),
 * plus one while the accumulated error (ideal - actual, ntp_error) is
 * positive. The dither keeps the long-run rate exact to the 2^-shift ns
 * rounding of ideal_interval per interval (below 10^-11 at shift >= 17).
 * A mult change keeps the clock continuous at the moment of the change by
 * moving the fraction at cycle_last (and charging ntp_error for it).
 *
 * Readers
 * -------
 * Readers (ktime.c) use the published copy (struct cw_tk_pub) under a sequence
 * counter, never a lock. They cannot see time go backwards: every update
 * and mult change is continuous at the instant it is made, coarse values
 * are the clock at cycle_last and never move back, and counter motion
 * backwards (delta above 7/8 of the mask) reads as zero.
 *
 * Locking rules
 * -------------
 * tk_lock serialises writers (update, settime, adjtimex, suspend/resume,
 * clocksource change). cs_lock, when needed, is taken before tk_lock.
 * Clock-was-set notifiers run after both are released.
 */
#include <clockwork/timekeeping.h>

#include "system-internal.h"
#include "ntp-internal.h"
#include "timekeeping-internal.h"
#include "check-internal.h"

#include <string.h>

/* ------------------------------------------------------------------------
 * Small arithmetic helpers
 */

static inline uint64_t frac_mask(uint32_t shift)
{
	return (UINT64_C(1) << shift) - 1;
}

/* Add delta cycles at @mult to a clock, carrying whole ns into base_ns. */
static void clock_advance(struct cw_tk_clock *c, cw_u128 shifted_ns, uint32_t shift)
{
	cw_accumulate_shifted(&c->base_ns, &c->frac, shifted_ns, shift);
}

static int64_t sat_add_s64(int64_t a, cw_u128 b_unsigned, bool negative)
{
	return cw_sat_add_s64_u128(a, b_unsigned, negative);
}

/* ------------------------------------------------------------------------
 * Publishing to readers
 */

/* Copy the writer state to the reader copy. Inside a seqcount write section. */
static void tk_publish_fields(struct cw_system *sys)
{
	struct cw_timekeeper *tk = &sys->tk;
	struct cw_tk_pub *p = &sys->pub;
	int64_t leap_mono = CW_KTIME_MAX, step_ns = 0, at_sec;
	int64_t offs_tai = cw__tk_sat_add(tk->offs_real, (int64_t)sys->ntp.tai * CW_NSEC_PER_SEC);

	if (cw__ntp_next_leap(&sys->ntp, tk->xtime_sec, &at_sec, &step_ns)) {
		/* 128 bits: a midnight past the end of time is simply never reached. */
		cw_s128 at = cw_s128_sub(cw_mul_s64_s64(at_sec, CW_NSEC_PER_SEC),
					 cw_s128_from_s64(tk->offs_real));

		leap_mono = cw_s128_clamp_s64(at, INT64_MIN, CW_KTIME_MAX);
	}
	CW_WRITE_ONCE(p->cs, tk->cs);
	CW_WRITE_ONCE(p->read, tk->cs->read);
	CW_WRITE_ONCE(p->mask, tk->suspended ? 0 : tk->cs->mask);
	CW_WRITE_ONCE(p->cycle_last, tk->cycle_last);
	CW_WRITE_ONCE(p->max_raw_delta, tk->cs->max_raw_delta);
	CW_WRITE_ONCE(p->max_cycles, tk->cs->max_cycles);
	CW_WRITE_ONCE(p->shift, tk->shift);
	CW_WRITE_ONCE(p->mono.mult, tk->mono.mult);
	CW_WRITE_ONCE(p->mono.frac, tk->mono.frac);
	CW_WRITE_ONCE(p->mono.base_ns, tk->mono.base_ns);
	CW_WRITE_ONCE(p->raw.mult, tk->raw.mult);
	CW_WRITE_ONCE(p->raw.frac, tk->raw.frac);
	CW_WRITE_ONCE(p->raw.base_ns, tk->raw.base_ns);
	CW_WRITE_ONCE(p->offs_real, tk->offs_real);
	CW_WRITE_ONCE(p->offs_boot, tk->offs_boot);
	CW_WRITE_ONCE(p->offs_tai, offs_tai);
	CW_WRITE_ONCE(p->leap_mono, leap_mono);
	CW_WRITE_ONCE(p->leap_step_ns, step_ns);
	CW_WRITE_ONCE(p->coarse_mono, tk->coarse_mono);
	CW_WRITE_ONCE(p->coarse_raw, tk->coarse_raw);
}

static void tk_publish(struct cw_system *sys)
{
	cw_write_seqbegin(&sys->pub.seq);
	tk_publish_fields(sys);
	cw_write_seqend(&sys->pub.seq);
}

/* ------------------------------------------------------------------------
 * Writer side: setup, forward, clocksource change
 */

/* The interval NTP wants, from the nominal interval and its ns/s adjustment. */
static void tk_update_ideal(struct cw_system *sys)
{
	struct cw_timekeeper *tk = &sys->tk;
	int64_t adj = cw__ntp_adjust_scaled(&sys->ntp);
	cw_s128 corr = cw_s128_div_s64(cw_mul_u64_s64(tk->raw_interval, adj),
				       (int64_t)CW_NSEC_PER_SEC << 32);

	tk->ideal_interval = tk->raw_interval + cw_s128_lo(corr);
}

static void tk_setup_internals(struct cw_system *sys, struct cw_clocksource *cs)
{
	struct cw_timekeeper *tk = &sys->tk;
	cw_u128 ci;

	tk->cs = cs;
	tk->shift = cs->shift;
	tk->mono.mult = cs->mult;
	tk->raw.mult = cs->mult;
	tk->cycle_last = cs->read(cs) & cs->mask;
	ci = cw_shl_add_div(sys->tick_nsec, cs->shift, cs->mult / 2, cs->mult);
	tk->cycle_interval = cw_u128_hi(ci) || cw_u128_lo(ci) ? cw_u128_lo(ci) : 1;
	tk->xtime_interval = tk->cycle_interval * cs->mult;
	tk->raw_interval = tk->xtime_interval;
	tk->ntp_error = 0;
	tk->err_mult = 0;
	tk->ideal_used = 0;
	tk_update_ideal(sys);
}

/* Accumulate everything up to now into the bases (timekeeping_forward_now). */
static void tk_forward_now(struct cw_timekeeper *tk)
{
	struct cw_clocksource *cs = tk->cs;
	uint64_t delta =
		cw__tk_counter_delta(cs->read(cs), tk->cycle_last, cs->mask, cs->max_raw_delta);

	clock_advance(&tk->mono, cw_mul_u64_u32(delta, tk->mono.mult), tk->shift);
	clock_advance(&tk->raw, cw_mul_u64_u32(delta, tk->raw.mult), tk->shift);
	tk->cycle_last = (tk->cycle_last + delta) & cs->mask;
}

static uint64_t convert_frac(uint64_t frac, uint32_t from_shift, uint32_t to_shift)
{
	return cw_rescale_u64(frac, from_shift, to_shift);
}

void cw__timekeeping_init(struct cw_system *sys, struct cw_clocksource *cs, int64_t realtime_ns,
			  int64_t monotonic_ns, int32_t tai_offset_s)
{
	struct cw_timekeeper *tk = &sys->tk;

	(void)tai_offset_s; /* NTP owns the TAI offset (cw__ntp_init). */
	memset(tk, 0, sizeof(*tk));
	tk_setup_internals(sys, cs);
	tk->mono.base_ns = monotonic_ns;
	tk->raw.base_ns = monotonic_ns;
	/* Both are at most 2^63 - 1 and non-negative: no overflow. */
	tk->offs_real = realtime_ns - monotonic_ns;
	tk->xtime_sec = realtime_ns / CW_NSEC_PER_SEC;
	tk_publish(sys);
}

struct cw_clocksource *cw__timekeeping_clocksource(struct cw_system *sys)
{
	return sys->tk.cs;
}

int cw__timekeeping_change_clocksource(struct cw_system *sys, struct cw_clocksource *cs)
{
	struct cw_timekeeper *tk = &sys->tk;
	struct cw_clocksource *old;
	uint32_t old_shift;
	int ret;

	cw_lockdep_assert_held(&sys->cs_lock);
	if (cs->enable && (ret = cs->enable(cs)) != 0) {
		cw__log(sys, CW_LOG_WARNING, "clocksource: %s: enable failed (%d), not switching",
			cs->name, ret);
		return ret;
	}
	cw_spin_lock(&sys->tk_lock);
	/*
	 * Hold readers off across both counter reads. Otherwise a reader
	 * using the old counter between our last read of it and the publish
	 * would see time the new counter does not count yet: a backward step
	 * of up to 230 ns (seen with the TSC and clock_gettime). The barrier
	 * makes the odd count visible before we read the counters; any reader
	 * that completes without retrying read its counter before that, so its
	 * value is at most the one we forward to.
	 */
	cw_write_seqbegin(&sys->pub.seq);
	cw_counter_read_barrier();
	old = tk->cs;
	if (!tk->suspended) {
		tk_forward_now(tk);
	}
	old_shift = tk->shift;
	tk->mono.frac = convert_frac(tk->mono.frac, old_shift, cs->shift);
	tk->raw.frac = convert_frac(tk->raw.frac, old_shift, cs->shift);
	tk_setup_internals(sys, cs);
	tk_publish_fields(sys);
	cw_write_seqend(&sys->pub.seq);
	cw_spin_unlock(&sys->tk_lock);
	if (old->disable) {
		old->disable(old);
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * The update path
 */

static void tk_clock_was_set(struct cw_timekeeper *tk, unsigned bases)
{
	tk->cws_pending |= bases;
	tk->clock_was_set_seq++;
}

/* Hand each REALTIME second boundary crossed to NTP; apply leap steps. */
static void tk_process_seconds(struct cw_system *sys)
{
	struct cw_timekeeper *tk = &sys->tk;

	for (;;) {
		int64_t sec = cw_div_floor_s64(cw__tk_sat_add(tk->mono.base_ns, tk->offs_real),
					       CW_NSEC_PER_SEC);
		int leap;

		if (sec <= tk->xtime_sec) {
			break;
		}
		tk->xtime_sec++;
		leap = cw__ntp_second_overflow(&sys->ntp, tk->xtime_sec);
		if (leap) {
			/* Insert (-1): REALTIME repeats a second; delete (+1): skips one.
			 * TAI does not move: the TAI offset changes the other way. */
			tk->offs_real = cw__tk_sat_add(tk->offs_real, leap * CW_NSEC_PER_SEC);
			sys->ntp.tai -= leap;
			tk->xtime_sec += leap;
			tk_clock_was_set(tk, CW_CLOCK_SET_WALL);
			cw__log(sys, CW_LOG_NOTICE, "Clock: %s leap second at %lld",
				leap < 0 ? "inserting" : "deleting", (long long)tk->xtime_sec);
		}
		tk_update_ideal(sys);
	}
}

/* Accumulate one chunk of cycle_interval << k cycles. */
static void tk_accumulate(struct cw_system *sys, unsigned k)
{
	struct cw_timekeeper *tk = &sys->tk;
	cw_u128 ideal = cw_u128_shl(cw_u128_from_u64(tk->ideal_interval), k);
	cw_u128 actual = cw_u128_shl(cw_u128_from_u64(tk->xtime_interval), k);

	tk->cycle_last = (tk->cycle_last + (tk->cycle_interval << k)) & tk->cs->mask;
	clock_advance(&tk->mono, actual, tk->shift);
	clock_advance(&tk->raw, cw_u128_shl(cw_u128_from_u64(tk->raw_interval), k), tk->shift);
	tk->ntp_error = !cw_u128_lt(ideal, actual)
				? sat_add_s64(tk->ntp_error, cw_u128_sub(ideal, actual), false)
				: sat_add_s64(tk->ntp_error, cw_u128_sub(actual, ideal), true);
	tk->steps++;
	tk_process_seconds(sys);
}

/*
 * Steer mult towards the NTP ideal (timekeeping_adjust). @offset is the
 * number of cycles since cycle_last; the clock stays continuous there.
 */
static void tk_adjust(struct cw_system *sys, uint64_t offset)
{
	struct cw_timekeeper *tk = &sys->tk;
	struct cw_clocksource *cs = tk->cs;
	uint64_t mult, lo = cs->mult - cs->maxadj, hi = (uint64_t)cs->mult + cs->maxadj;
	cw_s128 t;
	int64_t adj;

	if (tk->ideal_interval != tk->ideal_used) {
		mult = tk->ideal_interval / tk->cycle_interval;
		tk->ideal_used = tk->ideal_interval;
	} else {
		mult = tk->mono.mult - tk->err_mult;
	}
	tk->err_mult = tk->ntp_error > 0 ? 1 : 0;
	mult += tk->err_mult;
	if (mult < lo || mult > hi) {
		CW_WARN_ON_ONCE(sys, 1);
		mult = mult < lo ? lo : hi;
	}
	adj = (int64_t)mult - (int64_t)tk->mono.mult;
	if (adj == 0) {
		return;
	}
	tk->mono.mult = (uint32_t)mult;
	tk->xtime_interval = tk->cycle_interval * mult;
	/* Keep the value at "now" unchanged: move the fraction at cycle_last. */
	t = cw_s128_sub(cw_s128_from_u128(cw_u128_from_u64(tk->mono.frac)),
			cw_mul_u64_s64(offset, adj));
	tk->mono.base_ns += (int64_t)cw_s128_lo(cw_s128_asr(t, tk->shift));
	tk->mono.frac = cw_s128_lo(t) & frac_mask(tk->shift);
	tk->ntp_error = sat_add_s64(tk->ntp_error,
				    cw_u128_from_s128(cw_mul_u64_s64(offset, adj < 0 ? -adj : adj)),
				    adj < 0);
}

/*
 * Coarse clocks: the value at cycle_last, which no later fine read can be
 * below (reads behind cycle_last clamp to it), never moved back, although
 * an NTP mult change can move the MONOTONIC base at cycle_last back by a
 * few ns (the coarse-backwards bug Linux fixed in 6.15).
 */
static void tk_update_coarse(struct cw_timekeeper *tk)
{
	if (tk->mono.base_ns > tk->coarse_mono) {
		tk->coarse_mono = tk->mono.base_ns;
	}
	if (tk->raw.base_ns > tk->coarse_raw) {
		tk->coarse_raw = tk->raw.base_ns;
	}
}

static void tk_update_locked(struct cw_system *sys)
{
	struct cw_timekeeper *tk = &sys->tk;
	struct cw_clocksource *cs = tk->cs;
	uint64_t ci = tk->cycle_interval;
	uint64_t offset =
		cw__tk_counter_delta(cs->read(cs), tk->cycle_last, cs->mask, cs->max_raw_delta);
	int k;

	cw_lockdep_assert_held(&sys->tk_lock);

	if (offset < ci) {
		return;
	}
	/*
	 * Read "now" again inside the write section: a reader still using the
	 * old mult after our read could otherwise run ahead of the new one by
	 * (time to publish) x (mult change), a fraction of a ns per us after
	 * an NTP frequency step, but a backward step all the same.
	 */
	cw_write_seqbegin(&sys->pub.seq);
	cw_counter_read_barrier();
	offset = cw__tk_counter_delta(cs->read(cs), tk->cycle_last, cs->mask, cs->max_raw_delta);
	k = (int)cw_ilog2_u64(offset) - (int)cw_ilog2_u64(ci);
	if (k + (int)cw_ilog2_u64(ci) >= 63) {
		/* Keep ci << k below 2^64. */
		k = 62 - (int)cw_ilog2_u64(ci);
	}
	while (offset >= ci) {
		while (k > 0 && (ci << k) > offset) {
			k--;
		}
		tk_accumulate(sys, (unsigned)k);
		offset -= ci << k;
	}
	tk_adjust(sys, offset);
	tk_update_coarse(tk);
	tk_publish_fields(sys);
	cw_write_seqend(&sys->pub.seq);
}

void cw_timekeeping_update(struct cw_system *sys)
{
	cw_spin_lock(&sys->tk_lock);
	if (!sys->tk.suspended) {
		tk_update_locked(sys);
	}
	cw_spin_unlock(&sys->tk_lock);
	cw__timekeeping_run_notifiers(sys);
}

uint64_t cw_timekeeping_accumulation_steps(struct cw_system *sys)
{
	uint64_t n;

	cw_spin_lock(&sys->tk_lock);
	n = sys->tk.steps;
	cw_spin_unlock(&sys->tk_lock);
	return n;
}

/* ------------------------------------------------------------------------
 * Discontinuous changes: settime, NTP, suspend/resume
 */

/* Refresh the coarse values at the forward point and resync the seconds. */
static void tk_after_step(struct cw_system *sys)
{
	struct cw_timekeeper *tk = &sys->tk;

	tk_update_coarse(tk);
	tk->xtime_sec =
		cw_div_floor_s64(cw__tk_sat_add(tk->mono.base_ns, tk->offs_real), CW_NSEC_PER_SEC);
}

int cw_timekeeping_settime(struct cw_system *sys, int64_t real_ns)
{
	struct cw_timekeeper *tk = &sys->tk;

	if (real_ns < 0) {
		return CW_EINVAL;
	}
	cw_spin_lock(&sys->tk_lock);
	if (!tk->suspended) {
		tk_forward_now(tk);
	}
	tk->offs_real = real_ns - tk->mono.base_ns;
	tk_after_step(sys);
	tk_clock_was_set(tk, CW_CLOCK_SET_WALL);
	tk_publish(sys);
	cw_spin_unlock(&sys->tk_lock);
	cw__timekeeping_run_notifiers(sys);
	return 0;
}

int cw_timekeeping_settime_ts(struct cw_system *sys, int64_t sec, long nsec)
{
	int64_t ns;

	if (sec < 0 || nsec < 0 || nsec >= CW_NSEC_PER_SEC ||
	    __builtin_mul_overflow(sec, CW_NSEC_PER_SEC, &ns) ||
	    __builtin_add_overflow(ns, (int64_t)nsec, &ns)) {
		/* Before the epoch, or at or beyond 2^63 ns (KTIME_MAX): not a time. */
		return CW_EINVAL;
	}
	return cw_timekeeping_settime(sys, ns);
}

static int tk_inject_offset_locked(struct cw_system *sys, const struct cw_timex *tx)
{
	struct cw_timekeeper *tk = &sys->tk;
	int64_t unit = (tx->modes & CW_ADJ_NANO) ? 1 : CW_NSEC_PER_USEC;
	cw_s128 delta = cw_s128_add(cw_mul_s64_s64(tx->time_sec, CW_NSEC_PER_SEC),
				    cw_mul_s64_s64(tx->time_frac, unit));
	cw_s128 offs = cw_s128_add(cw_s128_from_s64(tk->offs_real), delta);
	cw_s128 real;

	cw_lockdep_assert_held(&sys->tk_lock);

	if (!tk->suspended) {
		tk_forward_now(tk);
	}
	real = cw_s128_add(cw_s128_from_s64(tk->mono.base_ns), offs);
	/*
	 * Refused: a REALTIME before the epoch, at or beyond 2^63 ns (which
	 * reads as KTIME_MAX, the end of time), or an offset that does not
	 * fit (Linux: timekeeping_inject_offset's validity checks).
	 */
	if (cw_s128_lt_s64(real, 0) || cw_s128_gt_s64(real, CW_KTIME_MAX) ||
	    cw_s128_gt_s64(offs, INT64_MAX) || cw_s128_lt_s64(offs, INT64_MIN)) {
		return CW_EINVAL;
	}
	tk->offs_real = (int64_t)cw_s128_lo(offs);
	tk_after_step(sys);
	tk_clock_was_set(tk, CW_CLOCK_SET_WALL);
	return 0;
}

int cw_adjtimex(struct cw_system *sys, struct cw_timex *tx)
{
	int ret = cw__ntp_validate(tx);

	if (ret) {
		return ret;
	}
	cw_spin_lock(&sys->tk_lock);
	if (tx->modes & CW_ADJ_SETOFFSET) {
		ret = tk_inject_offset_locked(sys, tx);
		if (ret) {
			goto out_unlock;
		}
	}
	if ((tx->modes & CW_ADJ_TAI) && tx->tai != sys->ntp.tai) {
		tk_clock_was_set(&sys->tk, CW_CLOCK_SET_WALL);
	}
	cw__ntp_adjtimex(&sys->ntp, tx);
	tk_update_ideal(sys);
	ret = sys->ntp.state;
	tk_publish(sys);
out_unlock:
	cw_spin_unlock(&sys->tk_lock);
	cw__timekeeping_run_notifiers(sys);
	return ret;
}

static struct cw_clocksource *find_suspend_cs(struct cw_system *sys)
{
	for (struct cw_clocksource *cs = sys->cs_list; cs; cs = cs->next) {
		if ((cs->flags & CW_CLOCKSOURCE_SUSPEND_NONSTOP) && !cs->suspend && !cs->resume) {
			return cs;
		}
	}
	return NULL;
}

int cw_timekeeping_suspend(struct cw_system *sys)
{
	struct cw_timekeeper *tk = &sys->tk;
	int ret = 0;

	cw_spin_lock(&sys->cs_lock);
	cw_spin_lock(&sys->tk_lock);
	if (tk->suspended) {
		ret = CW_EBUSY;
		cw_spin_unlock(&sys->tk_lock);
		goto out_unlock;
	}
	tk_forward_now(tk);
	tk->suspend_cs = find_suspend_cs(sys);
	if (tk->suspend_cs) {
		tk->suspend_start = tk->suspend_cs == tk->cs ? tk->cycle_last
							     : tk->suspend_cs->read(tk->suspend_cs);
	}
	tk->suspended = true;
	tk_publish(sys);
	cw_spin_unlock(&sys->tk_lock);
	for (struct cw_clocksource *cs = sys->cs_list; cs; cs = cs->next) {
		if (cs->suspend) {
			cs->suspend(cs);
		}
	}
	cw__log(sys, CW_LOG_INFO, "PM: suspend entry");
out_unlock:
	cw_spin_unlock(&sys->cs_lock);
	return ret;
}

/* Add sleep to REALTIME/TAI/BOOTTIME (not MONOTONIC). tk_lock held. */
static void tk_inject_sleep_locked(struct cw_system *sys, uint64_t sleep_ns)
{
	struct cw_timekeeper *tk = &sys->tk;

	cw_lockdep_assert_held(&sys->tk_lock);

	int64_t sleep = sleep_ns > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)sleep_ns;

	tk->offs_real = cw__tk_sat_add(tk->offs_real, sleep);
	tk->offs_boot = cw__tk_sat_add(tk->offs_boot, sleep);
	tk->slept_ns += sleep_ns;
	tk_after_step(sys);
	tk_clock_was_set(tk, CW_CLOCK_SET_WALL | CW_CLOCK_SET_BOOT);
}

int cw_timekeeping_resume(struct cw_system *sys, uint64_t sleep_ns)
{
	struct cw_timekeeper *tk = &sys->tk;
	struct cw_clocksource *scs;
	int ret = 0;

	cw_spin_lock(&sys->cs_lock);
	for (struct cw_clocksource *cs = sys->cs_list; cs; cs = cs->next) {
		if (cs->resume) {
			cs->resume(cs);
		}
	}
	cw_spin_lock(&sys->tk_lock);
	if (!tk->suspended) {
		ret = CW_EPERM;
		goto out_unlock;
	}
	scs = tk->suspend_cs;
	if (scs) {
		sleep_ns = cw_cycles_to_ns((scs->read(scs) - tk->suspend_start) & scs->mask,
					   scs->mult, scs->shift);
	}
	/* Whatever the current counter did meanwhile is not MONOTONIC time. */
	tk->cycle_last = tk->cs->read(tk->cs) & tk->cs->mask;
	tk->suspended = false;
	tk_inject_sleep_locked(sys, sleep_ns);
	sys->wd_reset_pending = true;
	tk_publish(sys);
	cw__log(sys, CW_LOG_INFO, "PM: resume: slept %llu ns (%s)", (unsigned long long)sleep_ns,
		scs ? scs->name : "given");
out_unlock:
	cw_spin_unlock(&sys->tk_lock);
	cw_spin_unlock(&sys->cs_lock);
	cw__timekeeping_run_notifiers(sys);
	return ret;
}

int cw_timekeeping_inject_sleeptime(struct cw_system *sys, uint64_t sleep_ns)
{
	int ret = 0;

	cw_spin_lock(&sys->tk_lock);
	if (sys->tk.suspended) {
		ret = CW_EPERM;
	} else {
		tk_forward_now(&sys->tk);
		tk_inject_sleep_locked(sys, sleep_ns);
		tk_publish(sys);
	}
	cw_spin_unlock(&sys->tk_lock);
	cw__timekeeping_run_notifiers(sys);
	return ret;
}

uint64_t cw_timekeeping_suspended_total_ns(struct cw_system *sys)
{
	uint64_t ns;

	cw_spin_lock(&sys->tk_lock);
	ns = sys->tk.slept_ns;
	cw_spin_unlock(&sys->tk_lock);
	return ns;
}

/* ------------------------------------------------------------------------
 * Clock-was-set notifiers
 */

void cw_timekeeping_notifier_register(struct cw_system *sys, struct cw_clock_was_set_notifier *nb)
{
	cw_spin_lock(&sys->notify_lock);
	nb->next = sys->notifiers;
	sys->notifiers = nb;
	cw_spin_unlock(&sys->notify_lock);
}

int cw_timekeeping_notifier_unregister(struct cw_system *sys, struct cw_clock_was_set_notifier *nb)
{
	int ret = CW_ENOENT;

	cw_spin_lock(&sys->notify_lock);
	for (struct cw_clock_was_set_notifier **pp = &sys->notifiers; *pp; pp = &(*pp)->next) {
		if (*pp == nb) {
			*pp = nb->next;
			ret = 0;
			break;
		}
	}
	cw_spin_unlock(&sys->notify_lock);
	return ret;
}

uint64_t cw_timekeeping_clock_was_set_seq(struct cw_system *sys)
{
	uint64_t seq;

	cw_spin_lock(&sys->tk_lock);
	seq = sys->tk.clock_was_set_seq;
	cw_spin_unlock(&sys->tk_lock);
	return seq;
}

void cw__timekeeping_run_notifiers(struct cw_system *sys)
{
	unsigned bases;

	cw_spin_lock(&sys->tk_lock);
	bases = sys->tk.cws_pending;
	sys->tk.cws_pending = 0;
	cw_spin_unlock(&sys->tk_lock);
	if (!bases) {
		return;
	}
	cw_spin_lock(&sys->notify_lock);
	for (struct cw_clock_was_set_notifier *nb = sys->notifiers; nb; nb = nb->next) {
		nb->fn(nb, bases);
	}
	cw_spin_unlock(&sys->notify_lock);
}
