/* SPDX-License-Identifier: MIT */
/*
 * NO_HZ idle and the high-resolution tick on the sim engine with fake
 * oneshot devices (tests/support/cwt_tick.h): an idle CPU sleeps until its
 * next event instead of taking HZ interrupts; jiffies stay exact across
 * long sleeps; the last timekeeper caps its sleep at the clocksource's max
 * deferment; wheel timers armed on an idle CPU kick it unless deferrable;
 * the idle statistics add up; skew_tick spreads the CPUs' ticks; and the
 * low-resolution tick (highres off) sleeps the same way.
 */
#include "cwt_tick.h"

#include "core/hrtimer-internal.h"
#include "core/system-internal.h"
#include "core/cpu-internal.h"

#include <clockwork/driver/clocksource.h>
#include <clockwork/hrtimer.h>
#include <clockwork/timekeeping.h>
#include <clockwork/timer.h>

#define F_P    CW_CLOCKEVENT_FEAT_PERIODIC
#define F_O    CW_CLOCKEVENT_FEAT_ONESHOT
#define F_PCPU CW_CLOCKEVENT_FEAT_PERCPU

static const unsigned hz_values[] = { 100, 250, 1000 };

/* A forced CPU number that is no CPU: a plain thread. */
#define NOT_A_CPU 99

static void as_cpu(struct cwt_tick *t, int cpu)
{
	t->forced_cpu = cpu;
}

static void add_local_devices(struct cwt_tick *t)
{
	cwt_ced_add_locals(t, F_O | F_P | F_PCPU, 300);
}

struct boot_opts {
	bool highres;
	bool nohz;
	bool skew;
};

static void boot(struct cwt_tick *t, unsigned nr_cpus, unsigned hz, struct boot_opts o)
{
	cwt_tick_init(t, nr_cpus, hz, CW_CLOCKSOURCE_IS_CONTINUOUS);
	t->sys->tick.highres_enabled = o.highres;
	t->sys->tick.nohz_enabled = o.nohz;
	t->sys->tick.skew_tick = o.skew;
	cwt_tick_boot(t);
	add_local_devices(t);
	cw_sim_run_until(t->sim, MS(100));
	for (unsigned cpu = 0; cpu < nr_cpus; cpu++) {
		struct cw_hrtimer_cpu_stats s;

		assert_int_equal(cw_tick_mode(t->sys, cpu), CW_TICK_MODE_ONESHOT);
		assert_int_equal(cw_hrtimer_get_cpu_stats(t->sys, cpu, &s), 0);
		assert_int_equal(s.hres_active, o.highres);
	}
}

struct rec_hrtimer {
	struct cw_hrtimer timer;
	struct cw_system *sys;
	uint64_t fires;
	cw_ktime_t fired_mono;
};

static enum cw_hrtimer_restart rec_fn(struct cw_hrtimer *timer)
{
	struct rec_hrtimer *r = (struct rec_hrtimer *)(void *)timer;

	r->fires++;
	r->fired_mono = cw_ktime_get(r->sys);
	return CW_HRTIMER_NORESTART;
}

/* ---- one hrtimer a second away ------------------------------------------ */

struct wakeups {
	uint64_t device_irqs;
	uint64_t idle_wakeups;
	uint64_t ticks;
};

/*
 * CPU1 idles from 150 ms to 3 s with one hrtimer at 1.5003 s; count what
 * happens to it during [1 s, 2 s).
 */
static struct wakeups one_timer_case(unsigned hz, struct boot_opts o, struct cw_tick_cpu_stats *end)
{
	struct cwt_tick t;
	struct rec_hrtimer r = { 0 };
	struct cw_tick_cpu_stats s0, s1;
	struct wakeups w;
	uint64_t d0;
	const cw_ktime_t expiry = (cw_ktime_t)(MS(1500) + US(300));

	boot(&t, 2, hz, o);
	r.sys = t.sys;
	cwt_tick_idle(&t, 1, MS(150), SEC(3), false, false);
	cw_sim_run_until(t.sim, MS(120));
	as_cpu(&t, 1);
	assert_int_equal(
		cw_hrtimer_setup(t.sys, &r.timer, rec_fn, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD),
		0);
	cw_hrtimer_start(&r.timer, expiry, CW_HRTIMER_MODE_ABS);
	as_cpu(&t, -1);
	cw_sim_run_until(t.sim, SEC(1));
	s0 = cwt_stats(&t, 1);
	d0 = t.devs[1]->fires;
	cw_sim_run_until(t.sim, SEC(2));
	s1 = cwt_stats(&t, 1);
	w.device_irqs = t.devs[1]->fires - d0;
	w.idle_wakeups = s1.idle_wakeups - s0.idle_wakeups;
	w.ticks = s1.ticks - s0.ticks;
	assert_int_equal(r.fires, 1);
	assert_true(r.fired_mono >= expiry);
	if (o.highres) {
		assert_true(r.fired_mono - expiry <= 1000);
	} else {
		assert_true(r.fired_mono - expiry < (cw_ktime_t)cw_system_tick_nsec(t.sys));
	}
	/* Jiffies exact all along, and after the window. */
	assert_int_equal(cwt_jiffies_error(&t), 0);
	cw_sim_run_until(t.sim, SEC(3) + MS(100));
	assert_int_equal(cwt_jiffies_error(&t), 0);
	*end = cwt_stats(&t, 1);
	cwt_tick_fini(&t);
	return w;
}

static void test_idle_cpu_with_one_hrtimer_a_second_away_wakes_once_with_nohz(void **state)
{
	(void)state;
	for (size_t i = 0; i < CW_ARRAY_SIZE(hz_values); i++) {
		unsigned hz = hz_values[i];
		struct cw_tick_cpu_stats end;
		struct wakeups hres =
			one_timer_case(hz, (struct boot_opts){ true, true, false }, &end);
		struct wakeups lres =
			one_timer_case(hz, (struct boot_opts){ false, true, false }, &end);
		struct wakeups tick =
			one_timer_case(hz, (struct boot_opts){ true, false, false }, &end);
		struct wakeups ltick =
			one_timer_case(hz, (struct boot_opts){ false, false, false }, &end);

		print_message(
			"HZ=%u, 1 s with one hrtimer: NO_HZ high res %llu irqs / %llu wakeups, "
			"NO_HZ low res %llu / %llu, nohz off %llu / %llu (low res %llu)\n",
			hz, (unsigned long long)hres.device_irqs,
			(unsigned long long)hres.idle_wakeups, (unsigned long long)lres.device_irqs,
			(unsigned long long)lres.idle_wakeups, (unsigned long long)tick.device_irqs,
			(unsigned long long)tick.idle_wakeups,
			(unsigned long long)ltick.device_irqs);
		assert_int_equal(hres.device_irqs, 1);
		assert_int_equal(hres.idle_wakeups, 1);
		assert_int_equal(lres.device_irqs, 1);
		assert_int_equal(lres.idle_wakeups, 1);
		/* Without NO_HZ: every tick, plus the timer's own interrupt off the grid. */
		assert_int_equal(tick.device_irqs, hz + 1);
		assert_int_equal(tick.ticks, hz);
		/* Low resolution runs the timer from the tick: HZ interrupts. */
		assert_int_equal(ltick.device_irqs, hz);
		assert_int_equal(ltick.ticks, hz);
	}
}

/* ---- idle statistics ---------------------------------------------------- */

static void test_idle_statistics_are_consistent(void **state)
{
	(void)state;
	for (size_t i = 0; i < CW_ARRAY_SIZE(hz_values); i++) {
		unsigned hz = hz_values[i];
		uint64_t p = SEC(1) / hz;
		struct cw_tick_cpu_stats s;

		for (int highres = 0; highres < 2; highres++) {
			one_timer_case(hz, (struct boot_opts){ highres, true, false }, &s);
			/* Two sleeps: until the timer, then until the window's end. */
			print_message(
				"HZ=%u %s: entries %llu sleeps %llu wakeups %llu ticks_stopped "
				"%llu ticks %llu idle_ns %llu\n",
				hz, highres ? "high res" : "low res",
				(unsigned long long)s.idle_entries,
				(unsigned long long)s.idle_sleeps,
				(unsigned long long)s.idle_wakeups,
				(unsigned long long)s.ticks_stopped, (unsigned long long)s.ticks,
				(unsigned long long)s.idle_ns);
			assert_int_equal(s.idle_entries, 2);
			assert_int_equal(s.idle_sleeps, 2);
			assert_int_equal(s.idle_wakeups, 2);
			/* Idle 150 ms .. 3 s, all of it asleep. */
			assert_int_equal(s.idle_ns, MS(2850));
			/* Whole periods slept in the two sleeps: within one of the span each. */
			assert_true(s.ticks_stopped <= MS(2850) / p);
			assert_true(s.ticks_stopped + 2 >= MS(2850) / p);
			/* Ticks run plus ticks saved cover the 3.1 s once, give or take the edges.
			 */
			assert_true(s.ticks + s.ticks_stopped <= MS(3100) / p + 2);
			assert_true(s.ticks + s.ticks_stopped + 3 >= MS(3100) / p - MS(100) / p);
		}
	}
}

/* ---- jiffies across long idle ------------------------------------------- */

static void long_idle_case(unsigned hz, bool highres)
{
	struct cwt_tick t;
	uint64_t j_before, p;

	boot(&t, 4, hz, (struct boot_opts){ highres, true, false });
	p = cw_system_tick_nsec(t.sys);
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		cwt_tick_idle(&t, cpu, MS(200) + cpu * US(37), SEC(12) + cpu * MS(3), false, false);
	}
	cw_sim_run_until(t.sim, MS(300));
	j_before = cw_jiffies_get(t.sys);
	/* Sampled at odd times while every CPU sleeps. */
	for (uint64_t ns = MS(300); ns < SEC(12); ns += MS(731) + 13) {
		cw_sim_run_until(t.sim, ns);
		assert_int_equal(cwt_jiffies_error(&t), 0);
	}
	/* After the CPUs woke. */
	cw_sim_run_until(t.sim, SEC(12) + MS(50) + p / 3);
	assert_int_equal(cwt_jiffies_error(&t), 0);
	assert_int_equal(cw_jiffies_get(t.sys) - j_before,
			 (SEC(12) + MS(50) + p / 3) / p - MS(300) / p);
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		assert_true(cwt_stats(&t, cpu).idle_sleeps >= 1);
	}
	cwt_tick_fini(&t);
}

static void test_jiffies_exact_during_and_after_long_idle(void **state)
{
	(void)state;
	for (size_t i = 0; i < CW_ARRAY_SIZE(hz_values); i++) {
		long_idle_case(hz_values[i], true);
		long_idle_case(hz_values[i], false);
	}
}

/* ---- max deferment -------------------------------------------------------- */

/* A 32-bit 1 GHz counter: it wraps every 4.29 s, so a sleep must end well before that. */
struct narrow_cs {
	struct cw_clocksource cs;
	struct cw_sim *sim;
};

static uint64_t narrow_read(struct cw_clocksource *cs)
{
	struct narrow_cs *n = (struct narrow_cs *)(void *)cs;

	return cw_sim_now_ns(n->sim) & 0xffffffffu;
}

static uint64_t wakeups_between(struct cwt_tick *t, unsigned cpu, uint64_t from, uint64_t to)
{
	uint64_t w;

	cw_sim_run_until(t->sim, from);
	w = cwt_stats(t, cpu).idle_wakeups;
	for (uint64_t ns = from; ns < to; ns += MS(997)) {
		cw_sim_run_until(t->sim, ns);
		/* A missed counter wrap would show here: MONOTONIC must equal virtual time. */
		assert_int_equal(cw_ktime_get(t->sys), (cw_ktime_t)ns);
		assert_int_equal(cwt_jiffies_error(t), 0);
	}
	cw_sim_run_until(t->sim, to);
	return cwt_stats(t, cpu).idle_wakeups - w;
}

static void max_deferment_case(bool highres)
{
	struct cwt_tick t;
	struct narrow_cs narrow = { 0 };
	struct rec_hrtimer r = { 0 };
	uint64_t defer, w[4];
	char cur[CW_CLOCKSOURCE_NAME_MAX];

	cwt_tick_init(&t, 4, 250, CW_CLOCKSOURCE_IS_CONTINUOUS);
	narrow.sim = t.sim;
	narrow.cs.name = "narrow32";
	narrow.cs.read = narrow_read;
	narrow.cs.mask = CW_CLOCKSOURCE_MASK(32);
	narrow.cs.rating = 400;
	narrow.cs.flags = CW_CLOCKSOURCE_IS_CONTINUOUS;
	assert_int_equal(cw_clocksource_register_hz(t.sys, &narrow.cs, 1000000000ULL), 0);
	t.sys->tick.highres_enabled = highres;
	cwt_tick_boot(&t);
	add_local_devices(&t);
	cw_sim_run_until(t.sim, MS(100));
	assert_int_equal(cw_clocksource_current(t.sys, cur, sizeof(cur)), 0);
	assert_string_equal(cur, "narrow32");
	defer = cw_timekeeping_max_deferment(t.sys);
	assert_true(defer > 0 && defer < SEC(4));
	assert_int_equal(cw_tick_do_timer_cpu(t.sys), 0);
	/* CPUs 1 and 2 sleep from the start: they never keep time. */
	cwt_tick_idle(&t, 1, MS(300), SEC(40), false, false);
	cwt_tick_idle(&t, 2, MS(300) + US(50), SEC(40), false, false);
	/* CPU0 drops the duty when it idles; CPU3, still ticking, takes it. */
	cwt_tick_idle(&t, 0, MS(500), SEC(40), false, false);
	cw_sim_run_until(t.sim, SEC(3));
	assert_int_equal(cw_tick_do_timer_cpu(t.sys), 3);
	/*
	 * CPU0 was the last timekeeper when it went to sleep, so its first
	 * sleep is capped; once it saw CPU3 keeping time it sleeps unbounded.
	 */
	w[0] = wakeups_between(&t, 0, SEC(3), SEC(10));
	print_message("%s: max deferment %llu ns; CPU0 wakeups while CPU3 keeps time: %llu",
		      highres ? "high res" : "low res", (unsigned long long)defer,
		      (unsigned long long)w[0]);
	assert_int_equal(w[0], 0);
	/* Now CPU3 idles too: it is the last timekeeper, everyone is idle. */
	cwt_tick_idle(&t, 3, SEC(10) + MS(1), SEC(40), false, false);
	cw_sim_run_until(t.sim, SEC(11));
	assert_int_equal(cw_tick_do_timer_cpu(t.sys), CW_TICK_DO_TIMER_NONE);
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		w[cpu] = cwt_stats(&t, cpu).idle_wakeups;
	}
	/*
	 * At 20 s a thread that is no CPU starts an hrtimer for 29 s on CPU0's
	 * base: the IPI wakes CPU0, which re-plans its sleep with nobody
	 * keeping time. It is not the last timekeeper (CPU3 is): it sleeps
	 * until the timer, not max deferment at a time.
	 */
	cw_sim_run_until(t.sim, SEC(20));
	r.sys = t.sys;
	as_cpu(&t, NOT_A_CPU);
	assert_int_equal(
		cw_hrtimer_setup(t.sys, &r.timer, rec_fn, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD),
		0);
	assert_ptr_equal(r.timer.base, &t.sys->hrtimer_bases[0].clock_base[0]);
	cw_hrtimer_start(&r.timer, SEC(29) + US(77), CW_HRTIMER_MODE_ABS);
	as_cpu(&t, -1);
	(void)wakeups_between(&t, 3, SEC(20), SEC(29));
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		w[cpu] = cwt_stats(&t, cpu).idle_wakeups - w[cpu];
	}
	print_message("; in 18 s all idle: CPU0 %llu CPU1 %llu CPU2 %llu CPU3 %llu\n",
		      (unsigned long long)w[0], (unsigned long long)w[1], (unsigned long long)w[2],
		      (unsigned long long)w[3]);
	/* The last timekeeper wakes once per max deferment, the others never. */
	assert_true(w[3] >= SEC(18) / defer);
	assert_true(w[3] <= SEC(18) / defer + 1);
	/* CPU0 once, for the IPI of the remote start. */
	assert_int_equal(w[0], 1);
	assert_int_equal(w[1], 0);
	assert_int_equal(w[2], 0);
	cw_sim_run_until(t.sim, SEC(29) + MS(1));
	assert_int_equal(r.fires, 1);
	assert_true(r.fired_mono >= (cw_ktime_t)(SEC(29) + US(77)));
	assert_true(r.fired_mono - (cw_ktime_t)(SEC(29) + US(77)) <= 1000);
	cwt_tick_fini(&t);
}

static void test_last_timekeeper_caps_its_sleep_at_max_deferment(void **state)
{
	(void)state;
	max_deferment_case(true);
	max_deferment_case(false);
}

/* ---- wheel timers on idle CPUs ------------------------------------------- */

struct rec_wheel {
	struct cw_timer timer;
	struct cw_system *sys;
	struct cwt_tick *t;
	uint64_t fires;
	uint64_t fired_jiffies;
	cw_ktime_t fired_mono;
	unsigned cpu;
};

static struct rec_wheel *wheel_rec;

static void wheel_fn(struct cw_timer *timer)
{
	struct rec_wheel *r = wheel_rec;

	assert_ptr_equal(&r->timer, timer);
	r->fires++;
	r->fired_jiffies = cw_jiffies_get(r->sys);
	r->fired_mono = cw_ktime_get(r->sys);
	r->cpu = cw_sim_current_cpu(r->t->sim);
}

/* MONOTONIC time at which jiffies reach @j (they start at CW_INITIAL_JIFFIES, see cwt_jiffies_error). */
static cw_ktime_t jiffy_time(struct cwt_tick *t, uint64_t j)
{
	uint64_t initial = CW_INITIAL_JIFFIES(cw_system_hz(t->sys));

	return (cw_ktime_t)((j - initial) * cw_system_tick_nsec(t->sys));
}

/*
 * The busy CPU arms a wheel timer 40 jiffies ahead on the idle one. With
 * @idle_cpu 0 the idle CPU dropped the do_timer duty and the busy CPU
 * holds it: at the expiry boundary the idle CPU may run before the
 * holder's tick, so its own wakeup must bring jiffies up to date.
 */
static void wheel_case(bool highres, unsigned flags, unsigned idle_cpu)
{
	struct cwt_tick t;
	struct rec_wheel r = { 0 };
	struct cw_tick_cpu_stats s0, s1;
	unsigned busy_cpu = 1 - idle_cpu;
	uint64_t expires;

	boot(&t, 2, 1000, (struct boot_opts){ highres, true, false });
	r.sys = t.sys;
	r.t = &t;
	wheel_rec = &r;
	cwt_tick_idle(&t, idle_cpu, MS(150), SEC(2), false, false);
	cw_sim_run_until(t.sim, MS(500) + US(300));
	assert_true(t.sys->cpus[idle_cpu].tick_stopped);
	assert_int_equal(cw_tick_do_timer_cpu(t.sys), (int)busy_cpu);
	s0 = cwt_stats(&t, idle_cpu);
	as_cpu(&t, (int)busy_cpu);
	assert_int_equal(cw_timer_setup(&r.timer, t.sys, wheel_fn, flags), 0);
	expires = cw_jiffies_get(t.sys) + 40;
	assert_int_equal(cw_timer_add_on(&r.timer, expires, idle_cpu), 0);
	as_cpu(&t, -1);
	cw_sim_run_until(t.sim, SEC(1));
	s1 = cwt_stats(&t, idle_cpu);
	print_message("%s, %s wheel timer on idle CPU%u: %llu wakeups, fired %llu at jiffy %+lld\n",
		      highres ? "high res" : "low res",
		      flags & CW_TIMER_DEFERRABLE ? "deferrable"
		      : flags & CW_TIMER_PINNED   ? "pinned"
						  : "global",
		      idle_cpu, (unsigned long long)(s1.idle_wakeups - s0.idle_wakeups),
		      (unsigned long long)r.fires,
		      (long long)(r.fires ? (int64_t)(r.fired_jiffies - expires) : 0));
	if (flags & CW_TIMER_DEFERRABLE) {
		/* Never woken for it; it runs once the CPU is up again. */
		assert_int_equal(r.fires, 0);
		assert_int_equal(s1.idle_wakeups, s0.idle_wakeups);
		cw_sim_run_until(t.sim, SEC(2) + MS(10));
		assert_int_equal(r.fires, 1);
		assert_int_equal(r.cpu, idle_cpu);
	} else if (!(flags & CW_TIMER_PINNED)) {
		/*
		 * Timer migration: the idle CPU hands the global timer up and
		 * sleeps on; the busy CPU (the group's migrator) pulls it on time.
		 */
		assert_int_equal(r.fires, 1);
		assert_int_equal(r.cpu, busy_cpu);
		assert_int_equal(r.fired_jiffies, expires + 1);
		assert_int_equal(s1.idle_wakeups, s0.idle_wakeups);
	} else {
		/* A kick to re-plan the sleep, then the expiry: on time, on the idle CPU. */
		assert_int_equal(r.fires, 1);
		assert_int_equal(r.cpu, idle_cpu);
		/* The wheel never runs early: the first tick after the expiry jiffy. */
		assert_int_equal(r.fired_jiffies, expires + 1);
		assert_true(r.fired_mono >= jiffy_time(&t, expires + 1));
		assert_true(r.fired_mono - jiffy_time(&t, expires + 1) <= 1000);
		assert_true(s1.ipis > s0.ipis);
		/* The kick, then the expiry. */
		assert_int_equal(s1.idle_wakeups - s0.idle_wakeups, 2);
	}
	assert_int_equal(cwt_jiffies_error(&t), 0);
	cwt_tick_fini(&t);
}

static void test_wheel_timer_armed_on_idle_cpu_kicks_it_and_fires_on_time(void **state)
{
	(void)state;
	for (unsigned idle_cpu = 0; idle_cpu < 2; idle_cpu++) {
		wheel_case(true, CW_TIMER_PINNED, idle_cpu);
		wheel_case(false, CW_TIMER_PINNED, idle_cpu);
	}
}

static void test_global_wheel_timer_on_idle_cpu_is_pulled_by_busy_cpu(void **state)
{
	(void)state;
	for (unsigned idle_cpu = 0; idle_cpu < 2; idle_cpu++) {
		wheel_case(true, 0, idle_cpu);
		wheel_case(false, 0, idle_cpu);
	}
}

static void test_deferrable_wheel_timer_does_not_wake_idle_cpu(void **state)
{
	(void)state;
	for (unsigned idle_cpu = 0; idle_cpu < 2; idle_cpu++) {
		wheel_case(true, CW_TIMER_DEFERRABLE, idle_cpu);
		wheel_case(false, CW_TIMER_DEFERRABLE, idle_cpu);
	}
}

/* ---- skew_tick ------------------------------------------------------------ */

static void skew_case(unsigned hz, bool skew)
{
	struct cwt_tick t;
	struct cw_tick_cpu_stats s0[4], s;
	uint64_t p, j0;

	boot(&t, 4, hz, (struct boot_opts){ true, true, skew });
	p = cw_system_tick_nsec(t.sys);
	cw_sim_run_until(t.sim, MS(500) + p / 2 + 7);
	j0 = cw_jiffies_get(t.sys);
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		struct cw_cpu *c = &t.sys->cpus[cpu];
		uint64_t want = skew ? (p / 2) / 4 * cpu : 0;

		assert_int_equal((uint64_t)cw_hrtimer_get_expires(&c->sched_timer) % p, want);
		/* The last tick ran on its grid point, within the device's granularity. */
		assert_true((uint64_t)c->last_tick_ns % p - want <= 1000);
		s0[cpu] = cwt_stats(&t, cpu);
	}
	cw_sim_run_for(t.sim, SEC(1));
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		s = cwt_stats(&t, cpu);
		assert_int_equal(s.ticks - s0[cpu].ticks, hz);
	}
	assert_int_equal(cw_jiffies_get(t.sys) - j0, hz);
	assert_int_equal(cwt_jiffies_error(&t), 0);
	cwt_tick_fini(&t);
}

static void test_skew_tick_offsets_each_cpus_tick_and_keeps_hz(void **state)
{
	(void)state;
	for (size_t i = 0; i < CW_ARRAY_SIZE(hz_values); i++) {
		skew_case(hz_values[i], true);
		skew_case(hz_values[i], false);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_cpu_with_one_hrtimer_a_second_away_wakes_once_with_nohz),
		cmocka_unit_test(test_idle_statistics_are_consistent),
		cmocka_unit_test(test_jiffies_exact_during_and_after_long_idle),
		cmocka_unit_test(test_last_timekeeper_caps_its_sleep_at_max_deferment),
		cmocka_unit_test(test_wheel_timer_armed_on_idle_cpu_kicks_it_and_fires_on_time),
		cmocka_unit_test(test_global_wheel_timer_on_idle_cpu_is_pulled_by_busy_cpu),
		cmocka_unit_test(test_deferrable_wheel_timer_does_not_wake_idle_cpu),
		cmocka_unit_test(test_skew_tick_offsets_each_cpus_tick_and_keeps_hz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
