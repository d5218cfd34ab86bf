/* SPDX-License-Identifier: MIT */
/*
 * hrtimer tests on the sim engine with fake clock event devices
 * (tests/support/cwt_tick.h): a continuous 1 GHz clocksource and oneshot
 * per-CPU devices, so CPUs switch to high-resolution mode; the same cases
 * with high resolution off run from the low-resolution tick.
 *
 * Covered: expiry order across the 8 bases (4 clocks, hard and soft),
 * never early and within the device's granularity in high resolution,
 * slack windows sharing interrupts, forward's overrun counts, restart from
 * the callback, try_to_cancel's three answers with a callback running on
 * another CPU, the hang detector (a clocksource that advances while a
 * callback "runs"), REALTIME absolute timers across settime and a leap
 * second, and remote starts that reprogram the target CPU by IPI.
 * Issue 9: expiries before MONOTONIC 0 (past absolute REALTIME, negative
 * relative, REALTIME step forward) fire at once and block nothing, in
 * both resolutions, busy and in NO_HZ idle; cw_hrtimer_start_user();
 * re-arming in the past cannot starve the interrupt (the forced-event
 * latch) nor keep a CPU in its expiry loop; the latch is reset on every
 * path (fired, stopped, shutdown, exchange, unbind, re-offer, hotplug,
 * deep idle through broadcast); REALTIME/TAI timers across 2038, 2106 and
 * at KTIME_MAX; timers started for an offline CPU go to a live one.
 *
 * Code that must run "on" a CPU between engine events sets the test port's
 * forced CPU (what cw_cpu_call() does); a forced CPU beyond the last one
 * models a thread that is no CPU.
 */
#include "cwt_tick.h"

#include "core/hrtimer-internal.h"
#include "core/system-internal.h"
#include "core/cpu-internal.h"
#include "core/tick-internal.h"

#include <clockwork/driver/clocksource.h>
#include <clockwork/hrtimer.h>
#include <clockwork/timekeeping.h>

#include <stdlib.h>

#define F_P    CW_CLOCKEVENT_FEAT_PERIODIC
#define F_O    CW_CLOCKEVENT_FEAT_ONESHOT
#define F_PCPU CW_CLOCKEVENT_FEAT_PERCPU

/*
 * Granularity of the fake devices: they count at 1 GHz and the core rounds
 * programming up by a cycle; min_delta is 1 us. A high-resolution timer
 * must run within this of its expiry.
 */
#define GRAN_NS   1000
/* A forced CPU number that is no CPU: a plain thread. */
#define NOT_A_CPU 99

/* 2017-01-01 00:00:00 UTC, the midnight after the last inserted leap second. */
#define MIDNIGHT_NS (1483228800LL * 1000000000LL)

static const int hr_clocks[4] = {
	CW_CLOCK_MONOTONIC,
	CW_CLOCK_REALTIME,
	CW_CLOCK_BOOTTIME,
	CW_CLOCK_TAI,
};

/* ---- fixture ------------------------------------------------------------ */

struct hrt;

/** A timer that records its expiries. */
struct hrt_timer {
	struct cw_hrtimer timer;
	struct cwt_tick *t;
	/** Expected MONOTONIC expiry (start of the window). */
	cw_ktime_t target_mono;
	/** End of the slack window, MONOTONIC. */
	cw_ktime_t target_hard_mono;
	uint64_t fires;
	cw_ktime_t first_fire_mono;
	cw_ktime_t last_fire_mono;
	/** The timer's own clock when the callback ran. */
	cw_ktime_t last_fire_clock;
	/** The timer's expiry (its clock) when the callback ran. */
	cw_ktime_t last_fire_expires;
	unsigned fire_cpu;
	/** Global order of the first expiry. */
	int order;
	/** Periodic: forward_now by this and restart while restarts_left. */
	uint64_t period_ns;
	unsigned restarts_left;
	/** Sum of forward_now's answers. */
	uint64_t overruns;
	/** Optional extra work in the callback; its answer replaces the default. */
	enum cw_hrtimer_restart (*hook)(struct hrt_timer *h);
	void *arg;
};

static int fire_seq;

static cw_ktime_t clock_now(struct cwt_tick *t, int id)
{
	cw_ktime_t v = 0;

	assert_int_equal(cw_clock_get_ns(t->sys, id, &v), 0);
	return v;
}

static enum cw_hrtimer_restart hrt_fn(struct cw_hrtimer *timer)
{
	struct hrt_timer *h = (struct hrt_timer *)(void *)timer;
	cw_ktime_t now = cw_ktime_get(h->t->sys);

	if (h->fires++ == 0) {
		h->first_fire_mono = now;
		h->order = fire_seq++;
	}
	h->last_fire_mono = now;
	h->last_fire_clock = cw_hrtimer_cb_get_time(timer);
	h->last_fire_expires = cw_hrtimer_get_softexpires(timer);
	h->fire_cpu = cw_sim_current_cpu(h->t->sim);
	if (h->hook) {
		return h->hook(h);
	}
	if (h->period_ns && h->restarts_left) {
		h->restarts_left--;
		h->overruns += cw_hrtimer_forward_now(timer, h->period_ns);
		return CW_HRTIMER_RESTART;
	}
	return CW_HRTIMER_NORESTART;
}

static void hrt_setup(struct cwt_tick *t, struct hrt_timer *h, int clock_id, unsigned mode)
{
	memset(h, 0, sizeof(*h));
	h->t = t;
	h->order = -1;
	assert_int_equal(cw_hrtimer_setup(t->sys, &h->timer, hrt_fn, clock_id, mode), 0);
}

/* Run what follows as @cpu (cw_cpu_call's effect on the test port); -1 ends it. */
static void as_cpu(struct cwt_tick *t, int cpu)
{
	t->forced_cpu = cpu;
}

static void add_local_devices(struct cwt_tick *t)
{
	cwt_ced_add_locals(t, F_O | F_P | F_PCPU, 300);
}

/* Boot @nr_cpus CPUs at @hz and run until every CPU is in oneshot mode (high resolution or not). */
static void hrt_boot(struct cwt_tick *t, unsigned nr_cpus, unsigned hz, bool highres)
{
	cwt_tick_init(t, nr_cpus, hz, CW_CLOCKSOURCE_IS_CONTINUOUS);
	t->sys->tick.highres_enabled = highres;
	cwt_tick_boot(t);
	add_local_devices(t);
	cw_sim_run_until(t->sim, MS(100));
	for (unsigned cpu = 0; cpu < nr_cpus; cpu++) {
		struct cw_hrtimer_cpu_stats s;

		assert_int_equal(cw_tick_mode(t->sys, cpu), CW_TICK_MODE_ONESHOT);
		assert_int_equal(cw_hrtimer_get_cpu_stats(t->sys, cpu, &s), 0);
		assert_int_equal(s.hres_active, highres);
	}
}

/* Give the clocks distinct values: REALTIME far from MONOTONIC, TAI 37 s from REALTIME. */
static void distinct_clocks(struct cwt_tick *t)
{
	struct cw_timex tx = { .modes = CW_ADJ_TAI, .tai = 37 };

	assert_int_equal(cw_timekeeping_settime(t->sys, 1700000000LL * 1000000000LL), 0);
	assert_true(cw_adjtimex(t->sys, &tx) >= 0);
	assert_int_equal(clock_now(t, CW_CLOCK_TAI) - clock_now(t, CW_CLOCK_REALTIME),
			 37LL * 1000000000LL);
}

static uint64_t tick_ns(struct cwt_tick *t)
{
	return cw_system_tick_nsec(t->sys);
}

static struct cw_hrtimer_cpu_stats hr_stats(struct cwt_tick *t, unsigned cpu)
{
	struct cw_hrtimer_cpu_stats s;

	assert_int_equal(cw_hrtimer_get_cpu_stats(t->sys, cpu, &s), 0);
	return s;
}

static unsigned log_count(struct cwt_tick *t, const char *needle)
{
	char line[256];
	uint64_t n = cw_log_count(t->sys);
	unsigned hits = 0;

	for (uint64_t i = 0; i < n; i++) {
		if (cw_log_get(t->sys, i, line, sizeof(line)) == 0 && strstr(line, needle)) {
			hits++;
		}
	}
	return hits;
}

/* ---- expiry order and precision ---------------------------------------- */

#define ORDER_N 64

static void order_case(bool highres, unsigned order_n)
{
	struct cwt_tick t;
	struct hrt_timer *h = test_calloc(order_n, sizeof(*h));
	struct hrt_timer **by_order = test_calloc(order_n, sizeof(*by_order));
	cw_ktime_t t0, max_late = 0;

	fire_seq = 0;
	hrt_boot(&t, 2, 1000, highres);
	distinct_clocks(&t);
	/* A third of a tick past a boundary. */
	cw_sim_run_until(t.sim, MS(200) + US(333));
	t0 = cw_ktime_get(t.sys);
	as_cpu(&t, 1);
	for (unsigned i = 0; i < order_n; i++) {
		int clock = hr_clocks[i % 4];
		unsigned soft = (i / 4) % 2 ? CW_HRTIMER_MODE_SOFT : CW_HRTIMER_MODE_HARD;
		/* A permutation of distinct expiries 7 us apart, across all 8 bases. */
		cw_ktime_t delta = (cw_ktime_t)(US(3000) + US(7) * ((i * 37u) % order_n));
		bool rel = (i / 8) % 2;

		hrt_setup(&t, &h[i], clock, soft);
		h[i].target_mono = t0 + delta;
		if (rel) {
			cw_hrtimer_start(&h[i].timer, delta, CW_HRTIMER_MODE_REL);
		} else {
			cw_hrtimer_start(&h[i].timer, clock_now(&t, clock) + delta,
					 CW_HRTIMER_MODE_ABS);
		}
		assert_true(cw_hrtimer_is_queued(&h[i].timer));
		assert_true(cw_hrtimer_active(&h[i].timer));
	}
	if (order_n > 8 * CW_TQ_EARLY_MIN) {
		/* Every base is past the threshold: the CPU's wheels are all lent. */
		assert_null(t.sys->hrtimer_bases[1].wheel_pool.free);
	}
	as_cpu(&t, -1);
	cw_sim_run_until(t.sim, MS(204) + US(7) * order_n);
	for (unsigned i = 0; i < order_n; i++) {
		cw_ktime_t late = h[i].first_fire_mono - h[i].target_mono;

		assert_int_equal(h[i].fires, 1);
		assert_int_equal(h[i].fire_cpu, 1);
		assert_false(cw_hrtimer_active(&h[i].timer));
		/* Never early, in its own clock and in MONOTONIC. */
		assert_true(h[i].last_fire_clock >= h[i].last_fire_expires);
		assert_true(late >= 0);
		if (late > max_late) {
			max_late = late;
		}
		if (highres) {
			assert_true(late <= GRAN_NS);
		} else {
			/* Low resolution: the first tick at or after the expiry. */
			assert_true(late < (cw_ktime_t)tick_ns(&t));
		}
		by_order[h[i].order] = &h[i];
	}
	for (unsigned k = 1; k < order_n; k++) {
		if (highres) {
			/* Each expiry has its own interrupt: strict order. */
			assert_true(by_order[k - 1]->target_mono < by_order[k]->target_mono);
		} else {
			/* Timers due at the same tick run base by base; ticks in order. */
			assert_true(by_order[k - 1]->first_fire_mono <=
				    by_order[k]->first_fire_mono);
		}
	}
	print_message("%s: %u timers over 8 bases, max lateness %lld ns\n",
		      highres ? "high resolution" : "low resolution", order_n, (long long)max_late);
	cwt_tick_fini(&t);
	test_free(by_order);
	test_free(h);
}

static void test_expiry_order_across_clocks_and_bases_in_high_resolution(void **state)
{
	(void)state;
	order_case(true, ORDER_N);
}

static void test_low_resolution_timers_run_at_the_first_tick_after_expiry(void **state)
{
	(void)state;
	order_case(false, ORDER_N);
}

/*
 * 1600 timers, 200 on each of the 8 bases of one CPU: every queue grows
 * past the threshold at which it borrows a radix wheel, and the CPU's pool
 * (CW_CONFIG_HRTIMER_QUEUE_WHEELS, default 1) runs dry, so most bases keep
 * their timers in the pairing heap. Order and precision are the same.
 */
static void test_expiry_order_with_every_base_past_the_wheel_threshold(void **state)
{
	(void)state;
	order_case(true, 1600);
	order_case(false, 1600);
}

/*
 * Issue 10: the whole per-CPU core state (CPU and tick state, hrtimer
 * bases, wheel bases, statistics) is at most 32 KiB on 64-bit builds (it
 * was 106,064 bytes, 8 radix wheels of 11 KiB). The figure is what cwsim prints.
 */
static void test_core_state_per_cpu_is_at_most_32_kib(void **state)
{
	struct cwt_tick t;
	size_t bytes;

	(void)state;
	cwt_tick_init(&t, 2, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	bytes = cw_system_cpu_state_bytes(t.sys);
	print_message("core state: %zu bytes per CPU (cw_cpu %zu, hrtimer %zu)\n", bytes,
		      sizeof(struct cw_cpu), sizeof(struct cw_hrtimer_cpu_base));
	assert_true(bytes >= sizeof(struct cw_cpu) + sizeof(struct cw_hrtimer_cpu_base));
	if (sizeof(void *) == 8) {
		assert_true(bytes <= 32 * 1024);
	}
	cwt_tick_fini(&t);
}

/*
 * cw_hrtimer_setup() takes a timer whatever its memory held: the header
 * asks for no zeroing, so a stack timer full of garbage (here every byte
 * 0xa5: is_init an invalid bool, state not INACTIVE) is set up without
 * reading it. Before, a debug assert read is_init and state: UBSan
 * reported the bool, and the assert aborted.
 */
static void test_setup_ignores_the_old_contents_of_the_timer(void **state)
{
	struct cwt_tick t;
	struct cw_hrtimer h;

	(void)state;
	cwt_tick_init(&t, 1, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	memset(&h, 0xa5, sizeof(h));
	assert_int_equal(cw_hrtimer_setup(t.sys, &h, hrt_fn, CW_CLOCK_MONOTONIC, 0), 0);
	assert_false(cw_hrtimer_is_queued(&h));
	assert_int_equal(cw_hrtimer_cancel(&h), 0);
	cwt_tick_fini(&t);
}

#define PRECISION_N 300

static void test_highres_timer_never_early_and_within_device_granularity(void **state)
{
	struct cwt_tick t;
	struct hrt_timer *h = test_calloc(PRECISION_N, sizeof(*h));
	cw_ktime_t max_late = 0, min_late = CW_KTIME_MAX;

	(void)state;
	hrt_boot(&t, 2, 250, true);
	cw_sim_run_until(t.sim, MS(150) + 17);
	for (unsigned i = 0; i < PRECISION_N; i++) {
		unsigned cpu = i % 2;
		/* Any ns offset within 50 ms, from 2 us on. */
		cw_ktime_t delta = (cw_ktime_t)(US(2) + cw_sim_random_below(t.sim, MS(50)));

		as_cpu(&t, (int)cpu);
		hrt_setup(&t, &h[i], CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
		h[i].target_mono = cw_ktime_get(t.sys) + delta;
		cw_hrtimer_start(&h[i].timer, delta, CW_HRTIMER_MODE_REL);
		as_cpu(&t, -1);
		/* Spread the starts over time too. */
		cw_sim_run_for(t.sim, US(97));
	}
	cw_sim_run_for(t.sim, MS(60));
	for (unsigned i = 0; i < PRECISION_N; i++) {
		cw_ktime_t late = h[i].first_fire_mono - h[i].target_mono;

		assert_int_equal(h[i].fires, 1);
		assert_true(late >= 0);
		assert_true(late <= GRAN_NS);
		max_late = late > max_late ? late : max_late;
		min_late = late < min_late ? late : min_late;
	}
	print_message("%u random expiries: lateness %lld..%lld ns (bound %d)\n", PRECISION_N,
		      (long long)min_late, (long long)max_late, GRAN_NS);
	cwt_tick_fini(&t);
	test_free(h);
}

/* ---- slack -------------------------------------------------------------- */

#define SLACK_N 100

/* Interrupts of CPU0's device while SLACK_N timers 10 us apart expire with @slack_ns of slack. */
static uint64_t slack_case(uint64_t slack_ns)
{
	struct cwt_tick t;
	struct hrt_timer *h = test_calloc(SLACK_N, sizeof(*h));
	uint64_t p, start, fires;

	/* HZ=100: a 10 ms tick leaves room for the whole burst between two ticks. */
	hrt_boot(&t, 1, 100, true);
	p = tick_ns(&t);
	start = (MS(300) / p) * p + MS(1);
	cw_sim_run_until(t.sim, start);
	as_cpu(&t, 0);
	for (unsigned i = 0; i < SLACK_N; i++) {
		cw_ktime_t delta = (cw_ktime_t)(MS(1) + US(10) * i);

		hrt_setup(&t, &h[i], CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
		h[i].target_mono = (cw_ktime_t)start + delta;
		h[i].target_hard_mono = h[i].target_mono + (cw_ktime_t)slack_ns;
		cw_hrtimer_start_range_ns(&h[i].timer, delta, slack_ns, CW_HRTIMER_MODE_REL);
		assert_int_equal(cw_hrtimer_get_softexpires(&h[i].timer), h[i].target_mono);
		assert_int_equal(cw_hrtimer_get_expires(&h[i].timer), h[i].target_hard_mono);
	}
	as_cpu(&t, -1);
	fires = t.devs[0]->fires;
	/* Up to 8 ms past the boundary: no tick in between. */
	cw_sim_run_until(t.sim, start + MS(7));
	fires = t.devs[0]->fires - fires;
	for (unsigned i = 0; i < SLACK_N; i++) {
		assert_int_equal(h[i].fires, 1);
		/* Anywhere in [soft, hard], never early, never past the window. */
		assert_true(h[i].first_fire_mono >= h[i].target_mono);
		assert_true(h[i].first_fire_mono <= h[i].target_hard_mono + GRAN_NS);
	}
	cwt_tick_fini(&t);
	test_free(h);
	return fires;
}

static void test_slack_ranges_coalesce_timers_into_fewer_interrupts(void **state)
{
	uint64_t exact, slack;

	(void)state;
	exact = slack_case(0);
	/* Each window ends after the last timer's start: one interrupt serves them all. */
	slack = slack_case(MS(1));
	print_message("%u timers 10 us apart: %llu interrupts without slack, %llu with 1 ms\n",
		      SLACK_N, (unsigned long long)exact, (unsigned long long)slack);
	assert_int_equal(exact, SLACK_N);
	assert_int_equal(slack, 1);
}

/* ---- forward ------------------------------------------------------------ */

struct forward_case {
	const char *what;
	cw_ktime_t expires;
	uint64_t slack;
	cw_ktime_t now;
	uint64_t interval;
	uint64_t orun;
	cw_ktime_t new_expires;
};

static void test_forward_returns_overrun_counts(void **state)
{
	const int64_t I = 1000;
	const struct forward_case cases[] = {
		{ "now before expiry", 5000, 0, 4999, 1000, 0, 5000 },
		{ "now at expiry", 5000, 0, 5000, 1000, 1, 6000 },
		{ "less than a period late", 5000, 0, 5999, 1000, 1, 6000 },
		{ "exactly one period late", 5000, 0, 6000, 1000, 2, 7000 },
		{ "five periods and a bit", 5000, 0, 5000 + 5 * I + 3, 1000, 6, 5000 + 6 * I },
		{ "interval 0 counts as 1 ns", 10, 0, 20, 0, 11, 21 },
		{ "negative expiry", -1000, 0, 1000, 300, 7, 1100 },
		{ "huge gap, 1 ns period", 0, 0, INT64_MAX - 10, 1, (uint64_t)INT64_MAX - 9,
		  INT64_MAX - 9 },
		{ "huge gap, 1 s period", -(int64_t)SEC(1), 0, INT64_MAX / 2, SEC(1),
		  (uint64_t)(INT64_MAX / 2 / SEC(1)) + 2, (INT64_MAX / 2 / SEC(1) + 1) * SEC(1) },
		{ "period beyond INT64_MAX saturates", 100, 0, 200, UINT64_MAX, 1, CW_KTIME_MAX },
		/* The hard expiry (end of the window) decides, both ends move. */
		{ "inside the slack window", 5000, 50, 5040, 1000, 0, 5050 },
		{ "past the slack window", 5000, 50, 5050, 1000, 1, 6050 },
	};
	struct cwt_tick t;
	struct hrt_timer h;

	(void)state;
	hrt_boot(&t, 1, 1000, true);
	hrt_setup(&t, &h, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	for (size_t i = 0; i < CW_ARRAY_SIZE(cases); i++) {
		const struct forward_case *c = &cases[i];
		uint64_t orun;

		cw_hrtimer_set_expires_range_ns(&h.timer, c->expires, c->slack);
		orun = cw_hrtimer_forward(&h.timer, c->now, c->interval);
		if (orun != c->orun || cw_hrtimer_get_expires(&h.timer) != c->new_expires) {
			fail_msg(
				"%s: forward(%lld, now %lld, %llu) = %llu, expires %lld; want %llu, "
				"%lld",
				c->what, (long long)c->expires, (long long)c->now,
				(unsigned long long)c->interval, (unsigned long long)orun,
				(long long)cw_hrtimer_get_expires(&h.timer),
				(unsigned long long)c->orun, (long long)c->new_expires);
		}
		/* The window keeps its width (unless it saturated). */
		if (c->new_expires != CW_KTIME_MAX) {
			assert_int_equal(cw_hrtimer_get_expires(&h.timer) -
						 cw_hrtimer_get_softexpires(&h.timer),
					 (int64_t)c->slack);
		}
	}
	cwt_tick_fini(&t);
}

/* ---- restart from the callback ------------------------------------------ */

static void test_periodic_timer_restarts_from_callback_exactly_in_high_resolution(void **state)
{
	struct cwt_tick t;
	struct hrt_timer h;
	uint64_t start;

	(void)state;
	hrt_boot(&t, 2, 1000, true);
	start = MS(200) + US(123);
	cw_sim_run_until(t.sim, start);
	as_cpu(&t, 1);
	hrt_setup(&t, &h, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	h.period_ns = US(250);
	h.restarts_left = 399;
	cw_hrtimer_start(&h.timer, US(250), CW_HRTIMER_MODE_REL);
	as_cpu(&t, -1);
	cw_sim_run_until(t.sim, start + MS(100) + US(100));
	/* 400 expiries: every 250 us, each within the granularity, never an overrun. */
	assert_int_equal(h.fires, 400);
	assert_int_equal(h.overruns, 399);
	assert_true(h.first_fire_mono - (cw_ktime_t)start >= (cw_ktime_t)US(250));
	assert_true(h.first_fire_mono - (cw_ktime_t)start - (cw_ktime_t)US(250) <= GRAN_NS);
	assert_true(h.last_fire_mono - (cw_ktime_t)(start + MS(100)) <= GRAN_NS);
	assert_true(h.last_fire_mono >= (cw_ktime_t)(start + MS(100)));
	assert_false(cw_hrtimer_active(&h.timer));
	cwt_tick_fini(&t);
}

static void test_periodic_timer_in_low_resolution_counts_overruns_per_tick(void **state)
{
	struct cwt_tick t;
	struct hrt_timer h;
	uint64_t start, p;

	(void)state;
	/* HZ=250: a 4 ms tick serves a 1 ms period, so every expiry reports 4 periods. */
	hrt_boot(&t, 1, 250, false);
	p = tick_ns(&t);
	start = (MS(200) / p) * p + US(100);
	cw_sim_run_until(t.sim, start);
	as_cpu(&t, 0);
	hrt_setup(&t, &h, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	h.period_ns = MS(1);
	h.restarts_left = 1000;
	cw_hrtimer_start(&h.timer, MS(1), CW_HRTIMER_MODE_REL);
	as_cpu(&t, -1);
	cw_sim_run_until(t.sim, start + MS(400) - US(200));
	print_message("1 ms period on a 4 ms tick: %llu expiries, %llu periods forwarded\n",
		      (unsigned long long)h.fires, (unsigned long long)h.overruns);
	/*
	 * The first expiry (1.1 ms past a boundary) runs at the 4 ms tick and
	 * is forwarded to 5.1 ms: 3 periods. Every later tick forwards 4.
	 */
	assert_int_equal(h.fires, 99);
	assert_int_equal(h.overruns, 3 + 4 * 98);
	cw_hrtimer_cancel(&h.timer);
	cwt_tick_fini(&t);
}

/* A callback that restarts its own timer with cw_hrtimer_start() and still answers RESTART. */
static enum cw_hrtimer_restart restart_by_start(struct hrt_timer *h)
{
	if (h->fires < 5) {
		cw_hrtimer_start(&h->timer, US(100), CW_HRTIMER_MODE_REL);
		assert_true(cw_hrtimer_is_queued(&h->timer));
		/* Running and queued at once. */
		assert_true(cw_hrtimer_callback_running(&h->timer));
		return CW_HRTIMER_RESTART;
	}
	return CW_HRTIMER_NORESTART;
}

static void test_callback_restarting_with_start_is_queued_once(void **state)
{
	struct cwt_tick t;
	struct hrt_timer h;

	(void)state;
	hrt_boot(&t, 1, 1000, true);
	cw_sim_run_until(t.sim, MS(200) + US(10));
	as_cpu(&t, 0);
	hrt_setup(&t, &h, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	h.hook = restart_by_start;
	cw_hrtimer_start(&h.timer, US(100), CW_HRTIMER_MODE_REL);
	as_cpu(&t, -1);
	cw_sim_run_for(t.sim, MS(5));
	assert_int_equal(h.fires, 5);
	/* Each restart is relative to a callback up to one granule late. */
	assert_true(h.last_fire_mono - h.first_fire_mono >= (cw_ktime_t)US(400));
	assert_true(h.last_fire_mono - h.first_fire_mono - (cw_ktime_t)US(400) <= 4 * GRAN_NS);
	assert_false(cw_hrtimer_active(&h.timer));
	assert_int_equal(t.sys->hrtimer_bases[0].clock_base[CW_HRTIMER_BASE_MONOTONIC].queue.count,
			 1 /* the sched_timer */);
	cwt_tick_fini(&t);
}

/* ---- try_to_cancel ------------------------------------------------------- */

struct cancel_probe {
	struct cwt_tick *t;
	struct hrt_timer *victim;
	int try_ret;
	int try_ret_after_start;
	bool running_seen;
	bool active_seen;
	struct cw_hrtimer_clock_base *base_after_start;
};

/* Runs as CPU0 (cw_cpu_call) while the victim's callback runs on CPU1. */
static void cancel_from_cpu0(void *arg)
{
	struct cancel_probe *p = arg;
	struct cw_hrtimer *v = &p->victim->timer;

	assert_int_equal(cw__this_cpu(p->t->sys), 0);
	p->running_seen = cw_hrtimer_callback_running(v);
	p->active_seen = cw_hrtimer_active(v);
	p->try_ret = cw_hrtimer_try_to_cancel(v);
	/* A start while the callback runs keeps the timer on the running CPU's base. */
	cw_hrtimer_start(v, US(500), CW_HRTIMER_MODE_REL);
	p->base_after_start = v->base;
	p->try_ret_after_start = cw_hrtimer_try_to_cancel(v);
}

static enum cw_hrtimer_restart victim_hook(struct hrt_timer *h)
{
	struct cancel_probe *p = h->arg;

	if (h->fires == 1) {
		/* Another CPU acts while this callback is still running. */
		assert_int_equal(cw_cpu_call(h->t->sys, 0, cancel_from_cpu0, p), 0);
	}
	return CW_HRTIMER_NORESTART;
}

static void try_cancel_case(bool highres)
{
	struct cwt_tick t;
	struct hrt_timer a, victim;
	struct cancel_probe probe = { 0 };

	hrt_boot(&t, 2, 1000, highres);
	cw_sim_run_until(t.sim, MS(200) + US(50));
	as_cpu(&t, 1);
	hrt_setup(&t, &a, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	/* Not queued: 0. */
	assert_int_equal(cw_hrtimer_try_to_cancel(&a.timer), 0);
	/* Queued: 1, and it never runs. */
	cw_hrtimer_start(&a.timer, MS(2), CW_HRTIMER_MODE_REL);
	assert_int_equal(cw_hrtimer_try_to_cancel(&a.timer), 1);
	assert_false(cw_hrtimer_is_queued(&a.timer));
	assert_int_equal(cw_hrtimer_try_to_cancel(&a.timer), 0);
	assert_int_equal(cw_hrtimer_cancel(&a.timer), 0);
	/* Running on CPU1 while CPU0 tries: -1, and nothing was done. */
	hrt_setup(&t, &victim, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	probe.t = &t;
	probe.victim = &victim;
	victim.hook = victim_hook;
	victim.arg = &probe;
	cw_hrtimer_start(&victim.timer, MS(3), CW_HRTIMER_MODE_REL);
	as_cpu(&t, -1);
	cw_sim_run_for(t.sim, MS(10));
	assert_int_equal(a.fires, 0);
	assert_true(probe.running_seen);
	assert_true(probe.active_seen);
	assert_int_equal(probe.try_ret, -1);
	assert_int_equal(probe.try_ret_after_start, -1);
	assert_ptr_equal(probe.base_after_start,
			 &t.sys->hrtimer_bases[1].clock_base[CW_HRTIMER_BASE_MONOTONIC]);
	/* The start from CPU0 stood (the callback answered NORESTART): a second run, on CPU1. */
	assert_int_equal(victim.fires, 2);
	assert_int_equal(victim.fire_cpu, 1);
	if (highres) {
		assert_true(victim.last_fire_mono - victim.first_fire_mono >= (cw_ktime_t)US(500));
		assert_true(victim.last_fire_mono - victim.first_fire_mono - (cw_ktime_t)US(500) <=
			    GRAN_NS);
	} else {
		assert_int_equal(victim.last_fire_mono - victim.first_fire_mono, MS(1));
	}
	assert_false(cw_hrtimer_active(&victim.timer));
	cwt_tick_fini(&t);
}

static void test_try_to_cancel_answers_0_1_and_minus_1_while_running_elsewhere(void **state)
{
	(void)state;
	try_cancel_case(true);
	try_cancel_case(false);
}

/* ---- hang detection ------------------------------------------------------ */

/*
 * A clocksource that reads virtual time plus the time callbacks "spent":
 * a callback adds to @stolen_ns to model a busy loop, and every later read
 * (timekeeping, the hrtimer interrupt's own now) sees the time it took.
 */
struct busy_cs {
	struct cw_clocksource cs;
	struct cw_sim *sim;
	uint64_t stolen_ns;
};

static uint64_t busy_cs_read(struct cw_clocksource *cs)
{
	struct busy_cs *b = (struct busy_cs *)(void *)cs;

	return cw_sim_now_ns(b->sim) + b->stolen_ns;
}

static struct busy_cs busy;

/* 150 us of work every 100 us period: slower than its period. */
static enum cw_hrtimer_restart slow_periodic(struct hrt_timer *h)
{
	if (h->fires > h->restarts_left) {
		return CW_HRTIMER_NORESTART;
	}
	h->overruns += cw_hrtimer_forward_now(&h->timer, h->period_ns);
	busy.stolen_ns += US(150);
	return CW_HRTIMER_RESTART;
}

static void test_hang_detector_fires_on_slow_callback_and_system_keeps_going(void **state)
{
	struct cwt_tick t;
	struct hrt_timer slow, other, later;
	struct cw_hrtimer_cpu_stats s0, s;
	struct cw_tick_cpu_stats ts0, ts;
	uint64_t j0;

	(void)state;
	cwt_tick_init(&t, 2, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	memset(&busy, 0, sizeof(busy));
	busy.sim = t.sim;
	busy.cs.name = "busy";
	busy.cs.read = busy_cs_read;
	busy.cs.mask = CW_CLOCKSOURCE_MASK(64);
	busy.cs.rating = 400;
	busy.cs.flags = CW_CLOCKSOURCE_IS_CONTINUOUS;
	assert_int_equal(cw_clocksource_register_hz(t.sys, &busy.cs, 1000000000ULL), 0);
	cwt_tick_boot(&t);
	add_local_devices(&t);
	cw_sim_run_until(t.sim, MS(100));
	assert_true(hr_stats(&t, 0).hres_active);
	{
		char cur[CW_CLOCKSOURCE_NAME_MAX];

		assert_int_equal(cw_clocksource_current(t.sys, cur, sizeof(cur)), 0);
		assert_string_equal(cur, "busy");
	}

	cw_sim_run_until(t.sim, MS(200) + US(10));
	s0 = hr_stats(&t, 0);
	ts0 = cwt_stats(&t, 0);
	j0 = cw_jiffies_get(t.sys);
	as_cpu(&t, 0);
	hrt_setup(&t, &slow, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	slow.hook = slow_periodic;
	slow.period_ns = US(100);
	slow.restarts_left = 300;
	cw_hrtimer_start(&slow.timer, US(100), CW_HRTIMER_MODE_REL);
	/* Other timers on the same CPU, during and after the hang. */
	hrt_setup(&t, &other, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	other.target_mono = cw_ktime_get(t.sys) + (cw_ktime_t)MS(5);
	cw_hrtimer_start(&other.timer, MS(5), CW_HRTIMER_MODE_REL);
	hrt_setup(&t, &later, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_SOFT);
	later.target_mono = cw_ktime_get(t.sys) + (cw_ktime_t)MS(300);
	cw_hrtimer_start(&later.timer, MS(300), CW_HRTIMER_MODE_REL);
	as_cpu(&t, -1);
	cw_sim_run_for(t.sim, SEC(1));
	s = hr_stats(&t, 0);
	ts = cwt_stats(&t, 0);
	print_message("slow callback: %llu runs, %llu periods, hangs %llu, retries %llu, max hang "
		      "%llu ns, %llu ns stolen; CPU0 ticks %llu, jiffies +%llu\n",
		      (unsigned long long)slow.fires, (unsigned long long)slow.overruns,
		      (unsigned long long)(s.hangs - s0.hangs),
		      (unsigned long long)(s.retries - s0.retries),
		      (unsigned long long)s.max_hang_ns, (unsigned long long)busy.stolen_ns,
		      (unsigned long long)(ts.ticks - ts0.ticks),
		      (unsigned long long)(cw_jiffies_get(t.sys) - j0));
	assert_int_equal(slow.fires, 301);
	assert_true(s.hangs - s0.hangs >= 1);
	assert_true(s.retries - s0.retries >= CW_HRTIMER_MAX_RETRIES);
	assert_true(s.max_hang_ns >= 3 * US(150));
	assert_true(s.max_hang_ns <= CW_HRTIMER_HANG_MAX_NS);
	/* Logged once, however often it hung. */
	assert_int_equal(log_count(&t, "hrtimer: CPU0: interrupt took"), 1);
	/* The system kept going: other timers ran (never early), the tick and jiffies too. */
	assert_int_equal(other.fires, 1);
	assert_true(other.first_fire_mono >= other.target_mono);
	assert_int_equal(later.fires, 1);
	assert_true(later.first_fire_mono >= later.target_mono);
	assert_true(later.first_fire_mono - later.target_mono <= GRAN_NS);
	assert_true(ts.ticks - ts0.ticks >= 900);
	assert_int_equal(cwt_jiffies_error(&t), 0);
	/* And once the slow callback stopped, the CPU left the hang state. */
	assert_false(t.sys->hrtimer_bases[0].hang_detected);
	cwt_tick_fini(&t);
}

/* ---- clock was set ------------------------------------------------------- */

static void settime_case(bool highres, int64_t step_ns)
{
	struct cwt_tick t;
	struct hrt_timer r, tai, mono;
	cw_ktime_t real0, t0, want_mono;

	hrt_boot(&t, 2, 1000, highres);
	distinct_clocks(&t);
	cw_sim_run_until(t.sim, MS(300) + US(250));
	t0 = cw_ktime_get(t.sys);
	real0 = clock_now(&t, CW_CLOCK_REALTIME);
	as_cpu(&t, 1);
	hrt_setup(&t, &r, CW_CLOCK_REALTIME, CW_HRTIMER_MODE_HARD);
	cw_hrtimer_start(&r.timer, real0 + (cw_ktime_t)SEC(10), CW_HRTIMER_MODE_ABS);
	hrt_setup(&t, &tai, CW_CLOCK_TAI, CW_HRTIMER_MODE_SOFT);
	cw_hrtimer_start(&tai.timer, clock_now(&t, CW_CLOCK_TAI) + (cw_ktime_t)SEC(10),
			 CW_HRTIMER_MODE_ABS);
	hrt_setup(&t, &mono, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	cw_hrtimer_start(&mono.timer, SEC(10), CW_HRTIMER_MODE_REL);
	as_cpu(&t, -1);
	/* One second later the wall clock is stepped (from CPU0, a thread's call). */
	cw_sim_run_until(t.sim, (uint64_t)t0 + SEC(1));
	as_cpu(&t, 0);
	assert_int_equal(cw_timekeeping_settime(t.sys, clock_now(&t, CW_CLOCK_REALTIME) + step_ns),
			 0);
	as_cpu(&t, -1);
	want_mono = t0 + (cw_ktime_t)SEC(10) - step_ns;
	cw_sim_run_until(t.sim, (uint64_t)t0 + SEC(20));
	print_message("%s, settime %+lld s: REALTIME timer at +%lld ns, TAI at +%lld ns, "
		      "MONOTONIC at +%lld ns (MONOTONIC from start)\n",
		      highres ? "high res" : "low res", (long long)(step_ns / (int64_t)SEC(1)),
		      (long long)(r.first_fire_mono - t0), (long long)(tai.first_fire_mono - t0),
		      (long long)(mono.first_fire_mono - t0));
	assert_int_equal(r.fires, 1);
	assert_int_equal(tai.fires, 1);
	assert_int_equal(mono.fires, 1);
	/* REALTIME and TAI follow the step; MONOTONIC does not. */
	assert_true(r.first_fire_mono >= want_mono);
	assert_true(tai.first_fire_mono >= want_mono);
	assert_true(r.last_fire_clock >= real0 + (cw_ktime_t)SEC(10));
	assert_true(mono.first_fire_mono >= t0 + (cw_ktime_t)SEC(10));
	if (highres) {
		assert_true(r.first_fire_mono - want_mono <= GRAN_NS);
		assert_true(tai.first_fire_mono - want_mono <= GRAN_NS);
		assert_true(mono.first_fire_mono - (t0 + (cw_ktime_t)SEC(10)) <= GRAN_NS);
	} else {
		assert_true(r.first_fire_mono - want_mono < (cw_ktime_t)tick_ns(&t));
		assert_true(tai.first_fire_mono - want_mono < (cw_ktime_t)tick_ns(&t));
	}
	cwt_tick_fini(&t);
}

static void test_realtime_absolute_timer_fires_at_new_time_after_settime(void **state)
{
	(void)state;
	settime_case(true, (int64_t)SEC(5));
	settime_case(true, -(int64_t)SEC(5));
	settime_case(false, (int64_t)SEC(5));
	settime_case(false, -(int64_t)SEC(5));
}

static void leap_case(bool highres)
{
	struct cwt_tick t;
	struct cw_timex tx = { .modes = CW_ADJ_STATUS, .status = CW_STA_INS };
	struct hrt_timer before, after, tai;
	const cw_ktime_t M = MIDNIGHT_NS;
	cw_ktime_t t0, tai0;
	cw_ktime_t bound;

	hrt_boot(&t, 2, 1000, highres);
	bound = highres ? GRAN_NS : (cw_ktime_t)tick_ns(&t);
	cw_sim_run_until(t.sim, MS(300) + US(500));
	/* 23:59:58 at t0, a leap second inserted tonight. */
	as_cpu(&t, 0);
	assert_int_equal(cw_timekeeping_settime(t.sys, M - (cw_ktime_t)SEC(2)), 0);
	assert_int_equal(cw_adjtimex(t.sys, &tx), CW_TIME_INS);
	t0 = cw_ktime_get(t.sys);
	tai0 = clock_now(&t, CW_CLOCK_TAI);
	as_cpu(&t, 1);
	/* 23:59:59.5 happens before the leap; 00:00:00.5 one second later than without it. */
	hrt_setup(&t, &before, CW_CLOCK_REALTIME, CW_HRTIMER_MODE_HARD);
	cw_hrtimer_start(&before.timer, M - (cw_ktime_t)MS(500), CW_HRTIMER_MODE_ABS);
	hrt_setup(&t, &after, CW_CLOCK_REALTIME, CW_HRTIMER_MODE_SOFT);
	cw_hrtimer_start(&after.timer, M + (cw_ktime_t)MS(500), CW_HRTIMER_MODE_ABS);
	/* TAI does not step: 2.5 s of TAI is 2.5 s of MONOTONIC. */
	hrt_setup(&t, &tai, CW_CLOCK_TAI, CW_HRTIMER_MODE_HARD);
	cw_hrtimer_start(&tai.timer, tai0 + (cw_ktime_t)MS(2500), CW_HRTIMER_MODE_ABS);
	as_cpu(&t, -1);
	cw_sim_run_until(t.sim, (uint64_t)t0 + SEC(6));
	print_message("%s leap insert: 23:59:59.5 at +%lld ns, 00:00:00.5 at +%lld ns, TAI+2.5s at "
		      "+%lld ns\n",
		      highres ? "high res" : "low res", (long long)(before.first_fire_mono - t0),
		      (long long)(after.first_fire_mono - t0),
		      (long long)(tai.first_fire_mono - t0));
	assert_int_equal(before.fires, 1);
	assert_int_equal(after.fires, 1);
	assert_int_equal(tai.fires, 1);
	assert_true(before.first_fire_mono - t0 >= (cw_ktime_t)MS(1500));
	assert_true(before.first_fire_mono - t0 - (cw_ktime_t)MS(1500) <= bound);
	assert_true(after.first_fire_mono - t0 >= (cw_ktime_t)MS(3500));
	assert_true(after.first_fire_mono - t0 - (cw_ktime_t)MS(3500) <= bound);
	assert_true(after.last_fire_clock >= M + (cw_ktime_t)MS(500));
	assert_true(tai.first_fire_mono - t0 >= (cw_ktime_t)MS(2500));
	assert_true(tai.first_fire_mono - t0 - (cw_ktime_t)MS(2500) <= bound);
	cwt_tick_fini(&t);
}

static void test_realtime_absolute_timer_fires_at_new_time_after_leap_second(void **state)
{
	(void)state;
	leap_case(true);
	leap_case(false);
}

/* ---- past expiries --------------------------------------------------------- */

/*
 * Three ways an expiry lies before MONOTONIC 0 (issue 9): an absolute
 * REALTIME time long past (1 ns after the epoch, the timerfd case), a
 * negative relative delta larger than the uptime, and a REALTIME timer
 * whose clock is stepped forward past it by more than the uptime.
 */
enum past_kind {
	PAST_REALTIME_ABS,
	PAST_NEGATIVE_REL,
	PAST_REALTIME_STEP,
};

static const char *const past_kind_name[] = { "REALTIME abs 1 ns", "MONOTONIC rel -10 s",
					      "REALTIME step +1 h" };

/* Arm @h on the calling CPU so that its expiry is (or becomes) negative in MONOTONIC. */
static void arm_past(struct cwt_tick *t, struct hrt_timer *h, enum past_kind kind)
{
	switch (kind) {
	case PAST_REALTIME_ABS:
		hrt_setup(t, h, CW_CLOCK_REALTIME, CW_HRTIMER_MODE_HARD);
		cw_hrtimer_start(&h->timer, 1, CW_HRTIMER_MODE_ABS);
		break;
	case PAST_NEGATIVE_REL:
		hrt_setup(t, h, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
		cw_hrtimer_start(&h->timer, -(cw_ktime_t)SEC(10), CW_HRTIMER_MODE_REL);
		break;
	case PAST_REALTIME_STEP:
		hrt_setup(t, h, CW_CLOCK_REALTIME, CW_HRTIMER_MODE_HARD);
		cw_hrtimer_start(&h->timer, clock_now(t, CW_CLOCK_REALTIME) + (cw_ktime_t)SEC(5),
				 CW_HRTIMER_MODE_ABS);
		break;
	}
}

/* The step that makes a PAST_REALTIME_STEP timer negative; done by another CPU. */
static void step_realtime_forward(struct cwt_tick *t)
{
	int saved = t->forced_cpu;

	as_cpu(t, 0);
	assert_int_equal(cw_timekeeping_settime(t->sys, clock_now(t, CW_CLOCK_REALTIME) +
								(cw_ktime_t)SEC(3600)),
			 0);
	as_cpu(t, saved);
}

/*
 * CPU1 runs (busy, or NO_HZ idle with its tick stopped); a timer with a
 * negative MONOTONIC expiry is armed on it, then a later one 3 ms ahead.
 * The first must run at once (high resolution: within a few us; low
 * resolution: at the next tick), the later one on time: a negative expiry
 * refused by the device programming blocked both (they waited for some
 * unrelated interrupt, or for ever).
 */
static void past_case(bool highres, bool idle, enum past_kind kind)
{
	struct cwt_tick t;
	struct hrt_timer past, later;
	cw_ktime_t armed, later_target, bound;

	hrt_boot(&t, 2, 100, highres);
	distinct_clocks(&t);
	if (idle) {
		/* A long NO_HZ sleep: nothing but our timers wakes CPU1. */
		cwt_tick_idle(&t, 1, MS(150), SEC(30), false, false);
	}
	cw_sim_run_until(t.sim, MS(400) + US(3));
	if (idle) {
		assert_true(t.sys->cpus[1].tick_stopped);
	}
	as_cpu(&t, 1);
	arm_past(&t, &past, kind);
	if (kind == PAST_REALTIME_STEP) {
		as_cpu(&t, -1);
		cw_sim_run_for(t.sim, MS(20));
		assert_int_equal(past.fires, 0);
		step_realtime_forward(&t);
		as_cpu(&t, 1);
	}
	armed = cw_ktime_get(t.sys);
	hrt_setup(&t, &later, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	later_target = armed + (cw_ktime_t)MS(3);
	cw_hrtimer_start(&later.timer, MS(3), CW_HRTIMER_MODE_REL);
	as_cpu(&t, -1);
	cw_sim_run_for(t.sim, SEC(2));
	/* High resolution: IPI latency (1 us) + min_delta (1 us) + a cycle; low: one tick. */
	bound = highres ? (cw_ktime_t)US(5) : (cw_ktime_t)tick_ns(&t);
	print_message("%s, %s, %s: past timer ran %lld ns after arming (%llu runs), later timer "
		      "%lld ns late\n",
		      past_kind_name[kind], highres ? "high res" : "low res",
		      idle ? "NO_HZ idle" : "busy", (long long)(past.first_fire_mono - armed),
		      (unsigned long long)past.fires,
		      (long long)(later.first_fire_mono - later_target));
	assert_int_equal(past.fires, 1);
	assert_int_equal(past.fire_cpu, 1);
	assert_true(past.first_fire_mono - armed <= bound);
	assert_int_equal(later.fires, 1);
	assert_true(later.first_fire_mono >= later_target);
	assert_true(later.first_fire_mono - later_target <= (highres ? GRAN_NS : bound));
	cwt_tick_fini(&t);
}

static void test_negative_monotonic_expiries_fire_at_once_and_block_nothing(void **state)
{
	(void)state;
	for (int kind = PAST_REALTIME_ABS; kind <= PAST_REALTIME_STEP; kind++) {
		past_case(true, false, (enum past_kind)kind);
		past_case(true, true, (enum past_kind)kind);
		past_case(false, false, (enum past_kind)kind);
		past_case(false, true, (enum past_kind)kind);
	}
}

/* ---- start_user ----------------------------------------------------------- */

static void
test_start_user_reports_passed_expiry_that_would_be_first_and_programs_no_past(void **state)
{
	struct cwt_tick t;
	struct hrt_timer a, b, c, d, e;
	struct cw_clock_event_device *dev;
	cw_ktime_t now, next_before;
	uint64_t retries_before;

	(void)state;
	hrt_boot(&t, 2, 100, true);
	distinct_clocks(&t);
	cw_sim_run_until(t.sim, MS(400) + US(3));
	dev = cw_tick_device(t.sys, 1);
	as_cpu(&t, 1);
	now = cw_ktime_get(t.sys);
	/* A future expiry: queued, as cw_hrtimer_start_range_ns(). */
	hrt_setup(&t, &a, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	assert_int_equal(cw_hrtimer_start_user(&a.timer, MS(2), 0, CW_HRTIMER_MODE_REL), 0);
	assert_true(cw_hrtimer_is_queued(&a.timer));
	retries_before = dev->retries;
	next_before = dev->next_event_ns;
	/* Passed and earlier than everything queued on CPU1: CW_ETIME, nothing queued or
	 * programmed. */
	hrt_setup(&t, &b, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	assert_int_equal(
		cw_hrtimer_start_user(&b.timer, now - (cw_ktime_t)MS(1), 0, CW_HRTIMER_MODE_ABS),
		CW_ETIME);
	assert_int_equal(cw_hrtimer_start_user(&b.timer, 0, 0, CW_HRTIMER_MODE_REL), CW_ETIME);
	assert_int_equal(
		cw_hrtimer_start_user(&b.timer, -(cw_ktime_t)SEC(10), 0, CW_HRTIMER_MODE_REL),
		CW_ETIME);
	hrt_setup(&t, &e, CW_CLOCK_REALTIME, CW_HRTIMER_MODE_HARD);
	assert_int_equal(cw_hrtimer_start_user(&e.timer, 1, 0, CW_HRTIMER_MODE_ABS), CW_ETIME);
	assert_false(cw_hrtimer_is_queued(&b.timer));
	assert_false(cw_hrtimer_is_queued(&e.timer));
	assert_int_equal(dev->retries, retries_before);
	assert_int_equal(dev->next_event_ns, next_before);
	/* Re-arming a queued timer into the past cancels the old arming. */
	assert_int_equal(cw_hrtimer_start_user(&a.timer, 0, 0, CW_HRTIMER_MODE_REL), CW_ETIME);
	assert_false(cw_hrtimer_is_queued(&a.timer));
	/*
	 * Passed, but behind an earlier queued (and due) timer: queued, and
	 * both run at once in the interrupt that runs the earlier one.
	 */
	hrt_setup(&t, &c, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	cw_hrtimer_start(&c.timer, now - (cw_ktime_t)MS(2), CW_HRTIMER_MODE_ABS);
	hrt_setup(&t, &d, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	assert_int_equal(
		cw_hrtimer_start_user(&d.timer, now - (cw_ktime_t)MS(1), 0, CW_HRTIMER_MODE_ABS),
		0);
	assert_true(cw_hrtimer_is_queued(&d.timer));
	as_cpu(&t, -1);
	cw_sim_run_for(t.sim, MS(50));
	print_message("past first: not queued; past behind a due timer: ran %lld ns after arming\n",
		      (long long)(d.first_fire_mono - now));
	assert_int_equal(a.fires, 0);
	assert_int_equal(b.fires, 0);
	assert_int_equal(e.fires, 0);
	assert_int_equal(c.fires, 1);
	assert_int_equal(d.fires, 1);
	assert_true(d.first_fire_mono - now <= (cw_ktime_t)US(5));
	assert_true(c.order < d.order);
	cwt_tick_fini(&t);
}

/* ---- forced-event latch: starvation and every path that must reset it ---- */

/*
 * Every clock event device the core considers armed (ONESHOT with an
 * event) has its interrupt pending in the (fake) hardware: it will fire.
 */
static void assert_armed_devices_will_fire(struct cwt_tick *t)
{
	for (unsigned i = 0; i < t->nr_devs; i++) {
		struct cwt_ced *d = t->devs[i];

		if (cw_clockevent_get_state(&d->dev) == CW_CLOCKEVENT_STATE_ONESHOT &&
		    d->dev.next_event_ns != CW_KTIME_MAX && !d->frozen) {
			if (!cw_sim_event_pending(&d->ev)) {
				print_message(
					"%s: armed for %lld, nothing pending (forced latch %d)\n",
					d->name, (long long)d->dev.next_event_ns,
					d->dev.next_event_forced);
			}
			assert_true(cw_sim_event_pending(&d->ev));
		}
	}
}

struct rearm_loop {
	struct cwt_tick *t;
	struct cw_sim_event ev;
	struct hrt_timer *x;
	/** Run the re-arm as this CPU (NOT_A_CPU: a thread that is no CPU). */
	int as;
	/** Also step REALTIME to itself (clock-was-set IPIs to every high-res CPU). */
	bool settime;
	/** Re-arm from the callbacks of a periodic timer on CPU0 (through cw_cpu_call). */
	bool from_callbacks;
	uint64_t period_ns;
	uint64_t until_ns;
	uint64_t rearms;
};

static struct rearm_loop *rearm_current;

/* The abuse: cancel and re-arm x at 1 ns absolute. */
static void rearm_x(void *arg)
{
	struct rearm_loop *l = arg;

	if (l->settime) {
		assert_int_equal(
			cw_timekeeping_settime(l->t->sys, clock_now(l->t, CW_CLOCK_REALTIME)), 0);
	}
	cw_hrtimer_cancel(&l->x->timer);
	cw_hrtimer_start(&l->x->timer, 1, CW_HRTIMER_MODE_ABS);
	l->rearms++;
}

/* From "thread context": an engine event every period_ns. */
static void rearm_loop_fn(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct rearm_loop *l = ev->data;
	int saved = l->t->forced_cpu;

	l->t->forced_cpu = l->as;
	rearm_x(l);
	l->t->forced_cpu = saved;
	if (cw_sim_now_ns(sim) + l->period_ns < l->until_ns) {
		cw_sim_event_schedule(sim, ev, cw_sim_now_ns(sim) + l->period_ns);
	}
}

/* From callbacks: CPU0's periodic timer runs the re-arm on CPU1 (an SMP function call). */
static enum cw_hrtimer_restart rearm_from_callback(struct hrt_timer *h)
{
	struct rearm_loop *l = rearm_current;

	if (cw_ktime_get(h->t->sys) >= (cw_ktime_t)l->until_ns) {
		return CW_HRTIMER_NORESTART;
	}
	assert_int_equal(cw_cpu_call(h->t->sys, 1, rearm_x, l), 0);
	cw_hrtimer_forward_now(&h->timer, l->period_ns);
	return CW_HRTIMER_RESTART;
}

enum starve_mode {
	STARVE_LOCAL,
	STARVE_THREAD_SETTIME,
	STARVE_CALLBACKS,
};

static const char *const starve_name[] = {
	"CPU1 itself",
	"a thread that is no CPU, + settime (clock-was-set IPIs)",
	"callbacks of a periodic timer on CPU0",
};

/*
 * A timer re-armed at 1 ns absolute more often than the device's minimum
 * delta (raised to 5 us here): without the latch each re-arm programs now
 * + min_delta again and the interrupt never comes (Linux 7.0's timerfd
 * starvation). With it the forced event fires, the victim timer of the
 * same CPU runs on time and the abused timer runs once per interrupt.
 */
static void starvation_case(enum starve_mode mode)
{
	struct cwt_tick t;
	struct hrt_timer x, victim, p;
	struct rearm_loop l = { 0 };
	uint64_t irq0, start, target;
	struct cw_hrtimer_cpu_stats s0, s1;

	hrt_boot(&t, 2, 100, true);
	/* IPIs faster than the minimum delta, so remote retriggers could push it out too. */
	t.ipi_latency_ns = 100;
	t.devs[1]->dev.min_delta_ns = US(5);
	cw_sim_run_until(t.sim, MS(400) + US(3));
	as_cpu(&t, 1);
	hrt_setup(&t, &x, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	cw_hrtimer_start(&x.timer, SEC(100), CW_HRTIMER_MODE_REL);
	hrt_setup(&t, &victim, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	start = (uint64_t)cw_ktime_get(t.sys);
	target = start + US(50);
	cw_hrtimer_start(&victim.timer, (cw_ktime_t)target, CW_HRTIMER_MODE_ABS);
	as_cpu(&t, -1);
	irq0 = t.devs[1]->fires;
	s0 = hr_stats(&t, 1);
	l.t = &t;
	l.x = &x;
	l.as = mode == STARVE_LOCAL ? 1 : NOT_A_CPU;
	l.settime = mode == STARVE_THREAD_SETTIME;
	l.period_ns = mode == STARVE_CALLBACKS ? US(1) : 300;
	l.until_ns = start + MS(2);
	rearm_current = &l;
	if (mode == STARVE_CALLBACKS) {
		as_cpu(&t, 0);
		hrt_setup(&t, &p, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
		p.hook = rearm_from_callback;
		cw_hrtimer_start(&p.timer, 100, CW_HRTIMER_MODE_REL);
		as_cpu(&t, -1);
	} else {
		cw_sim_event_init(&l.ev, rearm_loop_fn, &l);
		cw_sim_event_schedule(t.sim, &l.ev, start + 100);
	}
	while (cw_sim_now_ns(t.sim) < l.until_ns) {
		cw_sim_run_for(t.sim, US(7));
		assert_armed_devices_will_fire(&t);
	}
	cw_sim_run_for(t.sim, MS(30));
	s1 = hr_stats(&t, 1);
	print_message("re-arm at 1 ns from %s for 2 ms: %llu re-arms, CPU1 device %llu interrupts, "
		      "x ran %llu times, victim %lld ns late, %llu skipped programmings, %llu "
		      "hangs\n",
		      starve_name[mode], (unsigned long long)l.rearms,
		      (unsigned long long)(t.devs[1]->fires - irq0), (unsigned long long)x.fires,
		      (long long)(victim.first_fire_mono - (cw_ktime_t)target),
		      (unsigned long long)t.devs[1]->dev.forced_skips,
		      (unsigned long long)(s1.hangs - s0.hangs));
	assert_true(l.rearms > 1500);
	assert_int_equal(victim.fires, 1);
	assert_true(victim.first_fire_mono >= (cw_ktime_t)target);
	/* Late by at most a forced event in flight (min_delta + a cycle) and an IPI. */
	assert_true(victim.first_fire_mono - (cw_ktime_t)target <= (cw_ktime_t)US(6));
	/* The interrupt kept coming: about one per forced event (5 us) of abuse. */
	assert_true(t.devs[1]->fires - irq0 > 300);
	assert_true(x.fires > 300);
	cwt_tick_fini(&t);
}

static void test_rearming_past_expiries_in_a_loop_cannot_starve_the_interrupt(void **state)
{
	(void)state;
	starvation_case(STARVE_LOCAL);
	starvation_case(STARVE_THREAD_SETTIME);
	starvation_case(STARVE_CALLBACKS);
}

/*
 * A callback that re-arms its own timer at 1 ns absolute every time it
 * runs, for 30 ms: each interrupt (and its retries) runs it a bounded
 * number of times and returns, so the CPU still takes interrupts and a
 * timer of another base runs on time. Without the bound the expiry loop
 * never returned (virtual time stands still inside it: the test hung).
 */
static cw_ktime_t self_rearm_until;

static enum cw_hrtimer_restart self_rearm_hook(struct hrt_timer *h)
{
	if (cw_ktime_get(h->t->sys) < self_rearm_until) {
		cw_hrtimer_start(&h->timer, 1, CW_HRTIMER_MODE_ABS);
	}
	return CW_HRTIMER_NORESTART;
}

static void self_rearm_case(bool highres)
{
	struct cwt_tick t;
	struct hrt_timer x, victim;
	cw_ktime_t start, target, bound;
	uint64_t irq0;

	hrt_boot(&t, 2, 100, highres);
	distinct_clocks(&t);
	bound = highres ? (cw_ktime_t)US(3) : (cw_ktime_t)tick_ns(&t);
	cw_sim_run_until(t.sim, MS(400) + US(3));
	as_cpu(&t, 1);
	start = cw_ktime_get(t.sys);
	self_rearm_until = start + (cw_ktime_t)MS(30);
	hrt_setup(&t, &x, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	x.hook = self_rearm_hook;
	cw_hrtimer_start(&x.timer, US(10), CW_HRTIMER_MODE_REL);
	hrt_setup(&t, &victim, CW_CLOCK_REALTIME, CW_HRTIMER_MODE_HARD);
	target = start + (cw_ktime_t)US(50);
	cw_hrtimer_start(&victim.timer, clock_now(&t, CW_CLOCK_REALTIME) + (cw_ktime_t)US(50),
			 CW_HRTIMER_MODE_ABS);
	as_cpu(&t, -1);
	irq0 = t.devs[1]->fires;
	cw_sim_run_for(t.sim, MS(60));
	print_message(
		"%s: self re-arm at 1 ns for 30 ms: %llu runs in %llu interrupts, %llu hangs; "
		"victim %lld ns late\n",
		highres ? "high res" : "low res", (unsigned long long)x.fires,
		(unsigned long long)(t.devs[1]->fires - irq0),
		(unsigned long long)hr_stats(&t, 1).hangs,
		(long long)(victim.first_fire_mono - target));
	assert_false(cw_hrtimer_is_queued(&x.timer));
	/* High resolution: about one interrupt per minimum delta; low: one run per tick. */
	assert_true(x.fires > (highres ? 1000u : 2u));
	assert_true(t.devs[1]->fires - irq0 > (highres ? 1000u : 2u));
	/* At most the interrupt and its 3 retries per interrupt. */
	assert_true(x.fires <= 4 * (t.devs[1]->fires - irq0) + 4);
	assert_int_equal(victim.fires, 1);
	assert_true(victim.first_fire_mono >= target);
	assert_true(victim.first_fire_mono - target <= bound);
	cwt_tick_fini(&t);
}

static void
test_callback_rearming_itself_in_the_past_cannot_keep_the_cpu_in_the_interrupt(void **state)
{
	(void)state;
	self_rearm_case(true);
	self_rearm_case(false);
}

/* Arms the timer in @arg at an expiry 20 ms in the past (MONOTONIC, absolute). */
static enum cw_hrtimer_restart arm_past_hook(struct hrt_timer *h)
{
	struct hrt_timer *other = h->arg;

	cw_hrtimer_start(&other->timer, cw_ktime_get(h->t->sys) - (cw_ktime_t)MS(20),
			 CW_HRTIMER_MODE_ABS);
	return CW_HRTIMER_NORESTART;
}

/*
 * Low resolution: a callback that arms a timer of its base in the past
 * does not hold back the other timers due at that tick. The past timer is
 * queued first; a pass never runs a timer queued during it (so a callback
 * re-arming itself in the past cannot keep the CPU in the loop), and the
 * tick ran one pass only, so every timer behind the past one waited a
 * whole tick (x86-tsc-hpet horizon case busy/jiffies32, seed 401: 1.7 ms
 * late at HZ=1000). The tick now makes further passes as the high
 * resolution interrupt does (its retries), and Linux, whose expiry loop
 * runs such a timer in the same pass.
 */
static void test_low_resolution_past_rearm_in_a_callback_holds_back_no_timer(void **state)
{
	struct cwt_tick t;
	struct hrt_timer arming, past, victim;
	cw_ktime_t target;

	(void)state;
	hrt_boot(&t, 2, 1000, false);
	cw_sim_run_until(t.sim, MS(200) + US(100));
	as_cpu(&t, 1);
	target = cw_ktime_get(t.sys) + (cw_ktime_t)US(1300);
	hrt_setup(&t, &victim, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	victim.target_mono = target;
	cw_hrtimer_start(&victim.timer, target, CW_HRTIMER_MODE_ABS);
	hrt_setup(&t, &past, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	hrt_setup(&t, &arming, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	arming.hook = arm_past_hook;
	arming.arg = &past;
	/* Due just before the victim: both run at the same tick. */
	cw_hrtimer_start(&arming.timer, target - (cw_ktime_t)US(100), CW_HRTIMER_MODE_ABS);
	as_cpu(&t, -1);
	cw_sim_run_for(t.sim, MS(5));
	print_message("low res: arming timer ran at %lld, the past timer at %lld, the victim "
		      "(due %lld) at %lld: %lld ns late (tick %llu ns)\n",
		      (long long)arming.first_fire_mono, (long long)past.first_fire_mono,
		      (long long)target, (long long)victim.first_fire_mono,
		      (long long)(victim.first_fire_mono - target),
		      (unsigned long long)tick_ns(&t));
	assert_int_equal(arming.fires, 1);
	assert_int_equal(past.fires, 1);
	assert_int_equal(victim.fires, 1);
	assert_true(victim.first_fire_mono >= target);
	/* The first tick at or after its expiry, the tick that ran the arming timer. */
	assert_true(victim.first_fire_mono - target < (cw_ktime_t)tick_ns(&t));
	assert_int_equal(victim.first_fire_mono, arming.first_fire_mono);
	/* The past timer runs in that tick too (Linux runs it in the same pass). */
	assert_int_equal(past.first_fire_mono, arming.first_fire_mono);
	cwt_tick_fini(&t);
}

/* Latch CPU @cpu's tick device: a forced minimum-delta event, as for a past expiry. */
static struct cw_clock_event_device *latch_tick_device(struct cwt_tick *t, unsigned cpu)
{
	struct cw_clock_event_device *dev = cw_tick_device(t->sys, cpu);
	int saved = t->forced_cpu;

	as_cpu(t, (int)cpu);
	assert_int_equal(cw_clockevents_program_event(dev, 0, true), 0);
	assert_true(dev->next_event_forced);
	/* Latched: a later time is not programmed. */
	assert_int_equal(
		cw_clockevents_program_event(dev, cw_ktime_get(t->sys) + (cw_ktime_t)MS(1), true),
		0);
	assert_true(dev->next_event_ns < cw_ktime_get(t->sys) + (cw_ktime_t)US(2));
	as_cpu(t, saved);
	return dev;
}

/* An hrtimer on @cpu 200 us ahead runs on time: @cpu's device fires when armed. */
static void assert_cpu_timer_fires(struct cwt_tick *t, unsigned cpu, const char *after)
{
	struct hrt_timer h;
	cw_ktime_t target = cw_ktime_get(t->sys) + (cw_ktime_t)US(200);

	as_cpu(t, (int)cpu);
	hrt_setup(t, &h, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	cw_hrtimer_start(&h.timer, target, CW_HRTIMER_MODE_ABS);
	as_cpu(t, -1);
	assert_armed_devices_will_fire(t);
	cw_sim_run_for(t->sim, MS(30));
	print_message("after %s: CPU%u timer %lld ns late (%llu runs)\n", after, cpu,
		      (long long)(h.first_fire_mono - target), (unsigned long long)h.fires);
	assert_int_equal(h.fires, 1);
	assert_true(h.first_fire_mono >= target);
	assert_true(h.first_fire_mono - target <= GRAN_NS);
	assert_armed_devices_will_fire(t);
	cw_hrtimer_cancel(&h.timer);
}

static void test_forced_event_latch_is_reset_on_every_path(void **state)
{
	struct cwt_tick t;
	struct cw_clock_event_device *dev, *old;
	int (*stopped_hook)(struct cw_clock_event_device * dev);
	struct cwt_ced *better;

	(void)state;
	hrt_boot(&t, 2, 100, true);
	cw_sim_run_until(t.sim, MS(400) + US(3));

	/* Fired: the interrupt clears it. */
	latch_tick_device(&t, 1);
	assert_cpu_timer_fires(&t, 1, "the forced event fired");

	/* Stopped (ONESHOT_STOPPED: nothing to wait for), then programmed again. */
	dev = latch_tick_device(&t, 1);
	as_cpu(&t, 1);
	assert_int_equal(cw_clockevents_program_event(dev, CW_KTIME_MAX, false), 0);
	assert_int_equal(cw_clockevent_get_state(dev), CW_CLOCKEVENT_STATE_ONESHOT_STOPPED);
	assert_false(dev->next_event_forced);
	as_cpu(&t, -1);
	assert_cpu_timer_fires(&t, 1, "oneshot-stopped");

	/*
	 * The same on a driver without a oneshot-stopped hook: the device stays
	 * ONESHOT and its forced event still comes, but the latch goes (the
	 * tick layer's own copy of this state handling kept it).
	 */
	dev = latch_tick_device(&t, 1);
	as_cpu(&t, 1);
	stopped_hook = dev->set_state_oneshot_stopped;
	dev->set_state_oneshot_stopped = NULL;
	assert_int_equal(cw_clockevents_program_event(dev, CW_KTIME_MAX, false), 0);
	dev->set_state_oneshot_stopped = stopped_hook;
	assert_int_equal(cw_clockevent_get_state(dev), CW_CLOCKEVENT_STATE_ONESHOT);
	assert_int_equal(dev->next_event_ns, CW_KTIME_MAX);
	assert_false(dev->next_event_forced);
	as_cpu(&t, -1);
	assert_cpu_timer_fires(&t, 1, "stopped without a hook");

	/* Shut down (as for deep idle) and back to oneshot. */
	dev = latch_tick_device(&t, 1);
	as_cpu(&t, 1);
	cw__clockevents_shutdown(dev);
	assert_false(dev->next_event_forced);
	assert_int_equal(cw__clockevents_switch_state(dev, CW_CLOCKEVENT_STATE_ONESHOT), 0);
	cw__hrtimer_retrigger(t.sys, 1);
	as_cpu(&t, -1);
	assert_cpu_timer_fires(&t, 1, "shutdown");

	/* Exchanged: a better device replaces the latched one, which is released. */
	old = latch_tick_device(&t, 1);
	as_cpu(&t, 1);
	better = cwt_ced_add(&t, "better1", 1, F_O | F_PCPU, 400);
	as_cpu(&t, -1);
	assert_ptr_equal(cw_tick_device(t.sys, 1), &better->dev);
	assert_false(old->next_event_forced);
	assert_cpu_timer_fires(&t, 1, "exchange");

	/* Unbound: the latched better device goes, the released one comes back (re-offered). */
	dev = latch_tick_device(&t, 1);
	assert_int_equal(cw_clockevents_unbind(t.sys, dev, 1), 0);
	assert_ptr_equal(cw_tick_device(t.sys, 1), old);
	assert_false(dev->next_event_forced);
	assert_false(old->next_event_forced);
	assert_cpu_timer_fires(&t, 1, "unbind");
	/* And the unbound one, re-offered by a registration, serves again. */
	latch_tick_device(&t, 1);
	assert_int_equal(cw_clockevents_unbind(t.sys, old, 1), 0);
	assert_ptr_equal(cw_tick_device(t.sys, 1), dev);
	assert_cpu_timer_fires(&t, 1, "re-offer");

	/* CPU hotplug: down with a latched device, up again. */
	latch_tick_device(&t, 1);
	assert_int_equal(cw_cpu_down(t.sys, 1), 0);
	assert_int_equal(cw_cpu_up(t.sys, 1), 0);
	cw_sim_run_for(t.sim, MS(100));
	assert_int_equal(cw_tick_mode(t.sys, 1), CW_TICK_MODE_ONESHOT);
	assert_cpu_timer_fires(&t, 1, "hotplug");
	cwt_tick_fini(&t);
}

/*
 * Deep idle through the broadcast device: CPU1's C3STOP device is latched,
 * then shut down when CPU1 sleeps deep (the broadcast device takes its
 * event over); a timer expiring in deep idle is run by the broadcast, and
 * one armed after the CPU woke by its own device again. The latched
 * broadcast device (forced by a past event) is reset by its own interrupt.
 */
static void test_forced_event_latch_is_reset_through_deep_idle_and_broadcast(void **state)
{
	struct cwt_tick t;
	struct hrt_timer deep, after;
	struct cw_clock_event_device *bc;
	cw_ktime_t target, target2;
	uint64_t bc_fires0;

	(void)state;
	cwt_tick_init(&t, 2, 100, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_tick_boot(&t);
	cwt_ced_add(&t, "c3.0", 0, F_O | F_P | F_PCPU | CW_CLOCKEVENT_FEAT_C3STOP, 300);
	cwt_ced_add(&t, "c3.1", 1, F_O | F_P | F_PCPU | CW_CLOCKEVENT_FEAT_C3STOP, 300);
	cwt_ced_add(&t, "hpet", CW_CLOCKEVENT_ANY_CPU, F_O | F_P, 100);
	cw_sim_run_until(t.sim, MS(100));
	bc = cw_tick_broadcast_device(t.sys);
	assert_ptr_equal(bc, &t.devs[2]->dev);
	assert_true(cw__hrtimer_hres_active(t.sys, 1));
	/* CPU1 sleeps deep from 400 ms on. */
	cwt_tick_idle(&t, 1, MS(400) + US(10), SEC(3), true, false);
	cw_sim_run_until(t.sim, MS(400) + US(3));
	latch_tick_device(&t, 1);
	as_cpu(&t, 1);
	hrt_setup(&t, &deep, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	target = cw_ktime_get(t.sys) + (cw_ktime_t)MS(30);
	cw_hrtimer_start(&deep.timer, target, CW_HRTIMER_MODE_ABS);
	as_cpu(&t, -1);
	cw_sim_run_for(t.sim, MS(5));
	assert_true(t.cpu[1].deep);
	assert_false(cw_tick_device(t.sys, 1)->next_event_forced);
	/* Latch the broadcast device too: its forced event fires and clears it. */
	bc_fires0 = t.devs[2]->fires;
	as_cpu(&t, 0);
	assert_int_equal(cw_clockevents_program_event(bc, 0, true), 0);
	assert_true(bc->next_event_forced);
	as_cpu(&t, -1);
	assert_armed_devices_will_fire(&t);
	cw_sim_run_for(t.sim, MS(100));
	assert_true(t.devs[2]->fires > bc_fires0);
	assert_false(bc->next_event_forced);
	print_message("deep idle: timer %lld ns late via broadcast (%llu broadcast interrupts)\n",
		      (long long)(deep.first_fire_mono - target),
		      (unsigned long long)(t.devs[2]->fires - bc_fires0));
	assert_int_equal(deep.fires, 1);
	assert_int_equal(deep.fire_cpu, 1);
	assert_true(deep.first_fire_mono >= target);
	/* The broadcast path adds its IPI (1 us) to the device granularity. */
	assert_true(deep.first_fire_mono - target <= (cw_ktime_t)US(5));
	/* After the idle window: CPU1's own device again. */
	cw_sim_run_until(t.sim, SEC(3) + MS(1));
	as_cpu(&t, 1);
	hrt_setup(&t, &after, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	target2 = cw_ktime_get(t.sys) + (cw_ktime_t)US(300);
	cw_hrtimer_start(&after.timer, target2, CW_HRTIMER_MODE_ABS);
	as_cpu(&t, -1);
	assert_armed_devices_will_fire(&t);
	cw_sim_run_for(t.sim, MS(20));
	assert_int_equal(after.fires, 1);
	assert_true(after.first_fire_mono >= target2);
	assert_true(after.first_fire_mono - target2 <= GRAN_NS);
	cwt_tick_fini(&t);
}

/* ---- REALTIME boundaries ------------------------------------------------- */

/*
 * REALTIME set 5 ms before @boundary_ns: absolute REALTIME and TAI timers
 * just past the boundary fire on time; so does one set across the
 * boundary again by a step back.
 */
static void hr_boundary_case(bool highres, int64_t boundary_ns)
{
	struct cwt_tick t;
	struct hrt_timer r, tai;
	cw_ktime_t t0, bound;
	struct cw_timex tx = { .modes = CW_ADJ_TAI, .tai = 37 };

	hrt_boot(&t, 2, 1000, highres);
	bound = highres ? GRAN_NS : (cw_ktime_t)tick_ns(&t);
	cw_sim_run_until(t.sim, MS(300) + US(3));
	as_cpu(&t, 0);
	assert_true(cw_adjtimex(t.sys, &tx) >= 0);
	assert_int_equal(cw_timekeeping_settime(t.sys, boundary_ns - (cw_ktime_t)MS(5)), 0);
	t0 = cw_ktime_get(t.sys);
	as_cpu(&t, 1);
	hrt_setup(&t, &r, CW_CLOCK_REALTIME, CW_HRTIMER_MODE_HARD);
	cw_hrtimer_start(&r.timer, boundary_ns + (cw_ktime_t)MS(1), CW_HRTIMER_MODE_ABS);
	hrt_setup(&t, &tai, CW_CLOCK_TAI, CW_HRTIMER_MODE_SOFT);
	cw_hrtimer_start(&tai.timer, boundary_ns + (cw_ktime_t)SEC(37) + (cw_ktime_t)MS(2),
			 CW_HRTIMER_MODE_ABS);
	as_cpu(&t, -1);
	cw_sim_run_for(t.sim, MS(20));
	print_message("%s, %lld s: REALTIME timer at +%lld ns, TAI at +%lld ns (want 6 ms, 7 ms)\n",
		      highres ? "high res" : "low res", (long long)(boundary_ns / 1000000000LL),
		      (long long)(r.first_fire_mono - t0), (long long)(tai.first_fire_mono - t0));
	assert_int_equal(r.fires, 1);
	assert_int_equal(tai.fires, 1);
	assert_true(r.last_fire_clock >= boundary_ns + (cw_ktime_t)MS(1));
	assert_true(r.first_fire_mono - t0 >= (cw_ktime_t)MS(6));
	assert_true(r.first_fire_mono - t0 - (cw_ktime_t)MS(6) <= bound);
	assert_true(tai.first_fire_mono - t0 >= (cw_ktime_t)MS(7));
	assert_true(tai.first_fire_mono - t0 - (cw_ktime_t)MS(7) <= bound);
	cwt_tick_fini(&t);
}

/*
 * REALTIME set 20 ms before KTIME_MAX: a REALTIME timer 10 ms ahead fires
 * on time, one at KTIME_MAX (never) does not, and TAI, saturated at
 * KTIME_MAX already, runs its timers at once instead of wrapping.
 */
static void hr_ktime_max_case(bool highres)
{
	struct cwt_tick t;
	struct hrt_timer r, never, tai;
	cw_ktime_t t0, bound;

	hrt_boot(&t, 2, 1000, highres);
	bound = highres ? GRAN_NS : (cw_ktime_t)tick_ns(&t);
	distinct_clocks(&t);
	cw_sim_run_until(t.sim, MS(300) + US(3));
	as_cpu(&t, 0);
	assert_int_equal(cw_timekeeping_settime(t.sys, CW_KTIME_MAX - (cw_ktime_t)MS(20)), 0);
	t0 = cw_ktime_get(t.sys);
	assert_int_equal(clock_now(&t, CW_CLOCK_TAI), CW_KTIME_MAX);
	as_cpu(&t, 1);
	hrt_setup(&t, &r, CW_CLOCK_REALTIME, CW_HRTIMER_MODE_HARD);
	cw_hrtimer_start(&r.timer, CW_KTIME_MAX - (cw_ktime_t)MS(10), CW_HRTIMER_MODE_ABS);
	hrt_setup(&t, &never, CW_CLOCK_REALTIME, CW_HRTIMER_MODE_HARD);
	cw_hrtimer_start(&never.timer, CW_KTIME_MAX, CW_HRTIMER_MODE_ABS);
	hrt_setup(&t, &tai, CW_CLOCK_TAI, CW_HRTIMER_MODE_HARD);
	cw_hrtimer_start(&tai.timer, CW_KTIME_MAX - 1, CW_HRTIMER_MODE_ABS);
	as_cpu(&t, -1);
	cw_sim_run_for(t.sim, MS(50));
	print_message("%s, KTIME_MAX - 20 ms: REALTIME timer at +%lld ns (want 10 ms), TAI at "
		      "+%lld ns, REALTIME now %lld\n",
		      highres ? "high res" : "low res", (long long)(r.first_fire_mono - t0),
		      (long long)(tai.first_fire_mono - t0),
		      (long long)clock_now(&t, CW_CLOCK_REALTIME));
	assert_int_equal(clock_now(&t, CW_CLOCK_REALTIME), CW_KTIME_MAX);
	assert_int_equal(r.fires, 1);
	assert_true(r.first_fire_mono - t0 >= (cw_ktime_t)MS(10));
	assert_true(r.first_fire_mono - t0 - (cw_ktime_t)MS(10) <= bound);
	assert_int_equal(never.fires, 0);
	assert_true(cw_hrtimer_is_queued(&never.timer));
	assert_int_equal(tai.fires, 1);
	assert_true(tai.first_fire_mono - t0 <= bound + (cw_ktime_t)US(5));
	cw_hrtimer_cancel(&never.timer);
	cwt_tick_fini(&t);
}

static void test_realtime_and_tai_timers_across_2038_2106_and_at_ktime_max(void **state)
{
	(void)state;
	for (int hr = 0; hr < 2; hr++) {
		hr_boundary_case(hr, ((int64_t)1 << 31) * 1000000000LL);
		hr_boundary_case(hr, ((int64_t)1 << 32) * 1000000000LL);
		hr_ktime_max_case(hr);
	}
}

/* ---- hotplug ---------------------------------------------------------------- */

/*
 * A timer whose base is an offline CPU's (set up there, or left there by
 * its last run), started by a thread that is no CPU, goes to a live CPU
 * and fires on time; it used to be queued on the dead base and wait for
 * the CPU to come back. Queued timers migrate at CPU down and fire on time
 * too.
 */
static void test_timers_started_for_an_offline_cpu_go_to_a_live_one(void **state)
{
	struct cwt_tick t;
	struct hrt_timer idle_one, queued;
	cw_ktime_t target, qtarget;

	(void)state;
	hrt_boot(&t, 2, 100, true);
	cw_sim_run_until(t.sim, MS(300) + US(3));
	as_cpu(&t, 1);
	hrt_setup(&t, &idle_one, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	hrt_setup(&t, &queued, CW_CLOCK_REALTIME, CW_HRTIMER_MODE_SOFT);
	qtarget = cw_ktime_get(t.sys) + (cw_ktime_t)MS(7);
	cw_hrtimer_start(&queued.timer, clock_now(&t, CW_CLOCK_REALTIME) + (cw_ktime_t)MS(7),
			 CW_HRTIMER_MODE_ABS);
	as_cpu(&t, -1);
	assert_int_equal(cw_cpu_down(t.sys, 1), 0);
	as_cpu(&t, NOT_A_CPU);
	target = cw_ktime_get(t.sys) + (cw_ktime_t)MS(2);
	cw_hrtimer_start(&idle_one.timer, MS(2), CW_HRTIMER_MODE_REL);
	assert_ptr_equal(idle_one.timer.base->cpu_base, &t.sys->hrtimer_bases[0]);
	as_cpu(&t, -1);
	cw_sim_run_for(t.sim, MS(20));
	print_message("CPU1 down: timer started for it ran on CPU%u %lld ns late, migrated one on "
		      "CPU%u %lld ns late\n",
		      idle_one.fire_cpu, (long long)(idle_one.first_fire_mono - target),
		      queued.fire_cpu, (long long)(queued.first_fire_mono - qtarget));
	assert_int_equal(idle_one.fires, 1);
	assert_int_equal(idle_one.fire_cpu, 0);
	assert_true(idle_one.first_fire_mono >= target);
	assert_true(idle_one.first_fire_mono - target <= GRAN_NS);
	assert_int_equal(queued.fires, 1);
	assert_int_equal(queued.fire_cpu, 0);
	assert_true(queued.first_fire_mono >= qtarget);
	assert_true(queued.first_fire_mono - qtarget <= GRAN_NS);
	assert_int_equal(cw_cpu_up(t.sys, 1), 0);
	cwt_tick_fini(&t);
}

/* ---- remote start -------------------------------------------------------- */

static void test_remote_start_reprograms_target_cpu_by_ipi(void **state)
{
	struct cwt_tick t;
	struct hrt_timer h;
	struct cw_tick_cpu_stats s0;
	cw_ktime_t target;

	(void)state;
	/* HZ=100 and an idle CPU1: without the IPI it would not look before its next event. */
	hrt_boot(&t, 2, 100, true);
	cwt_tick_idle(&t, 1, MS(150), SEC(5), false, false);
	cw_sim_run_until(t.sim, MS(200) + US(10));
	as_cpu(&t, 1);
	hrt_setup(&t, &h, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	cw_hrtimer_start(&h.timer, SEC(2), CW_HRTIMER_MODE_REL);
	as_cpu(&t, -1);
	cw_sim_run_until(t.sim, MS(300) + US(3));
	s0 = cwt_stats(&t, 1);
	/* A thread that is no CPU moves the expiry earlier: the timer stays on CPU1's base. */
	as_cpu(&t, NOT_A_CPU);
	target = cw_ktime_get(t.sys) + (cw_ktime_t)MS(3);
	cw_hrtimer_start(&h.timer, target, CW_HRTIMER_MODE_ABS);
	assert_ptr_equal(h.timer.base, &t.sys->hrtimer_bases[1].clock_base[0]);
	as_cpu(&t, -1);
	cw_sim_run_until(t.sim, MS(320));
	assert_int_equal(h.fires, 1);
	assert_int_equal(h.fire_cpu, 1);
	assert_true(cwt_stats(&t, 1).ipis > s0.ipis);
	assert_true(h.first_fire_mono >= target);
	assert_true(h.first_fire_mono - target <= GRAN_NS);
	cwt_tick_fini(&t);
}

/* ---- lazy rearm (issue 15) ---------------------------------------------- */

enum lazy_move {
	LAZY_CANCEL,
	LAZY_REARM_LATER,
	LAZY_REARM_BEHIND
};

/*
 * CPU1 (busy, HZ=100: its tick 10 ms away) has timer a first at +1 ms and
 * b at +3 ms. a is cancelled, re-armed to +2 ms (still first) or re-armed
 * to +5 ms (behind b). Lazy: nothing is programmed then; the interrupt at
 * +1 ms runs nothing and programs the new first expiry; every callback runs
 * within the device's granularity of its expiry, never early. Eager (as
 * Linux before 7.1): the device is reprogrammed at once and no interrupt
 * comes at +1 ms.
 */
static void lazy_case(bool lazy, enum lazy_move move)
{
	struct cwt_tick t;
	struct hrt_timer a, b;
	struct cwt_ced *dev;
	cw_ktime_t now, a_at, b_at, first_after = CW_KTIME_MAX;
	uint64_t programs0, events0;

	hrt_boot(&t, 2, 100, true);
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		t.sys->hrtimer_bases[cpu].lazy_rearm = lazy;
	}
	cw_sim_run_until(t.sim, MS(400) + US(3));
	dev = cwt_ced_of(cw_tick_device(t.sys, 1));
	as_cpu(&t, 1);
	now = cw_ktime_get(t.sys);
	hrt_setup(&t, &a, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	hrt_setup(&t, &b, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
	a_at = now + (cw_ktime_t)MS(1);
	b_at = now + (cw_ktime_t)MS(3);
	programs0 = dev->programs;
	cw_hrtimer_start(&a.timer, a_at, CW_HRTIMER_MODE_ABS);
	/* a became first: programmed at once (an earlier first is never lazy). */
	assert_int_equal(dev->programs, programs0 + 1);
	assert_true(dev->dev.next_event_ns >= a_at && dev->dev.next_event_ns <= a_at + GRAN_NS);
	cw_hrtimer_start(&b.timer, b_at, CW_HRTIMER_MODE_ABS);
	assert_int_equal(dev->programs, programs0 + 1);
	b.target_mono = b_at;
	switch (move) {
	case LAZY_CANCEL:
		assert_int_equal(cw_hrtimer_cancel(&a.timer), 1);
		a_at = CW_KTIME_MAX;
		first_after = b_at;
		break;
	case LAZY_REARM_LATER:
		a_at = now + (cw_ktime_t)MS(2);
		cw_hrtimer_start(&a.timer, a_at, CW_HRTIMER_MODE_ABS);
		first_after = a_at;
		break;
	case LAZY_REARM_BEHIND:
		a_at = now + (cw_ktime_t)MS(5);
		cw_hrtimer_start(&a.timer, a_at, CW_HRTIMER_MODE_ABS);
		first_after = b_at;
		break;
	}
	as_cpu(&t, -1);
	a.target_mono = a_at;
	events0 = hr_stats(&t, 1).events;
	if (lazy) {
		/* Not programmed: the device still fires at the old, earlier time. */
		assert_int_equal(dev->programs, programs0 + 1);
		assert_true(dev->dev.next_event_ns <= now + (cw_ktime_t)MS(1) + GRAN_NS);
	} else {
		/* Eager: programmed for the new first expiry now. */
		assert_int_equal(dev->programs, programs0 + 2);
		assert_true(dev->dev.next_event_ns >= first_after &&
			    dev->dev.next_event_ns <= first_after + GRAN_NS);
	}
	/* Just past the old expiry. */
	cw_sim_run_until(t.sim, (uint64_t)(now + (cw_ktime_t)MS(1) + 2 * GRAN_NS));
	assert_int_equal(a.fires, 0);
	assert_int_equal(b.fires, 0);
	if (lazy) {
		/* The early interrupt found nothing due and programmed the right time. */
		assert_int_equal(hr_stats(&t, 1).events, events0 + 1);
		assert_int_equal(dev->programs, programs0 + 2);
	} else {
		assert_int_equal(hr_stats(&t, 1).events, events0);
		assert_int_equal(dev->programs, programs0 + 2);
	}
	assert_true(dev->dev.next_event_ns >= first_after &&
		    dev->dev.next_event_ns <= first_after + GRAN_NS);
	cw_sim_run_until(t.sim, (uint64_t)(now + (cw_ktime_t)MS(6)));
	assert_int_equal(b.fires, 1);
	assert_true(b.first_fire_mono >= b_at && b.first_fire_mono - b_at <= GRAN_NS);
	if (move == LAZY_CANCEL) {
		assert_int_equal(a.fires, 0);
	} else {
		assert_int_equal(a.fires, 1);
		assert_true(a.first_fire_mono >= a_at && a.first_fire_mono - a_at <= GRAN_NS);
	}
	/* One interrupt per expiry after that, whatever the policy. */
	assert_int_equal(hr_stats(&t, 1).events,
			 events0 + (lazy ? 1u : 0u) + (move == LAZY_CANCEL ? 1u : 2u));
	cwt_tick_fini(&t);
}

static void test_lazy_cancel_of_first_timer_programs_at_the_early_interrupt(void **state)
{
	(void)state;
	lazy_case(true, LAZY_CANCEL);
}

static void test_lazy_rearm_later_programs_at_the_early_interrupt(void **state)
{
	(void)state;
	lazy_case(true, LAZY_REARM_LATER);
	lazy_case(true, LAZY_REARM_BEHIND);
}

static void test_eager_cancel_and_rearm_later_reprogram_at_once(void **state)
{
	(void)state;
	lazy_case(false, LAZY_CANCEL);
	lazy_case(false, LAZY_REARM_LATER);
	lazy_case(false, LAZY_REARM_BEHIND);
}

/*
 * Lazy rearm and NO_HZ idle: CPU1 cancels its first timer (the device stays
 * at +1 ms) and goes idle with nothing else queued. Stopping the tick
 * settles the device, so the sleeping CPU gets no interrupt at +1 ms (nor
 * at its old tick): it sleeps through, in both policies.
 */
static void test_lazy_cancel_then_idle_does_not_wake_the_cpu(void **state)
{
	(void)state;
	for (int lazy = 0; lazy < 2; lazy++) {
		struct cwt_tick t;
		struct hrt_timer a;
		struct cwt_ced *dev;
		uint64_t fires0;
		cw_ktime_t now;

		hrt_boot(&t, 2, 100, true);
		for (unsigned cpu = 0; cpu < 2; cpu++) {
			t.sys->hrtimer_bases[cpu].lazy_rearm = lazy;
		}
		cw_sim_run_until(t.sim, MS(400) + US(3));
		dev = cwt_ced_of(cw_tick_device(t.sys, 1));
		as_cpu(&t, 1);
		now = cw_ktime_get(t.sys);
		hrt_setup(&t, &a, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
		cw_hrtimer_start(&a.timer, now + (cw_ktime_t)MS(1), CW_HRTIMER_MODE_ABS);
		assert_int_equal(cw_hrtimer_cancel(&a.timer), 1);
		as_cpu(&t, -1);
		cwt_tick_idle(&t, 1, (uint64_t)now + US(100), (uint64_t)now + MS(300), false,
			      false);
		fires0 = dev->fires;
		cw_sim_run_until(t.sim, (uint64_t)now + MS(250));
		assert_true(t.sys->cpus[1].tick_stopped);
		assert_int_equal(dev->fires, fires0);
		assert_int_equal(a.fires, 0);
		cwt_tick_fini(&t);
	}
}

/* Lines of @p t's log ring that contain @p needle. */
static unsigned log_lines_with(struct cwt_tick *t, const char *needle)
{
	uint64_t n = cw_log_count(t->sys);
	unsigned hits = 0;
	char line[256];

	for (uint64_t i = 0; i < n; i++) {
		if (cw_log_get(t->sys, i, line, sizeof(line)) == 0 && strstr(line, needle)) {
			hits++;
		}
	}
	return hits;
}

/*
 * CW_WARN_ON_ONCE writes to the system's log ring, once per call site and
 * system: two systems in one process each log the warning of one site
 * once, however often it trips (the process-wide static flag and stderr
 * before: the second system's log never showed it).
 */
static void test_warn_on_once_logs_once_per_system_to_its_ring(void **state)
{
	struct cwt_tick t[2];
	struct hrt_timer h[2];

	(void)state;
	for (int i = 0; i < 2; i++) {
		hrt_boot(&t[i], 2, 100, true);
		as_cpu(&t[i], 1);
		hrt_setup(&t[i], &h[i], CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD);
		cw_hrtimer_start(&h[i].timer, cw_ktime_get(t[i].sys) + (cw_ktime_t)SEC(1),
				 CW_HRTIMER_MODE_ABS);
		as_cpu(&t[i], -1);
		assert_int_equal(log_lines_with(&t[i], "WARNING: "), 0);
	}
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 2; i++) {
			cw_ktime_t exp = cw_hrtimer_get_expires(&h[i].timer);

			/* Forwarding a queued timer is a caller bug: warned, refused. */
			as_cpu(&t[i], 1);
			assert_int_equal(cw_hrtimer_forward(&h[i].timer, exp + 10, 1000), 0);
			as_cpu(&t[i], -1);
			assert_int_equal(cw_hrtimer_get_expires(&h[i].timer), exp);
		}
	}
	for (int i = 0; i < 2; i++) {
		print_message("system %d: %u warning line(s)\n", i,
			      log_lines_with(&t[i], "WARNING: "));
		assert_int_equal(log_lines_with(&t[i], "WARNING: "), 1);
		assert_int_equal(log_lines_with(&t[i], "] WARNING: CPU1 at src/core/hrtimer.c:"),
				 1);
		assert_int_equal(log_lines_with(&t[i], "HRTIMER_STATE_ENQUEUED"), 1);
		cw_hrtimer_cancel(&h[i].timer);
		cwt_tick_fini(&t[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup_ignores_the_old_contents_of_the_timer),
		cmocka_unit_test(test_expiry_order_across_clocks_and_bases_in_high_resolution),
		cmocka_unit_test(test_low_resolution_timers_run_at_the_first_tick_after_expiry),
		cmocka_unit_test(test_expiry_order_with_every_base_past_the_wheel_threshold),
		cmocka_unit_test(test_core_state_per_cpu_is_at_most_32_kib),
		cmocka_unit_test(test_highres_timer_never_early_and_within_device_granularity),
		cmocka_unit_test(test_slack_ranges_coalesce_timers_into_fewer_interrupts),
		cmocka_unit_test(test_forward_returns_overrun_counts),
		cmocka_unit_test(
			test_periodic_timer_restarts_from_callback_exactly_in_high_resolution),
		cmocka_unit_test(test_periodic_timer_in_low_resolution_counts_overruns_per_tick),
		cmocka_unit_test(test_callback_restarting_with_start_is_queued_once),
		cmocka_unit_test(
			test_try_to_cancel_answers_0_1_and_minus_1_while_running_elsewhere),
		cmocka_unit_test(test_hang_detector_fires_on_slow_callback_and_system_keeps_going),
		cmocka_unit_test(test_realtime_absolute_timer_fires_at_new_time_after_settime),
		cmocka_unit_test(test_realtime_absolute_timer_fires_at_new_time_after_leap_second),
		cmocka_unit_test(test_remote_start_reprograms_target_cpu_by_ipi),
		cmocka_unit_test(test_lazy_cancel_of_first_timer_programs_at_the_early_interrupt),
		cmocka_unit_test(test_lazy_rearm_later_programs_at_the_early_interrupt),
		cmocka_unit_test(test_eager_cancel_and_rearm_later_reprogram_at_once),
		cmocka_unit_test(test_lazy_cancel_then_idle_does_not_wake_the_cpu),
		cmocka_unit_test(test_negative_monotonic_expiries_fire_at_once_and_block_nothing),
		cmocka_unit_test(test_rearming_past_expiries_in_a_loop_cannot_starve_the_interrupt),
		cmocka_unit_test(
			test_callback_rearming_itself_in_the_past_cannot_keep_the_cpu_in_the_interrupt),
		cmocka_unit_test(test_low_resolution_past_rearm_in_a_callback_holds_back_no_timer),
		cmocka_unit_test(test_forced_event_latch_is_reset_on_every_path),
		cmocka_unit_test(test_warn_on_once_logs_once_per_system_to_its_ring),
		cmocka_unit_test(test_forced_event_latch_is_reset_through_deep_idle_and_broadcast),
		cmocka_unit_test(test_realtime_and_tai_timers_across_2038_2106_and_at_ktime_max),
		cmocka_unit_test(test_timers_started_for_an_offline_cpu_go_to_a_live_one),
		cmocka_unit_test(
			test_start_user_reports_passed_expiry_that_would_be_first_and_programs_no_past),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
