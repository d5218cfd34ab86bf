// SPDX-License-Identifier: MIT
/*
 * The clocksource framework: registration (conversion factors and their
 * limits), the rating-sorted list, selection with a run-time override, and
 * the watchdog that cross-checks counters that must be verified.
 *
 * Conversion factors
 * ------------------
 * Linux chooses mult/shift so that the 64-bit product delta * mult cannot
 * overflow over up to 600 s, which costs precision at high frequencies (a
 * 10 GHz counter gets about 0.24 ppm). clockwork instead takes the most
 * precise 32-bit mult that leaves 11 % headroom for NTP (relative rounding
 * error below 2^-31: 0.47 ns per second at any frequency from 32.768 kHz to
 * 10 GHz) and keeps every product exact: readers multiply in 64 bits up to
 * max_cycles and in 128 bits beyond. So max_cycles is a fast-path bound,
 * not a correctness limit, and the only hard limit on the time between
 * updates is the counter wrapping: max_idle_ns is 50 % (the kernel's safety
 * margin) of the wrap span at the slowest NTP-adjusted rate, capped at
 * CW_CLOCKSOURCE_MAX_IDLE_NS.
 *
 * Watchdog
 * --------
 * Every interval (500 ms by default) the best-rated clocksource that does
 * not itself need verification (the watchdog) is read around each
 * MUST_VERIFY clocksource: watchdog, clocksource, watchdog, watchdog. A
 * slow read sandwich is retried; if the back-to-back watchdog reads alone
 * are slow the machine is too busy and the check is skipped (baselines are
 * retaken after a pause). The first check takes baselines; each later one
 * compares the ns both advanced. A difference above the sum of the two
 * uncertainty margins (about 250 us per 0.5 s, 500 ppm, by default) marks
 * the clocksource unstable: its rating drops to 0 and the best remaining
 * one is selected. A continuous clocksource that passes against a
 * continuous watchdog becomes valid for high resolution.
 *
 * The checks run from a timer of this file, not from the ports (Linux's
 * clocksource_start_watchdog): a wheel timer started when the clocksource
 * framework finishes booting (cw__clocksource_done_booting(), the fs init
 * level) or by a later registration, whenever there is a reference and a
 * MUST_VERIFY clocksource that is not unstable. Each run re-arms it one
 * interval after its previous expiry on the next online CPU (wrapping), so
 * the reads move from CPU to CPU; with nothing left to verify it stops. A
 * wheel timer runs at the first tick after its expiry, up to one bucket
 * granularity late (8 jiffies for 0.5 s at HZ >= 128), as Linux's does;
 * an interval stretched past interval_max_ns only retakes the baselines.
 * A machine without any clock event device has no tick, so no watchdog,
 * as in Linux. cw_clocksource_watchdog_run() stays as a test hook.
 *
 * Locking rules
 * -------------
 * cs_lock protects the list, ratings, flags, the watchdog and the override;
 * it is taken before tk_lock (clocksource switches). Registration, selection
 * and the watchdog run in thread or soft context. The watchdog timer is
 * armed with cs_lock dropped (wheel base locks are never taken under it). Counter read functions
 * are called with cs_lock held and must not call back into clockwork.
 */
#include <clockwork/clocksource.h>
#include <clockwork/driver/clocksource.h>
#include <clockwork/cpu.h>
#include <clockwork/timer.h>

#include "system-internal.h"
#include "cpu-internal.h"
#include "timekeeping-internal.h"

#include <stdio.h>
#include <string.h>

/* Largest shift: keeps (tick ns << shift) and sub-ns fractions in 64 bits. */
#define CW_CS_MAX_SHIFT 35u
/* Cap on max_idle_ns: ten minutes, Linux's conversion span for wide counters. */
#define CW_CLOCKSOURCE_MAX_IDLE_NS (600ULL * CW_NSEC_PER_SEC)

/* Watchdog defaults (Linux, HZ-independent forms). */
#define CW_WD_INTERVAL_NS       (CW_NSEC_PER_SEC / 2)
#define CW_WD_INTERVAL_MAX_NS   ((uint64_t)CW_NSEC_PER_SEC)
#define CW_WD_MAX_SKEW_NS       62000ULL
#define CW_WD_BUSY_PAUSE_NS     (300ULL * CW_NSEC_PER_SEC)
/* Margin of clocksources registered without a frequency: NSEC_PER_SEC >> 5. */
#define CW_WD_THRESHOLD_NS      (CW_NSEC_PER_SEC >> 5)

enum wd_read_result {
	WD_READ_SUCCESS,
	WD_READ_UNSTABLE,
	WD_READ_SKIP,
};

/* ------------------------------------------------------------------------
 * Conversion factors
 */

void cw_clocks_calc_mult_shift(uint32_t *mult, uint32_t *shift, uint64_t from, uint64_t to,
			       uint64_t maxsec)
{
	uint64_t tmp;
	uint32_t sft, sftacc = 32;

	/* Bits of (maxsec * from) above 32 reduce the room left for mult. */
	tmp = cw_u128_lo(cw_u128_shr(cw_mul_u64_u64(maxsec, from), 32));
	while (tmp) {
		tmp >>= 1;
		sftacc--;
	}
	for (sft = 32; sft > 0; sft--) {
		tmp = cw_u128_lo(cw_shl_add_div(to, sft, from / 2, from));
		if ((tmp >> sftacc) == 0) {
			break;
		}
	}
	*mult = (uint32_t)tmp;
	*shift = sft;
}

void cw_clocksource_calc_mult_shift(uint32_t *mult, uint32_t *shift, uint64_t hz)
{
	for (uint32_t sft = CW_CS_MAX_SHIFT;; sft--) {
		/* Saturated: anything at or above 2^32 fails the test alike. */
		uint64_t m = cw_u128_to_u64_sat(cw_shl_add_div(CW_NSEC_PER_SEC, sft, hz / 2, hz));

		/* mult plus the 11 % NTP headroom must stay below 2^32. */
		if ((m <= UINT32_MAX && m + m * 11 / 100 <= UINT32_MAX) || sft == 0) {
			*mult = m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
			*shift = sft;
			return;
		}
	}
}

uint64_t cw_cycles_to_ns(uint64_t cycles, uint32_t mult, uint32_t shift)
{
	return cw_mul_u64_u32_shr(cycles, mult, shift);
}

static void calc_limits(struct cw_clocksource *cs)
{
	uint64_t frac_max = (UINT64_C(1) << cs->shift) - 1;
	uint64_t wrap_ns;

	cs->maxadj = (uint32_t)((uint64_t)cs->mult * 11 / 100);
	if (cs->mult + (uint64_t)cs->maxadj > UINT32_MAX) {
		cs->maxadj = UINT32_MAX - cs->mult;
	}
	cs->max_cycles = (UINT64_MAX - frac_max) / ((uint64_t)cs->mult + cs->maxadj);
	if (cs->max_cycles > cs->mask) {
		cs->max_cycles = cs->mask;
	}
	wrap_ns = cw_cycles_to_ns(cs->mask, cs->mult - cs->maxadj, cs->shift);
	cs->max_idle_ns = wrap_ns / 2;
	if (cs->max_idle_ns > CW_CLOCKSOURCE_MAX_IDLE_NS) {
		cs->max_idle_ns = CW_CLOCKSOURCE_MAX_IDLE_NS;
	}
	/* Negative-motion threshold: 7/8 of the mask. */
	cs->max_raw_delta = (cs->mask >> 1) + (cs->mask >> 2) + (cs->mask >> 3);
}

static uint32_t default_margin_ns(const struct cw_system *sys, const struct cw_clocksource *cs)
{
	uint64_t period_ns, m = 2 * sys->wd_params.max_skew_ns;

	if (!cs->freq_hz) {
		return (uint32_t)CW_WD_THRESHOLD_NS;
	}
	period_ns = (CW_NSEC_PER_SEC + cs->freq_hz - 1) / cs->freq_hz;
	if (period_ns > m) {
		m = period_ns;
	}
	return m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
}

/* ------------------------------------------------------------------------
 * The list, selection and the watchdog choice. All under cs_lock.
 */

static void enqueue_locked(struct cw_system *sys, struct cw_clocksource *cs)
{
	cw_lockdep_assert_held(&sys->cs_lock);
	struct cw_clocksource **pp = &sys->cs_list;

	/* Sorted by rating, highest first; equal ratings keep registration order. */
	while (*pp && (*pp)->rating >= cs->rating) {
		pp = &(*pp)->next;
	}
	cs->next = *pp;
	*pp = cs;
}

static void dequeue_locked(struct cw_system *sys, struct cw_clocksource *cs)
{
	cw_lockdep_assert_held(&sys->cs_lock);
	for (struct cw_clocksource **pp = &sys->cs_list; *pp; pp = &(*pp)->next) {
		if (*pp == cs) {
			*pp = cs->next;
			cs->next = NULL;
			return;
		}
	}
}

static struct cw_clocksource *find_locked(struct cw_system *sys, const char *name)
{
	cw_lockdep_assert_held(&sys->cs_lock);
	for (struct cw_clocksource *cs = sys->cs_list; cs; cs = cs->next) {
		if (strcmp(cs->name, name) == 0) {
			return cs;
		}
	}
	return NULL;
}

static void reset_watchdog_baselines_locked(struct cw_system *sys)
{
	cw_lockdep_assert_held(&sys->cs_lock);
	for (struct cw_clocksource *cs = sys->cs_list; cs; cs = cs->next) {
		cs->flags &= ~CW_CLOCKSOURCE_WATCHDOG;
	}
}

static void select_watchdog_locked(struct cw_system *sys, struct cw_clocksource *skip)
{
	struct cw_clocksource *best = NULL;

	cw_lockdep_assert_held(&sys->cs_lock);

	for (struct cw_clocksource *cs = sys->cs_list; cs; cs = cs->next) {
		if (cs == skip || (cs->flags & (CW_CLOCKSOURCE_MUST_VERIFY | CW_CLOCKSOURCE_UNSTABLE))) {
			continue;
		}
		best = cs;
		break;
	}
	if (best != sys->watchdog) {
		sys->watchdog = best;
		reset_watchdog_baselines_locked(sys);
		if (best) {
			cw__log(sys, CW_LOG_INFO, "clocksource: watchdog is '%s'", best->name);
		}
	}
}

static bool usable_locked(const struct cw_system *sys, const struct cw_clocksource *cs)
{
	cw_lockdep_assert_held(&sys->cs_lock);
	return !sys->tick_oneshot_active || (cs->flags & CW_CLOCKSOURCE_VALID_FOR_HRES);
}

static struct cw_clocksource *override_locked(struct cw_system *sys,
					      struct cw_clocksource *skip)
{
	struct cw_clocksource *cs;

	cw_lockdep_assert_held(&sys->cs_lock);

	if (!sys->override_name[0]) {
		return NULL;
	}
	cs = find_locked(sys, sys->override_name);
	if (!cs || cs == skip) {
		return NULL;
	}
	if (cs->flags & CW_CLOCKSOURCE_UNSTABLE) {
		cw__log(sys, CW_LOG_WARNING,
			"clocksource: Override clocksource %s is unstable, ignoring the override",
			cs->name);
		sys->override_name[0] = '\0';
		return NULL;
	}
	if (!usable_locked(sys, cs)) {
		cw__log(sys, CW_LOG_WARNING,
			"clocksource: Override clocksource %s is not HRES and oneshot capable, ignoring",
			cs->name);
		return NULL;
	}
	return cs;
}

static void select_locked(struct cw_system *sys, struct cw_clocksource *skip)
{
	struct cw_clocksource *best, *cur = cw__timekeeping_clocksource(sys);

	cw_lockdep_assert_held(&sys->cs_lock);

	if (!atomic_load_explicit(&sys->booted, memory_order_acquire)) {
		return;
	}
	best = override_locked(sys, skip);
	for (struct cw_clocksource *cs = sys->cs_list; !best && cs; cs = cs->next) {
		if (cs != skip && usable_locked(sys, cs)) {
			best = cs;
		}
	}
	for (struct cw_clocksource *cs = sys->cs_list; cs; cs = cs->next) {
		cs->flags &= ~CW_CLOCKSOURCE_RESELECT;
	}
	if (best && best != cur && cw__timekeeping_change_clocksource(sys, best) == 0) {
		cw__log(sys, CW_LOG_INFO, "clocksource: Switched to clocksource %s", best->name);
		cw__tick_clock_notify(sys);
	}
}

static void mark_unstable_locked(struct cw_system *sys, struct cw_clocksource *cs)
{
	cw_lockdep_assert_held(&sys->cs_lock);
	if (cs->flags & CW_CLOCKSOURCE_UNSTABLE) {
		return;
	}
	cs->flags &= ~(CW_CLOCKSOURCE_VALID_FOR_HRES | CW_CLOCKSOURCE_WATCHDOG);
	cs->flags |= CW_CLOCKSOURCE_UNSTABLE;
	if (cs->mark_unstable) {
		cs->mark_unstable(cs);
	}
	/* The kernel's kwatchdog work: rating to 0, then reselect. */
	dequeue_locked(sys, cs);
	cs->rating = 0;
	enqueue_locked(sys, cs);
	if (cs == sys->watchdog) {
		select_watchdog_locked(sys, NULL);
	}
	select_locked(sys, NULL);
}

/* ------------------------------------------------------------------------
 * Registration
 */

static int check_new_locked(struct cw_system *sys, const struct cw_clocksource *cs)
{
	cw_lockdep_assert_held(&sys->cs_lock);
	if (!cs->name || !cs->name[0] || strlen(cs->name) >= CW_CLOCKSOURCE_NAME_MAX ||
	    !cs->read || !cs->mask || !cs->mult) {
		return CW_EINVAL;
	}
	if (cs->sys || find_locked(sys, cs->name)) {
		return CW_EBUSY;
	}
	return 0;
}

static void watchdog_start(struct cw_system *sys);

static int register_locked(struct cw_system *sys, struct cw_clocksource *cs)
{
	int ret = check_new_locked(sys, cs);

	cw_lockdep_assert_held(&sys->cs_lock);

	if (ret) {
		return ret;
	}
	calc_limits(cs);
	cs->margin_auto = cs->uncertainty_margin_ns == 0;
	if (cs->margin_auto) {
		cs->uncertainty_margin_ns = default_margin_ns(sys, cs);
	}
	cs->flags &= ~(CW_CLOCKSOURCE_WATCHDOG | CW_CLOCKSOURCE_UNSTABLE | CW_CLOCKSOURCE_RESELECT);
	cs->wd_passes = 0;
	cs->sys = sys;
	/* Nothing to verify: a continuous counter is good for oneshot/high-res at once. */
	if (!(cs->flags & CW_CLOCKSOURCE_MUST_VERIFY) && (cs->flags & CW_CLOCKSOURCE_IS_CONTINUOUS)) {
		cs->flags |= CW_CLOCKSOURCE_VALID_FOR_HRES;
	}
	enqueue_locked(sys, cs);
	cw__log(sys, CW_LOG_INFO,
		"clocksource: %s: mask: 0x%llx max_cycles: 0x%llx, max_idle_ns: %llu ns", cs->name,
		(unsigned long long)cs->mask, (unsigned long long)cs->max_cycles,
		(unsigned long long)cs->max_idle_ns);
	select_watchdog_locked(sys, NULL);
	select_locked(sys, NULL);
	return 0;
}

int cw_clocksource_register_hz(struct cw_system *sys, struct cw_clocksource *cs, uint64_t hz)
{
	int ret;

	if (!sys || !cs || hz == 0) {
		return CW_EINVAL;
	}
	if (cs->sys) {
		return CW_EBUSY;
	}
	cw_clocksource_calc_mult_shift(&cs->mult, &cs->shift, hz);
	cs->freq_hz = hz;
	cw_spin_lock(&sys->cs_lock);
	ret = register_locked(sys, cs);
	cw_spin_unlock(&sys->cs_lock);
	if (ret == 0) {
		/* A clocksource to verify, or a reference, may give the watchdog work. */
		watchdog_start(sys);
	}
	return ret;
}

int cw_clocksource_register_khz(struct cw_system *sys, struct cw_clocksource *cs, uint32_t khz)
{
	return cw_clocksource_register_hz(sys, cs, (uint64_t)khz * 1000u);
}

int cw_clocksource_register_mult_shift(struct cw_system *sys, struct cw_clocksource *cs,
				       uint32_t mult, uint32_t shift)
{
	int ret;

	if (!sys || !cs || mult == 0 || shift > 63) {
		return CW_EINVAL;
	}
	if (cs->sys) {
		return CW_EBUSY;
	}
	cs->mult = mult;
	cs->shift = shift;
	cs->freq_hz = 0;
	cw_spin_lock(&sys->cs_lock);
	ret = register_locked(sys, cs);
	cw_spin_unlock(&sys->cs_lock);
	if (ret == 0) {
		/* A clocksource to verify, or a reference, may give the watchdog work. */
		watchdog_start(sys);
	}
	return ret;
}

int cw_clocksource_unregister(struct cw_system *sys, struct cw_clocksource *cs)
{
	int ret = 0;

	cw_spin_lock(&sys->cs_lock);
	if (!cs || cs->sys != sys) {
		ret = CW_EINVAL;
		goto out_unlock;
	}
	if (cs == &sys->jiffies_cs) {
		ret = CW_EBUSY;
		goto out_unlock;
	}
	if (cs == sys->watchdog) {
		select_watchdog_locked(sys, cs);
	}
	if (cs == cw__timekeeping_clocksource(sys)) {
		/* Switch away first; jiffies guarantees there is somewhere to go.
		 * (Only a booted system can have selected @cs.) */
		select_locked(sys, cs);
	}
	dequeue_locked(sys, cs);
	cs->sys = NULL;
	cw__log(sys, CW_LOG_INFO, "clocksource: %s unregistered", cs->name);
out_unlock:
	cw_spin_unlock(&sys->cs_lock);
	return ret;
}

void cw_clocksource_mark_unstable(struct cw_clocksource *cs)
{
	struct cw_system *sys = cs->sys;

	if (!sys) {
		return;
	}
	cw_spin_lock(&sys->cs_lock);
	mark_unstable_locked(sys, cs);
	cw_spin_unlock(&sys->cs_lock);
}

/* ------------------------------------------------------------------------
 * User-facing queries and the override
 */

int cw_clocksource_list(struct cw_system *sys, struct cw_clocksource_info *out, size_t max,
			size_t *count)
{
	struct cw_clocksource *cur;
	size_t n = 0;

	cw_spin_lock(&sys->cs_lock);
	cur = cw__timekeeping_clocksource(sys);
	for (struct cw_clocksource *cs = sys->cs_list; cs; cs = cs->next, n++) {
		struct cw_clocksource_info *i = &out[n];

		if (n >= max) {
			continue;
		}
		memset(i, 0, sizeof(*i));
		snprintf(i->name, sizeof(i->name), "%s", cs->name);
		i->rating = cs->rating;
		i->flags = cs->flags;
		i->freq_hz = cs->freq_hz;
		i->mask = cs->mask;
		i->mult = cs->mult;
		i->shift = cs->shift;
		i->max_cycles = cs->max_cycles;
		i->max_idle_ns = cs->max_idle_ns;
		i->uncertainty_margin_ns = cs->uncertainty_margin_ns;
		i->current = cs == cur;
		i->is_watchdog = cs == sys->watchdog;
	}
	cw_spin_unlock(&sys->cs_lock);
	if (count) {
		*count = n;
	}
	return 0;
}

int cw_clocksource_current(struct cw_system *sys, char *buf, size_t len)
{
	int n;

	cw_spin_lock(&sys->cs_lock);
	n = snprintf(buf, len, "%s", cw__timekeeping_clocksource(sys)->name);
	cw_spin_unlock(&sys->cs_lock);
	return n < 0 || (size_t)n >= len ? CW_ERANGE : 0;
}

int cw_clocksource_override(struct cw_system *sys, const char *name)
{
	struct cw_clocksource *cs;
	int ret = 0;

	cw_spin_lock(&sys->cs_lock);
	if (!name || !name[0]) {
		sys->override_name[0] = '\0';
		goto out_select;
	}
	cs = find_locked(sys, name);
	if (!cs) {
		ret = CW_ENOENT;
		goto out_unlock;
	}
	if ((cs->flags & CW_CLOCKSOURCE_UNSTABLE) || !usable_locked(sys, cs)) {
		ret = CW_EINVAL;
		goto out_unlock;
	}
	snprintf(sys->override_name, sizeof(sys->override_name), "%s", name);
	cw__log(sys, CW_LOG_INFO, "clocksource: override: %s", name);
out_select:
	select_locked(sys, NULL);
out_unlock:
	cw_spin_unlock(&sys->cs_lock);
	return ret;
}

/* ------------------------------------------------------------------------
 * Watchdog
 */

static unsigned ilog2_u32(unsigned v)
{
	return v ? 31u - (unsigned)__builtin_clz(v) : 0;
}

static void resolve_params(struct cw_system *sys, struct cw_clocksource_watchdog_params *p)
{
	if (!p->interval_ns) {
		p->interval_ns = CW_WD_INTERVAL_NS;
	}
	if (!p->interval_max_ns) {
		p->interval_max_ns = CW_WD_INTERVAL_MAX_NS > p->interval_ns ? CW_WD_INTERVAL_MAX_NS
									     : 2 * p->interval_ns;
	}
	if (!p->max_skew_ns) {
		p->max_skew_ns = CW_WD_MAX_SKEW_NS;
	}
	if (!p->busy_pause_ns) {
		p->busy_pause_ns = CW_WD_BUSY_PAUSE_NS;
	}
	if (!p->max_retries) {
		p->max_retries = ilog2_u32(sys->nr_cpus) / 2 + 1;
	}
}

void cw__clocksource_init(struct cw_system *sys)
{
	memset(&sys->wd_params, 0, sizeof(sys->wd_params));
	resolve_params(sys, &sys->wd_params);
}

void cw_clocksource_watchdog_get_params(struct cw_system *sys,
					struct cw_clocksource_watchdog_params *out)
{
	cw_spin_lock(&sys->cs_lock);
	*out = sys->wd_params;
	cw_spin_unlock(&sys->cs_lock);
}

int cw_clocksource_watchdog_set_params(struct cw_system *sys,
				       const struct cw_clocksource_watchdog_params *p)
{
	struct cw_clocksource_watchdog_params r = *p;

	resolve_params(sys, &r);
	if (r.interval_max_ns < r.interval_ns) {
		return CW_EINVAL;
	}
	cw_spin_lock(&sys->cs_lock);
	sys->wd_params = r;
	for (struct cw_clocksource *cs = sys->cs_list; cs; cs = cs->next) {
		if (cs->margin_auto) {
			cs->uncertainty_margin_ns = default_margin_ns(sys, cs);
		}
	}
	sys->wd_reset_pending = true;
	cw_spin_unlock(&sys->cs_lock);
	return 0;
}

static uint64_t wd_delta_ns(const struct cw_clocksource *cs, uint64_t from, uint64_t to)
{
	return cw_cycles_to_ns((to - from) & cs->mask, cs->mult, cs->shift);
}

/* Read watchdog, clocksource, watchdog, watchdog; retry a slow sandwich. */
static enum wd_read_result wd_read(struct cw_system *sys, struct cw_clocksource *wd,
				   struct cw_clocksource *cs, uint64_t *csnow, uint64_t *wdnow)
{
	const struct cw_clocksource_watchdog_params *p = &sys->wd_params;
	uint64_t limit = p->read_delay_max_ns ? p->read_delay_max_ns
					      : (uint64_t)wd->uncertainty_margin_ns +
							cs->uncertainty_margin_ns;
	uint64_t busy = p->busy_delay_max_ns ? p->busy_delay_max_ns : wd->uncertainty_margin_ns;
	uint64_t wd_delay = 0, wd_seq_delay = 0;
	unsigned attempt;

	for (attempt = 0; attempt <= p->max_retries; attempt++) {
		uint64_t wd_end, wd_end2;

		*wdnow = wd->read(wd);
		*csnow = cs->read(cs);
		wd_end = wd->read(wd);
		wd_end2 = wd->read(wd);
		wd_delay = wd_delta_ns(wd, *wdnow, wd_end);
		if (wd_delay <= limit) {
			if (attempt > 0) {
				cw__log(sys, CW_LOG_INFO,
					"clocksource: timekeeping watchdog on CPU%u: %s retried %u times before success",
					cw__this_cpu(sys), cs->name, attempt);
			}
			return WD_READ_SUCCESS;
		}
		wd_seq_delay = wd_delta_ns(wd, wd_end, wd_end2);
		if (wd_seq_delay > busy) {
			cw__log(sys, CW_LOG_INFO,
				"clocksource: timekeeping watchdog on CPU%u: %s wd-wd read-back delay of %lluns",
				cw__this_cpu(sys), wd->name, (unsigned long long)wd_seq_delay);
			return WD_READ_SKIP;
		}
	}
	cw__log(sys, CW_LOG_WARNING,
		"clocksource: timekeeping watchdog on CPU%u: wd-%s-wd excessive read-back delay of %lluns vs. limit of %lluns, wd-wd read-back delay only %lluns, attempt %u, marking %s unstable",
		cw__this_cpu(sys), cs->name, (unsigned long long)wd_delay,
		(unsigned long long)limit, (unsigned long long)wd_seq_delay, attempt, cs->name);
	return WD_READ_UNSTABLE;
}

static void report_skew(struct cw_system *sys, const struct cw_clocksource *wd,
			const struct cw_clocksource *cs, uint64_t wd_ns, uint64_t cs_ns,
			uint64_t wdnow, uint64_t csnow)
{
	int64_t skew = (int64_t)(cs_ns - wd_ns);

	cw__log(sys, CW_LOG_WARNING,
		"clocksource: timekeeping watchdog on CPU%u: Marking clocksource '%s' as unstable because the skew is too large:",
		cw__this_cpu(sys), cs->name);
	cw__log(sys, CW_LOG_WARNING,
		"clocksource:                       '%s' wd_nsec: %llu wd_now: %llx wd_last: %llx mask: %llx",
		wd->name, (unsigned long long)wd_ns, (unsigned long long)wdnow,
		(unsigned long long)cs->wd_last, (unsigned long long)wd->mask);
	cw__log(sys, CW_LOG_WARNING,
		"clocksource:                       '%s' cs_nsec: %llu cs_now: %llx cs_last: %llx mask: %llx",
		cs->name, (unsigned long long)cs_ns, (unsigned long long)csnow,
		(unsigned long long)cs->cs_last, (unsigned long long)cs->mask);
	cw__log(sys, CW_LOG_WARNING,
		"clocksource:                       Clocksource '%s' skewed %lld ns (%lld ms) over watchdog '%s' interval of %llu ns (%llu ms)",
		cs->name, (long long)skew, (long long)(skew / CW_NSEC_PER_MSEC), wd->name,
		(unsigned long long)wd_ns, (unsigned long long)(wd_ns / CW_NSEC_PER_MSEC));
}

/* One clocksource's check. @return true when a reselect is needed. */
static bool wd_check_one(struct cw_system *sys, struct cw_clocksource *wd,
			 struct cw_clocksource *cs, bool *skip)
{
	uint64_t csnow, wdnow, wd_ns, cs_ns, margin;

	switch (wd_read(sys, wd, cs, &csnow, &wdnow)) {
	case WD_READ_UNSTABLE:
		mark_unstable_locked(sys, cs);
		return false;
	case WD_READ_SKIP:
		*skip = true;
		return false;
	case WD_READ_SUCCESS:
		break;
	}
	if (!(cs->flags & CW_CLOCKSOURCE_WATCHDOG) || sys->wd_reset_pending) {
		cs->flags |= CW_CLOCKSOURCE_WATCHDOG;
		cs->cs_last = csnow;
		cs->wd_last = wdnow;
		return false;
	}
	wd_ns = wd_delta_ns(wd, cs->wd_last, wdnow);
	cs_ns = wd_delta_ns(cs, cs->cs_last, csnow);
	if (wd_ns > sys->wd_params.interval_max_ns) {
		/* The check ran late; the interval is too long to judge. Rebase. */
		cs->cs_last = csnow;
		cs->wd_last = wdnow;
		return false;
	}
	margin = (uint64_t)cs->uncertainty_margin_ns + wd->uncertainty_margin_ns;
	if (cw_abs_diff_u64(cs_ns, wd_ns) > margin) {
		report_skew(sys, wd, cs, wd_ns, cs_ns, wdnow, csnow);
		mark_unstable_locked(sys, cs);
		return false;
	}
	cs->cs_last = csnow;
	cs->wd_last = wdnow;
	cs->wd_passes++;
	if (!(cs->flags & CW_CLOCKSOURCE_VALID_FOR_HRES) &&
	    (cs->flags & CW_CLOCKSOURCE_IS_CONTINUOUS) && (wd->flags & CW_CLOCKSOURCE_IS_CONTINUOUS)) {
		cs->flags |= CW_CLOCKSOURCE_VALID_FOR_HRES;
		cw__log(sys, CW_LOG_INFO, "clocksource: %s: verified against %s, valid for high resolution",
			cs->name, wd->name);
		cw__tick_clock_notify(sys);
		if (cs != cw__timekeeping_clocksource(sys)) {
			cs->flags |= CW_CLOCKSOURCE_RESELECT;
			return true;
		}
	}
	return false;
}

static uint64_t watchdog_pass_locked(struct cw_system *sys)
{
	struct cw_clocksource *wd = sys->watchdog, *cs, *next;
	bool reselect = false, skip = false;

	cw_lockdep_assert_held(&sys->cs_lock);

	if (!wd) {
		return sys->wd_params.interval_ns;
	}
	for (cs = sys->cs_list; cs && !skip; cs = next) {
		/* A mark_unstable re-sorts the list: remember the successor first. */
		next = cs->next;
		if (cs == wd || !(cs->flags & CW_CLOCKSOURCE_MUST_VERIFY) ||
		    (cs->flags & CW_CLOCKSOURCE_UNSTABLE)) {
			continue;
		}
		reselect |= wd_check_one(sys, wd, cs, &skip);
	}
	if (skip) {
		reset_watchdog_baselines_locked(sys);
		return sys->wd_params.busy_pause_ns;
	}
	sys->wd_reset_pending = false;
	if (reselect) {
		select_locked(sys, NULL);
	}
	return sys->wd_params.interval_ns;
}

uint64_t cw_clocksource_watchdog_run(struct cw_system *sys)
{
	uint64_t next;

	cw_spin_lock(&sys->cs_lock);
	next = watchdog_pass_locked(sys);
	cw_spin_unlock(&sys->cs_lock);
	cw__timekeeping_run_notifiers(sys);
	return next;
}

/* ------------------------------------------------------------------------
 * The watchdog timer
 */

/* Whether the watchdog has work: a reference and a clocksource to verify. */
static bool watchdog_needed_locked(struct cw_system *sys)
{
	cw_lockdep_assert_held(&sys->cs_lock);
	if (!sys->booted || !sys->watchdog) {
		return false;
	}
	for (struct cw_clocksource *cs = sys->cs_list; cs; cs = cs->next) {
		if (cs != sys->watchdog && (cs->flags & CW_CLOCKSOURCE_MUST_VERIFY) &&
		    !(cs->flags & CW_CLOCKSOURCE_UNSTABLE)) {
			return true;
		}
	}
	return false;
}

/* An interval in whole jiffies, rounded up (never early), at least one. */
static uint64_t watchdog_interval_jiffies(const struct cw_system *sys, uint64_t ns)
{
	uint64_t j = ns / sys->tick_nsec + (ns % sys->tick_nsec != 0);

	return j ? j : 1;
}

/* The first online CPU after @cpu, wrapping (cpumask_next_wrap); @cpu if it is the only one. */
static unsigned watchdog_next_cpu(struct cw_system *sys, unsigned cpu)
{
	for (unsigned i = 1; i <= sys->nr_cpus; i++) {
		unsigned next = (cpu + i) % sys->nr_cpus;

		if (cw_cpu_online(sys, next)) {
			return next;
		}
	}
	return cpu;
}

/*
 * Queue the timer on @cpu, or on the next online CPU if @cpu just went
 * offline. wd_cpu remembers where: the next run hops on from there even
 * when another CPU expired the timer remotely.
 */
static void watchdog_arm(struct cw_system *sys, uint64_t expires, unsigned cpu)
{
	for (unsigned i = 0; i < sys->nr_cpus; i++) {
		if (cw_timer_add_on(&sys->wd_timer, expires, cpu) == 0) {
			CW_WRITE_ONCE(sys->wd_cpu, cpu);
			return;
		}
		cpu = watchdog_next_cpu(sys, cpu);
	}
}

/*
 * clocksource_start_watchdog: arm the timer on the first online CPU, one
 * interval from now, if there is something to verify and it is not running.
 * The timer is armed after cs_lock is dropped (the wheel's base locks are
 * not nested in cs_lock); wd_running, set under cs_lock, makes the caller
 * that set it the only one to arm.
 */
static void watchdog_start(struct cw_system *sys)
{
	uint64_t expires = 0;
	bool start;

	cw_spin_lock(&sys->cs_lock);
	start = !sys->wd_running && watchdog_needed_locked(sys);
	if (start) {
		sys->wd_running = true;
		sys->wd_expires = cw_jiffies_get(sys) +
				  watchdog_interval_jiffies(sys, sys->wd_params.interval_ns);
		expires = sys->wd_expires;
	}
	cw_spin_unlock(&sys->cs_lock);
	if (start) {
		watchdog_arm(sys, expires, watchdog_next_cpu(sys, sys->nr_cpus - 1));
	}
}

/*
 * The watchdog timer's callback (clocksource_watchdog), in the soft expiry
 * of the CPU it was queued on: one pass, then, while there is still
 * something to verify, re-arm one interval (or the busy pause) after the
 * previous expiry on the next online CPU, so every CPU's reads take their
 * turn as in Linux. With nothing left to verify the timer stops; a later
 * registration starts it again.
 */
static void watchdog_timer_fn(struct cw_timer *timer)
{
	struct cw_system *sys = cw_container_of(timer, struct cw_system, wd_timer);
	uint64_t next_ns, expires = 0;
	bool again;

	cw_spin_lock(&sys->cs_lock);
	next_ns = watchdog_pass_locked(sys);
	sys->wd_runs++;
	again = watchdog_needed_locked(sys);
	sys->wd_running = again;
	if (again) {
		sys->wd_expires += watchdog_interval_jiffies(sys, next_ns);
		expires = sys->wd_expires;
	}
	cw_spin_unlock(&sys->cs_lock);
	cw__timekeeping_run_notifiers(sys);
	if (again) {
		watchdog_arm(sys, expires, watchdog_next_cpu(sys, CW_READ_ONCE(sys->wd_cpu)));
	}
}

uint64_t cw_clocksource_watchdog_runs(struct cw_system *sys)
{
	uint64_t n;

	cw_spin_lock(&sys->cs_lock);
	n = sys->wd_runs;
	cw_spin_unlock(&sys->cs_lock);
	return n;
}

/* ------------------------------------------------------------------------
 * Boot and teardown
 */

void cw__clocksource_done_booting(struct cw_system *sys)
{
	cw_spin_lock(&sys->cs_lock);
	/* Boot (init.c) set sys->booted just before: select_locked() selects from now on. */
	/* Drop what is already known bad before the first selection. */
	(void)watchdog_pass_locked(sys);
	select_locked(sys, NULL);
	cw_spin_unlock(&sys->cs_lock);
	cw__timekeeping_run_notifiers(sys);
	/* The watchdog is a timer of this file, started here on every port. */
	if (cw_timer_setup(&sys->wd_timer, sys, watchdog_timer_fn, 0) == 0) {
		watchdog_start(sys);
	}
}

void cw__clocksource_teardown(struct cw_system *sys)
{
	cw_spin_lock(&sys->cs_lock);
	while (sys->cs_list) {
		struct cw_clocksource *cs = sys->cs_list;

		sys->cs_list = cs->next;
		cs->next = NULL;
		cs->sys = NULL;
	}
	sys->watchdog = NULL;
	cw_spin_unlock(&sys->cs_lock);
}
