/* SPDX-License-Identifier: MIT */
/*
 * Tick layer tests on the sim engine with fake clock event devices
 * (tests/support/cwt_tick.h): HZ exactness on periodic, emulated and
 * oneshot ticks, jiffies and the do_timer duty, device takeover, the
 * oneshot switch, broadcast (oneshot, periodic, DUMMY) and hotplug.
 */
#include "cwt_tick.h"

#include "core/system-internal.h"
#include "core/tick-internal.h"

static const unsigned hz_values[] = { 100, 250, 300, 1000 };

#define NR_CPUS 4
#define F_P     CW_CLOCKEVENT_FEAT_PERIODIC
#define F_O     CW_CLOCKEVENT_FEAT_ONESHOT
#define F_C3    CW_CLOCKEVENT_FEAT_C3STOP
#define F_PCPU  CW_CLOCKEVENT_FEAT_PERCPU

/* Half a period past a tick boundary: windows of whole seconds then hold exactly HZ boundaries. */
static uint64_t mid_period(struct cwt_tick *t, uint64_t at_ns)
{
	uint64_t p = cw_system_tick_nsec(t->sys);

	return (at_ns / p) * p + p / 2;
}

static void add_local_devices(struct cwt_tick *t, const char *prefix, unsigned features, int rating)
{
	char name[24];

	for (unsigned cpu = 0; cpu < t->nr_cpus; cpu++) {
		snprintf(name, sizeof(name), "%s%u", prefix, cpu);
		cwt_ced_add(t, name, (int)cpu, features | F_PCPU, rating);
	}
}

/* Run one second from a mid-period point and check every online CPU got exactly HZ ticks. */
static void assert_hz_second(struct cwt_tick *t, uint64_t start_ns)
{
	unsigned hz = cw_system_hz(t->sys);
	struct cw_tick_cpu_stats before[CWT_TICK_MAX_CPUS], after;
	uint64_t j0;

	cw_sim_run_until(t->sim, start_ns);
	for (unsigned cpu = 0; cpu < t->nr_cpus; cpu++) {
		before[cpu] = cwt_stats(t, cpu);
	}
	j0 = cw_jiffies_get(t->sys);
	cw_sim_run_for(t->sim, SEC(1));
	for (unsigned cpu = 0; cpu < t->nr_cpus; cpu++) {
		if (!cw_cpu_online(t->sys, cpu)) {
			continue;
		}
		after = cwt_stats(t, cpu);
		if (after.ticks - before[cpu].ticks != hz) {
			print_message("HZ=%u: CPU%u got %llu ticks in 1 s\n", hz, cpu,
				      (unsigned long long)(after.ticks - before[cpu].ticks));
		}
		assert_int_equal(after.ticks - before[cpu].ticks, hz);
	}
	assert_int_equal(cw_jiffies_get(t->sys) - j0, hz);
	assert_int_equal(cwt_jiffies_error(t), 0);
}

static void periodic_case(unsigned hz, unsigned features, bool oneshot_enabled,
			  enum cw_tick_mode want)
{
	struct cwt_tick t;

	cwt_tick_init(&t, NR_CPUS, hz, CW_CLOCKSOURCE_IS_CONTINUOUS);
	t.sys->tick.oneshot_enabled = oneshot_enabled;
	cwt_tick_boot(&t);
	add_local_devices(&t, "local", features, 300);
	cw_sim_run_until(t.sim, MS(1500));
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		assert_int_equal(cw_tick_mode(t.sys, cpu), want);
	}
	assert_hz_second(&t, mid_period(&t, MS(1500)));
	assert_hz_second(&t, mid_period(&t, MS(4700)));
	cwt_tick_fini(&t);
}

static void test_periodic_hardware_ticks_exactly_hz_per_second(void **state)
{
	(void)state;
	for (size_t i = 0; i < CW_ARRAY_SIZE(hz_values); i++) {
		periodic_case(hz_values[i], F_P, true, CW_TICK_MODE_PERIODIC);
	}
}

static void test_periodic_emulated_on_oneshot_hardware_ticks_exactly_hz(void **state)
{
	(void)state;
	for (size_t i = 0; i < CW_ARRAY_SIZE(hz_values); i++) {
		periodic_case(hz_values[i], F_O, false, CW_TICK_MODE_PERIODIC);
	}
}

static void test_oneshot_mode_ticks_exactly_hz_per_second(void **state)
{
	(void)state;
	for (size_t i = 0; i < CW_ARRAY_SIZE(hz_values); i++) {
		periodic_case(hz_values[i], F_O | F_P, true, CW_TICK_MODE_ONESHOT);
	}
}

static void test_first_device_takes_do_timer_duty_from_boot(void **state)
{
	struct cwt_tick t;

	(void)state;
	cwt_tick_init(&t, NR_CPUS, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_tick_boot(&t);
	assert_int_equal(cw_tick_do_timer_cpu(t.sys), CW_TICK_DO_TIMER_BOOT);
	add_local_devices(&t, "local", F_O, 300);
	assert_int_equal(cw_tick_do_timer_cpu(t.sys), 0);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		assert_ptr_equal(cw_tick_device(t.sys, cpu), &t.devs[cpu]->dev);
		assert_int_equal(t.devs[cpu]->dev.bound_cpu, (int)cpu);
	}
	assert_true(
		cwt_log_has(&t, "clockevents: CPU2: tick device local2 (rating 300, periodic)"));
	cwt_tick_fini(&t);
}

static void test_switches_to_oneshot_when_clocksource_becomes_hres_valid(void **state)
{
	struct cwt_tick t;
	struct cw_clocksource *cs;

	(void)state;
	/* Not continuous: never valid for high resolution by itself. */
	cwt_tick_init(&t, NR_CPUS, 250, 0);
	cwt_tick_boot(&t);
	add_local_devices(&t, "local", F_O | F_P, 300);
	cw_sim_run_until(t.sim, SEC(3));
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		assert_int_equal(cw_tick_mode(t.sys, cpu), CW_TICK_MODE_PERIODIC);
	}
	/* The watchdog's verdict: valid for high resolution. */
	cs = cw_sim_counter_clocksource(t.counter);
	cw_spin_lock(&t.sys->cs_lock);
	cs->flags |= CW_CLOCKSOURCE_VALID_FOR_HRES;
	cw_spin_unlock(&t.sys->cs_lock);
	cw__tick_clock_notify(t.sys);
	cw_sim_run_for(t.sim, MS(20));
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		assert_int_equal(cw_tick_mode(t.sys, cpu), CW_TICK_MODE_ONESHOT);
	}
	/* High resolution is on by default: the tick becomes an hrtimer. */
	assert_true(cwt_log_has(&t, "tick: Switched to high resolution mode on CPU #3"));
	assert_hz_second(&t, mid_period(&t, SEC(4)));
	cwt_tick_fini(&t);
}

/*
 * With jiffies as the clocksource, MONOTONIC moves only when jiffies do, so
 * the periodic tick must advance jiffies by one per tick on the duty CPU
 * (Linux's tick_periodic: do_timer(1)); deriving them from MONOTONIC would
 * stand still for ever.
 */
static void test_jiffies_clocksource_advances_one_jiffy_per_periodic_tick(void **state)
{
	static const unsigned hzs[] = { 100, 250, 1000 };

	(void)state;
	/* Hardware periodic, and periodic emulated on oneshot-only hardware. */
	for (unsigned i = 0; i < 2 * sizeof(hzs) / sizeof(hzs[0]); i++) {
		struct cwt_tick t;
		uint64_t j0;
		cw_ktime_t m0;

		unsigned hz = hzs[i % 3];

		cwt_tick_init(&t, 2, hz, CW_CLOCKSOURCE_IS_CONTINUOUS);
		t.sys->tick.oneshot_enabled = false;
		cwt_tick_boot(&t);
		assert_int_equal(cw_clocksource_override(t.sys, "jiffies"), 0);
		add_local_devices(&t, "local", i < 3 ? F_O | F_P : F_O, 300);
		cw_sim_run_until(t.sim, MS(100));
		j0 = cw_jiffies_get(t.sys);
		m0 = cw_ktime_get(t.sys);
		cw_sim_run_until(t.sim, MS(1100));
		print_message("HZ=%u, %s: %llu jiffies and %lld ns of MONOTONIC in 1 s\n", hz,
			      i < 3 ? "periodic hardware" : "emulated on oneshot",
			      (unsigned long long)(cw_jiffies_get(t.sys) - j0),
			      (long long)(cw_ktime_get(t.sys) - m0));
		assert_int_equal(cw_jiffies_get(t.sys) - j0, hz);
		assert_int_equal(cw_ktime_get(t.sys) - m0,
				 (cw_ktime_t)hz * (cw_ktime_t)cw_system_tick_nsec(t.sys));
		cwt_tick_fini(&t);
	}
}

static void test_oneshot_disabled_keeps_periodic_mode(void **state)
{
	struct cwt_tick t;

	(void)state;
	cwt_tick_init(&t, 2, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	t.sys->tick.oneshot_enabled = false;
	cwt_tick_boot(&t);
	add_local_devices(&t, "local", F_O | F_P, 300);
	cw_sim_run_until(t.sim, SEC(3));
	assert_int_equal(cw_tick_mode(t.sys, 0), CW_TICK_MODE_PERIODIC);
	assert_int_equal(cw_tick_mode(t.sys, 1), CW_TICK_MODE_PERIODIC);
	assert_false(cwt_log_has(&t, "switched to oneshot mode"));
	cwt_tick_fini(&t);
}

static void duty_moves_case(bool oneshot)
{
	struct cwt_tick t;
	struct cw_tick_cpu_stats s1;

	cwt_tick_init(&t, NR_CPUS, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	t.sys->tick.oneshot_enabled = oneshot;
	cwt_tick_boot(&t);
	add_local_devices(&t, "local", F_O, 300);
	cw_sim_run_until(t.sim, MS(100) + US(500));
	assert_int_equal(cw_tick_do_timer_cpu(t.sys), 0);
	/* CPU0 idles (shallow) for 300 ms: it drops the duty, a ticking CPU takes it. */
	cwt_tick_idle(&t, 0, MS(200) + US(300), MS(500) + US(300), false, false);
	cw_sim_run_until(t.sim, MS(300) + US(500));
	assert_int_equal(cw_tick_do_timer_cpu(t.sys), 1);
	s1 = cwt_stats(&t, 1);
	assert_int_equal(s1.do_timer_takeovers, 1);
	for (uint64_t ms = 300; ms < 800; ms += 7) {
		cw_sim_run_until(t.sim, MS(ms) + US(500));
		assert_int_equal(cwt_jiffies_error(&t), 0);
	}
	/* CPU0 is busy again; the duty stays where it went. */
	assert_int_equal(cw_tick_do_timer_cpu(t.sys), 1);
	assert_true(cwt_stats(&t, 0).idle_entries >= 1);
	cwt_tick_fini(&t);
}

static void test_do_timer_duty_moves_off_idle_cpu_and_jiffies_stay_exact(void **state)
{
	(void)state;
	duty_moves_case(false);
	duty_moves_case(true);
}

static void test_all_cpus_idle_keep_jiffies_exact(void **state)
{
	struct cwt_tick t;

	(void)state;
	cwt_tick_init(&t, NR_CPUS, 300, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_tick_boot(&t);
	add_local_devices(&t, "local", F_O, 300);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		cwt_tick_idle(&t, cpu, MS(100) + cpu * US(10), MS(900), false, false);
	}
	for (uint64_t ms = 150; ms < 1000; ms += 11) {
		cw_sim_run_until(t.sim, MS(ms) + US(700));
		assert_int_equal(cwt_jiffies_error(&t), 0);
	}
	cwt_tick_fini(&t);
}

static void idle_time_case(void)
{
	struct cwt_tick t;
	struct cw_tick_cpu_stats s;

	cwt_tick_init(&t, 2, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	/* One idle entry per tick is counted: keep the tick in idle (nohz=off). */
	t.sys->tick.nohz_enabled = false;
	cwt_tick_boot(&t);
	add_local_devices(&t, "local", F_O, 300);
	cwt_tick_idle(&t, 1, MS(100), MS(300), false, false);
	cw_sim_run_until(t.sim, MS(400));
	s = cwt_stats(&t, 1);
	print_message("idle_ns %llu over a 200 ms window, %llu entries\n",
		      (unsigned long long)s.idle_ns, (unsigned long long)s.idle_entries);
	/* Each tick interrupt leaves idle for the handler's duration (0 in virtual time). */
	assert_int_equal(s.idle_ns, MS(200));
	assert_true(s.idle_entries >= 200);
	cwt_tick_fini(&t);
}

static void test_idle_time_is_accounted(void **state)
{
	(void)state;
	idle_time_case();
}

/* Count ticks over a window spanning a run-time registration of better devices. */
static void takeover_case(unsigned hz, unsigned old_f, unsigned new_f, bool oneshot)
{
	struct cwt_tick t;
	struct cw_tick_cpu_stats before[NR_CPUS], after;
	uint64_t start, j0;

	cwt_tick_init(&t, NR_CPUS, hz, CW_CLOCKSOURCE_IS_CONTINUOUS);
	t.sys->tick.oneshot_enabled = oneshot;
	cwt_tick_boot(&t);
	add_local_devices(&t, "slow", old_f, 100);
	start = mid_period(&t, MS(500));
	cw_sim_run_until(t.sim, start);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		before[cpu] = cwt_stats(&t, cpu);
	}
	j0 = cw_jiffies_get(t.sys);
	/* At an arbitrary phase, a third of a period after a boundary. */
	cw_sim_run_until(t.sim, mid_period(&t, MS(900)) - cw_system_tick_nsec(t.sys) / 6);
	add_local_devices(&t, "fast", new_f, 400);
	cw_sim_run_until(t.sim, start + SEC(1));
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		after = cwt_stats(&t, cpu);
		assert_ptr_equal(cw_tick_device(t.sys, cpu), &t.devs[NR_CPUS + cpu]->dev);
		assert_int_equal(cw_clockevent_get_state(&t.devs[cpu]->dev),
				 CW_CLOCKEVENT_STATE_DETACHED);
		assert_int_equal(after.ticks - before[cpu].ticks, hz);
	}
	assert_int_equal(cw_jiffies_get(t.sys) - j0, hz);
	assert_int_equal(cwt_jiffies_error(&t), 0);
	cwt_tick_fini(&t);
}

static void test_better_device_takes_over_without_lost_or_doubled_tick(void **state)
{
	(void)state;
	for (size_t i = 0; i < CW_ARRAY_SIZE(hz_values); i++) {
		/* Emulated periodic -> emulated periodic. */
		takeover_case(hz_values[i], F_O, F_O, false);
		/* Hardware periodic -> hardware periodic, at another phase. */
		takeover_case(hz_values[i], F_P, F_P, false);
		/* Oneshot mode -> oneshot mode. */
		takeover_case(hz_values[i], F_O, F_O, true);
	}
}

static void test_worse_device_is_not_taken_and_becomes_broadcast(void **state)
{
	struct cwt_tick t;
	struct cwt_ced *g;

	(void)state;
	cwt_tick_init(&t, 2, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_tick_boot(&t);
	add_local_devices(&t, "local", F_O, 300);
	/* A global device never replaces a CPU-local one, even with a higher rating. */
	g = cwt_ced_add(&t, "hpet", CW_CLOCKEVENT_ANY_CPU, F_O | F_P, 350);
	assert_ptr_equal(cw_tick_device(t.sys, 0), &t.devs[0]->dev);
	assert_ptr_equal(cw_tick_device(t.sys, 1), &t.devs[1]->dev);
	assert_ptr_equal(cw_tick_broadcast_device(t.sys), &g->dev);
	assert_true(g->dev.is_broadcast);
	assert_true(cwt_log_has(&t, "tick: Broadcast device hpet"));
	cwt_tick_fini(&t);
}

static void test_global_devices_serve_cpus_and_route_their_irq(void **state)
{
	struct cwt_tick t;
	char name[16];

	(void)state;
	cwt_tick_init(&t, 3, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_tick_boot(&t);
	for (unsigned i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "tmu%u", i);
		cwt_ced_add(&t, name, CW_CLOCKEVENT_ANY_CPU, F_O | F_P, 200);
	}
	for (unsigned cpu = 0; cpu < 3; cpu++) {
		struct cw_clock_event_device *d = cw_tick_device(t.sys, cpu);

		assert_non_null(d);
		assert_int_equal(((struct cwt_ced *)(void *)d)->target_cpu, cpu);
	}
	assert_hz_second(&t, mid_period(&t, SEC(2)));
	cwt_tick_fini(&t);
}

/* Ticks @cpu received during [from, to). */
static uint64_t ticks_between(struct cwt_tick *t, unsigned cpu, uint64_t from, uint64_t to)
{
	uint64_t a;

	cw_sim_run_until(t->sim, from);
	a = cwt_stats(t, cpu).ticks;
	cw_sim_run_until(t->sim, to);
	return cwt_stats(t, cpu).ticks - a;
}

static void test_deep_idle_c3stop_without_broadcast_loses_wakeups(void **state)
{
	struct cwt_tick t;
	struct cw_tick_cpu_stats s;
	uint64_t in_window, other;

	(void)state;
	cwt_tick_init(&t, NR_CPUS, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_tick_boot(&t);
	add_local_devices(&t, "lapic", F_O | F_C3, 300);
	/* The port forces the deep state although the core refuses it. */
	cwt_tick_idle(&t, 1, MS(200) + US(100), MS(300) + US(100), true, true);
	cw_sim_run_until(t.sim, MS(200) + US(200));
	other = cwt_stats(&t, 2).ticks;
	/* Up to the window's end: leaving it runs a burst of missed ticks. */
	in_window = ticks_between(&t, 1, MS(200) + US(200), MS(300));
	cw_sim_run_until(t.sim, MS(300) + US(200));
	other = cwt_stats(&t, 2).ticks - other;
	s = cwt_stats(&t, 1);
	print_message("ticks on CPU1 during 100 ms of forced deep idle: %llu (due: 100)\n",
		      (unsigned long long)in_window);
	assert_int_equal(in_window, 0);
	assert_true(s.deep_idle_refused >= 1);
	assert_int_equal(s.deep_idle_entries, 0);
	assert_true(t.devs[1]->lost >= 1);
	/* The other CPUs are not affected and the tick comes back after the window. */
	assert_int_equal(other, 100);
	assert_int_equal(ticks_between(&t, 1, MS(400) + US(500), MS(500) + US(500)), 100);
	assert_int_equal(cwt_jiffies_error(&t), 0);
	cwt_tick_fini(&t);
}

static void deep_idle_broadcast_case(unsigned hz, bool oneshot, unsigned bc_features,
				     enum cw_tick_mode want)
{
	struct cwt_tick t;
	struct cw_tick_cpu_stats s0, s;
	uint64_t p, from, to, got;

	cwt_tick_init(&t, NR_CPUS, hz, CW_CLOCKSOURCE_IS_CONTINUOUS);
	t.sys->tick.oneshot_enabled = oneshot;
	/* Ticks while idle are what is measured: keep the tick running (nohz=off). */
	t.sys->tick.nohz_enabled = false;
	cwt_tick_boot(&t);
	add_local_devices(&t, "lapic", F_O | F_C3, 300);
	cwt_ced_add(&t, "hpet", CW_CLOCKEVENT_ANY_CPU, bc_features, 250);
	p = cw_system_tick_nsec(t.sys);
	cw_sim_run_until(t.sim, MS(100));
	assert_int_equal(cw_tick_mode(t.sys, 1), want);
	/* CPUs 1 and 2 sleep deep for a second, with different phases. */
	cwt_tick_idle(&t, 1, MS(200) + p / 3, MS(1300) + p / 3, true, false);
	cwt_tick_idle(&t, 2, MS(200) + p / 5, MS(1700) + p / 5, true, false);
	from = mid_period(&t, MS(210));
	to = from + SEC(1);
	cw_sim_run_until(t.sim, from);
	s0 = cwt_stats(&t, 1);
	got = ticks_between(&t, 1, from, to);
	s = cwt_stats(&t, 1);
	print_message("HZ=%u %s: CPU1 ticks in 1 s of deep idle %llu, broadcast wakeups %llu, "
		      "deep entries %llu, refused %llu\n",
		      hz, cw_tick_mode_name(want), (unsigned long long)got,
		      (unsigned long long)(s.broadcast_wakeups - s0.broadcast_wakeups),
		      (unsigned long long)s.deep_idle_entries,
		      (unsigned long long)s.deep_idle_refused);
	assert_int_equal(got, hz);
	assert_true(s.broadcast_wakeups - s0.broadcast_wakeups >= hz);
	assert_true(s.deep_idle_entries >= hz);
	assert_int_equal(s.deep_idle_refused, 0);
	assert_int_equal(t.devs[1]->lost, 0);
	assert_int_equal(ticks_between(&t, 2, to, to + SEC(1)), hz);
	assert_int_equal(ticks_between(&t, 1, to + SEC(1), to + SEC(2)), hz);
	assert_int_equal(cwt_jiffies_error(&t), 0);
	cwt_tick_fini(&t);
}

static void test_deep_idle_c3stop_with_oneshot_broadcast_loses_no_tick(void **state)
{
	(void)state;
	for (size_t i = 0; i < CW_ARRAY_SIZE(hz_values); i++) {
		deep_idle_broadcast_case(hz_values[i], true, F_O | F_P, CW_TICK_MODE_ONESHOT);
	}
}

static void test_deep_idle_c3stop_in_periodic_mode_uses_periodic_broadcast(void **state)
{
	(void)state;
	for (size_t i = 0; i < CW_ARRAY_SIZE(hz_values); i++) {
		/* Oneshot disabled: periodic broadcast emulated on a oneshot device. */
		deep_idle_broadcast_case(hz_values[i], false, F_O, CW_TICK_MODE_PERIODIC);
		/* Periodic-only broadcast hardware (PIT-like). */
		deep_idle_broadcast_case(hz_values[i], false, F_P, CW_TICK_MODE_PERIODIC);
	}
}

/*
 * The CPU that takes the broadcast interrupt sleeps deep itself: the
 * interrupt wakes it (idle exit runs first), then the broadcast handler
 * must still run its tick. In periodic mode it lost most of them when
 * idle exit took the CPU off the periodic broadcast.
 */
static void deep_idle_on_broadcast_cpu_case(unsigned hz, bool oneshot, unsigned bc_features,
					    enum cw_tick_mode want)
{
	struct cwt_tick t;
	uint64_t from;

	cwt_tick_init(&t, NR_CPUS, hz, CW_CLOCKSOURCE_IS_CONTINUOUS);
	t.sys->tick.oneshot_enabled = oneshot;
	/* Ticks while idle are what is measured: keep the tick running (nohz=off). */
	t.sys->tick.nohz_enabled = false;
	cwt_tick_boot(&t);
	add_local_devices(&t, "lapic", F_O | F_C3, 300);
	cwt_ced_add(&t, "hpet", CW_CLOCKEVENT_ANY_CPU, bc_features, 250);
	cw_sim_run_until(t.sim, MS(100));
	assert_int_equal(cw_tick_mode(t.sys, 0), want);
	assert_int_equal(t.devs[NR_CPUS]->target_cpu, 0);
	cwt_tick_idle(&t, 0, MS(200), MS(1500), true, false);
	from = mid_period(&t, MS(250));
	assert_int_equal(ticks_between(&t, 0, from, from + SEC(1)), hz);
	assert_int_equal(cwt_jiffies_error(&t), 0);
	cwt_tick_fini(&t);
}

static void test_deep_idle_on_the_broadcast_interrupt_cpu_loses_no_tick(void **state)
{
	(void)state;
	for (size_t i = 0; i < CW_ARRAY_SIZE(hz_values); i++) {
		deep_idle_on_broadcast_cpu_case(hz_values[i], false, F_O, CW_TICK_MODE_PERIODIC);
		deep_idle_on_broadcast_cpu_case(hz_values[i], false, F_P, CW_TICK_MODE_PERIODIC);
		deep_idle_on_broadcast_cpu_case(hz_values[i], true, F_O | F_P,
						CW_TICK_MODE_ONESHOT);
	}
}

/*
 * Hotplug and the broadcast interrupt: taking down the CPU the broadcast
 * device's interrupt goes to moves it to a live CPU, and a device that
 * becomes the broadcast device while that CPU is offline is routed to a
 * live CPU too (its interrupt went to CPU0 when registered). Before,
 * every broadcast went to the offline CPU and was dropped: the deep-idle
 * CPUs lost every tick.
 */
static void broadcast_cpu_down_case(unsigned hz, bool register_after_down)
{
	struct cwt_tick t;
	struct cwt_ced *bc = NULL;
	uint64_t p, from, got;

	cwt_tick_init(&t, NR_CPUS, hz, CW_CLOCKSOURCE_IS_CONTINUOUS);
	/* Ticks while idle are what is measured: keep the tick running (nohz=off). */
	t.sys->tick.nohz_enabled = false;
	cwt_tick_boot(&t);
	add_local_devices(&t, "lapic", F_O | F_C3, 300);
	if (!register_after_down) {
		bc = cwt_ced_add(&t, "hpet", CW_CLOCKEVENT_ANY_CPU, F_O | F_P, 250);
	}
	p = cw_system_tick_nsec(t.sys);
	cw_sim_run_until(t.sim, MS(100));
	assert_int_equal(cw_cpu_down(t.sys, 0), 0);
	if (register_after_down) {
		bc = cwt_ced_add(&t, "hpet", CW_CLOCKEVENT_ANY_CPU, F_O | F_P, 250);
	}
	assert_ptr_equal(cw_tick_broadcast_device(t.sys), &bc->dev);
	cw_sim_run_until(t.sim, MS(150));
	assert_int_equal(cw_tick_mode(t.sys, 1), CW_TICK_MODE_ONESHOT);
	cwt_tick_idle(&t, 1, MS(200) + p / 3, MS(1300) + p / 3, true, false);
	cwt_tick_idle(&t, 2, MS(200) + p / 5, MS(1700) + p / 5, true, false);
	from = mid_period(&t, MS(210));
	got = ticks_between(&t, 1, from, from + SEC(1));
	print_message("HZ=%u, broadcast %s CPU0 down: its interrupt goes to CPU%u; CPU1 ticks in "
		      "1 s of deep idle %llu; dropped on CPU0 %llu\n",
		      hz, register_after_down ? "registered after" : "there before", bc->target_cpu,
		      (unsigned long long)got, (unsigned long long)t.cpu[0].dropped);
	assert_int_equal(got, hz);
	assert_true(cw_cpu_online(t.sys, bc->target_cpu));
	assert_int_equal(ticks_between(&t, 2, from + SEC(1), from + SEC(1) + MS(400)),
			 (uint64_t)hz * 2 / 5);
	assert_int_equal(t.cpu[0].dropped, 0);
	assert_int_equal(t.devs[1]->lost, 0);
	/* CPU0 back: the interrupt stays where it is and nothing is lost. */
	assert_int_equal(cw_cpu_up(t.sys, 0), 0);
	cwt_tick_idle(&t, 3, MS(2000) + p / 7, MS(3100) + p / 7, true, false);
	assert_int_equal(
		ticks_between(&t, 3, mid_period(&t, MS(2010)), mid_period(&t, MS(2010)) + SEC(1)),
		hz);
	assert_int_equal(cwt_jiffies_error(&t), 0);
	cwt_tick_fini(&t);
}

static void test_broadcast_interrupt_follows_cpu_hotplug(void **state)
{
	(void)state;
	for (size_t i = 0; i < CW_ARRAY_SIZE(hz_values); i++) {
		broadcast_cpu_down_case(hz_values[i], false);
		broadcast_cpu_down_case(hz_values[i], true);
	}
}

static void test_c3stop_cpus_stay_periodic_until_oneshot_broadcast_exists(void **state)
{
	struct cwt_tick t;

	(void)state;
	cwt_tick_init(&t, 2, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_tick_boot(&t);
	add_local_devices(&t, "lapic", F_O | F_C3, 300);
	cw_sim_run_until(t.sim, SEC(2));
	assert_int_equal(cw_tick_mode(t.sys, 0), CW_TICK_MODE_PERIODIC);
	cwt_ced_add(&t, "hpet", CW_CLOCKEVENT_ANY_CPU, F_O, 250);
	cw_sim_run_for(t.sim, MS(10));
	assert_int_equal(cw_tick_mode(t.sys, 0), CW_TICK_MODE_ONESHOT);
	assert_int_equal(cw_tick_mode(t.sys, 1), CW_TICK_MODE_ONESHOT);
	cwt_tick_fini(&t);
}

static void dummy_case(unsigned hz, unsigned bc_features, bool oneshot)
{
	struct cwt_tick t;
	struct cw_tick_cpu_stats s0, s;

	cwt_tick_init(&t, NR_CPUS, hz, CW_CLOCKSOURCE_IS_CONTINUOUS);
	t.sys->tick.oneshot_enabled = oneshot;
	cwt_tick_boot(&t);
	cwt_ced_add(&t, "local0", 0, F_O | F_PCPU, 300);
	cwt_ced_add(&t, "local1", 1, F_O | F_PCPU, 300);
	cwt_ced_add(&t, "dummy2", 2, CW_CLOCKEVENT_FEAT_DUMMY | F_PCPU, 100);
	cwt_ced_add(&t, "local3", 3, F_O | F_PCPU, 300);
	cwt_ced_add(&t, "pit", CW_CLOCKEVENT_ANY_CPU, bc_features, 110);
	cw_sim_run_until(t.sim, mid_period(&t, MS(1500)));
	assert_ptr_equal(cw_tick_device(t.sys, 2), &t.devs[2]->dev);
	assert_ptr_equal(cw_tick_broadcast_device(t.sys), &t.devs[4]->dev);
	s0 = cwt_stats(&t, 2);
	assert_hz_second(&t, mid_period(&t, MS(1500)));
	s = cwt_stats(&t, 2);
	assert_int_equal(s.broadcast_wakeups - s0.broadcast_wakeups, hz);
	cwt_tick_fini(&t);
}

static void test_dummy_device_cpu_ticks_through_periodic_broadcast(void **state)
{
	(void)state;
	for (size_t i = 0; i < CW_ARRAY_SIZE(hz_values); i++) {
		dummy_case(hz_values[i], F_P, false);
		dummy_case(hz_values[i], F_O, false);
		/* Others switch to oneshot; the broadcast keeps the DUMMY CPU's periodic tick. */
		dummy_case(hz_values[i], F_O | F_P, true);
	}
}

static void hotplug_case(unsigned hz, bool oneshot)
{
	struct cwt_tick t;
	struct cw_tick_cpu_stats before[NR_CPUS], after;
	uint64_t start;

	cwt_tick_init(&t, NR_CPUS, hz, CW_CLOCKSOURCE_IS_CONTINUOUS);
	t.sys->tick.oneshot_enabled = oneshot;
	cwt_tick_boot(&t);
	add_local_devices(&t, "local", F_O, 300);
	start = mid_period(&t, MS(300));
	cw_sim_run_until(t.sim, start);
	assert_int_equal(cw_tick_do_timer_cpu(t.sys), 0);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		before[cpu] = cwt_stats(&t, cpu);
	}
	cw_sim_run_until(t.sim, start + MS(400) + cw_system_tick_nsec(t.sys) / 7);
	assert_int_equal(cw_cpu_down(t.sys, 0), 0);
	assert_null(cw_tick_device(t.sys, 0));
	assert_int_equal(cw_tick_do_timer_cpu(t.sys), 1);
	assert_int_equal(cw_clockevent_get_state(&t.devs[0]->dev), CW_CLOCKEVENT_STATE_DETACHED);
	assert_null(cw_tick_broadcast_device(t.sys));
	cw_sim_run_until(t.sim, start + SEC(1));
	for (unsigned cpu = 1; cpu < NR_CPUS; cpu++) {
		after = cwt_stats(&t, cpu);
		assert_int_equal(after.ticks - before[cpu].ticks, hz);
	}
	assert_int_equal(cwt_jiffies_error(&t), 0);
	assert_int_equal(cw_cpu_up(t.sys, 0), 0);
	assert_ptr_equal(cw_tick_device(t.sys, 0), &t.devs[0]->dev);
	cw_sim_run_for(t.sim, MS(50));
	assert_int_equal(cw_tick_mode(t.sys, 0),
			 oneshot ? CW_TICK_MODE_ONESHOT : CW_TICK_MODE_PERIODIC);
	assert_hz_second(&t, mid_period(&t, start + SEC(2)));
	assert_int_equal(cw_cpu_down(t.sys, 3), 0);
	assert_int_equal(cw_cpu_down(t.sys, 2), 0);
	assert_int_equal(cw_cpu_down(t.sys, 1), 0);
	assert_int_equal(cw_cpu_down(t.sys, 0), CW_EBUSY);
	assert_int_equal(cw_tick_do_timer_cpu(t.sys), 0);
	assert_hz_second(&t, mid_period(&t, start + SEC(4)));
	cwt_tick_fini(&t);
}

static void test_hotplug_down_up_loses_no_tick_on_others_and_moves_duty(void **state)
{
	(void)state;
	for (size_t i = 0; i < CW_ARRAY_SIZE(hz_values); i++) {
		hotplug_case(hz_values[i], false);
		hotplug_case(hz_values[i], true);
	}
}

static void test_etime_from_driver_retries_without_losing_ticks(void **state)
{
	struct cwt_tick t;

	(void)state;
	cwt_tick_init(&t, 2, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_tick_boot(&t);
	add_local_devices(&t, "local", F_O, 300);
	cw_sim_run_until(t.sim, mid_period(&t, MS(500)));
	assert_int_equal(cw_tick_mode(t.sys, 1), CW_TICK_MODE_ONESHOT);
	t.devs[1]->etime_left = 2;
	assert_hz_second(&t, mid_period(&t, MS(500)));
	assert_int_equal(t.devs[1]->etime_left, 0);
	cwt_tick_fini(&t);
}

/*
 * One owner of jiffies. Without a tick device the port may stand in for the
 * tick (cw_tick_port_do_timer()); as soon as a device takes the do_timer
 * duty the tick layer is the only writer: the stand-in is refused and moves
 * nothing, so jiffies advance exactly once per period with both running.
 */
static void test_port_stand_in_is_refused_once_a_tick_device_owns_jiffies(void **state)
{
	struct cwt_tick t;
	int64_t err0;
	uint64_t j0;

	(void)state;
	cwt_tick_init(&t, 2, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_tick_boot(&t);
	/* No device yet: the stand-in advances jiffies (under the tick layer's lock). */
	j0 = cw_jiffies_get(t.sys);
	assert_int_equal(cw_tick_port_do_timer(t.sys, 3), 0);
	assert_int_equal(cw_jiffies_get(t.sys) - j0, 3);
	assert_int_equal(cw_tick_do_timer_cpu(t.sys), CW_TICK_DO_TIMER_BOOT);

	add_local_devices(&t, "local", F_P | F_O, 300);
	assert_int_equal(cw_tick_do_timer_cpu(t.sys), 0);
	cw_sim_run_until(t.sim, mid_period(&t, MS(10)));
	j0 = cw_jiffies_get(t.sys);
	err0 = cwt_jiffies_error(&t);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(cw_tick_port_do_timer(t.sys, 1), CW_EBUSY);
	}
	assert_int_equal(cw_jiffies_get(t.sys), j0);
	/* One writer: one jiffy per period, whatever the stand-in tried. */
	cw_sim_run_for(t.sim, SEC(1));
	for (int i = 0; i < 100; i++) {
		assert_int_equal(cw_tick_port_do_timer(t.sys, 1), CW_EBUSY);
	}
	assert_int_equal(cw_jiffies_get(t.sys) - j0, 1000);
	/* (The 3 stand-in jiffies before the device stay an offset; nothing adds to it.) */
	assert_int_equal(cwt_jiffies_error(&t), err0);
	cwt_tick_fini(&t);
}

/*
 * Registering a device re-offers only the devices released since their
 * last offer, not every spare device to every CPU: with S spares nobody
 * takes (C3STOP globals below the locals' rating, refused by the
 * broadcast), each registration used to cost S x CPUs cross-CPU calls,
 * which made booting N CPUs quadratic (535,040 calls for 1024 CPUs). A
 * spare is still offered to a CPU that comes online.
 */
static void test_registration_reoffers_only_released_devices(void **state)
{
	struct cwt_tick t;
	struct cwt_ced *spare[4];
	uint64_t calls;

	(void)state;
	cwt_tick_init(&t, NR_CPUS, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_tick_boot(&t);
	add_local_devices(&t, "local", F_O | F_P | F_PCPU, 300);
	for (unsigned i = 0; i < 4; i++) {
		char name[16];

		snprintf(name, sizeof(name), "spare%u", i);
		spare[i] = cwt_ced_add(&t, name, CW_CLOCKEVENT_ANY_CPU, F_O | F_C3, 50);
		assert_int_equal(cw_clockevent_get_state(&spare[i]->dev),
				 CW_CLOCKEVENT_STATE_DETACHED);
	}
	/* A second, worse per-CPU device for CPU 2: offered to CPU 2 only, not taken. */
	calls = t.cpu_calls;
	cwt_ced_add(&t, "extra2", 2, F_O | F_PCPU, 100);
	printf("# registering with 4 spare devices on %u CPUs: %llu cross-CPU calls\n", NR_CPUS,
	       (unsigned long long)(t.cpu_calls - calls));
	assert_true(t.cpu_calls - calls <= 1);
	/* CPU 1 goes down and comes back: its own device is offered to it again. */
	assert_int_equal(cw_cpu_down(t.sys, 1), 0);
	assert_int_equal(cw_clockevent_get_state(&t.devs[1]->dev), CW_CLOCKEVENT_STATE_DETACHED);
	assert_int_equal(cw_cpu_up(t.sys, 1), 0);
	assert_ptr_equal(t.sys->cpus[1].td.evtdev, &t.devs[1]->dev);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(cw_clockevent_get_state(&spare[i]->dev),
				 CW_CLOCKEVENT_STATE_DETACHED);
	}
	cw_sim_run_until(t.sim, MS(100));
	cwt_tick_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_device_takes_do_timer_duty_from_boot),
		cmocka_unit_test(test_port_stand_in_is_refused_once_a_tick_device_owns_jiffies),
		cmocka_unit_test(test_periodic_hardware_ticks_exactly_hz_per_second),
		cmocka_unit_test(test_registration_reoffers_only_released_devices),
		cmocka_unit_test(test_periodic_emulated_on_oneshot_hardware_ticks_exactly_hz),
		cmocka_unit_test(test_oneshot_mode_ticks_exactly_hz_per_second),
		cmocka_unit_test(test_switches_to_oneshot_when_clocksource_becomes_hres_valid),
		cmocka_unit_test(test_oneshot_disabled_keeps_periodic_mode),
		cmocka_unit_test(test_do_timer_duty_moves_off_idle_cpu_and_jiffies_stay_exact),
		cmocka_unit_test(test_all_cpus_idle_keep_jiffies_exact),
		cmocka_unit_test(test_idle_time_is_accounted),
		cmocka_unit_test(test_better_device_takes_over_without_lost_or_doubled_tick),
		cmocka_unit_test(test_worse_device_is_not_taken_and_becomes_broadcast),
		cmocka_unit_test(test_global_devices_serve_cpus_and_route_their_irq),
		cmocka_unit_test(test_deep_idle_c3stop_without_broadcast_loses_wakeups),
		cmocka_unit_test(test_deep_idle_c3stop_with_oneshot_broadcast_loses_no_tick),
		cmocka_unit_test(test_deep_idle_c3stop_in_periodic_mode_uses_periodic_broadcast),
		cmocka_unit_test(test_deep_idle_on_the_broadcast_interrupt_cpu_loses_no_tick),
		cmocka_unit_test(test_c3stop_cpus_stay_periodic_until_oneshot_broadcast_exists),
		cmocka_unit_test(test_broadcast_interrupt_follows_cpu_hotplug),
		cmocka_unit_test(test_dummy_device_cpu_ticks_through_periodic_broadcast),
		cmocka_unit_test(test_hotplug_down_up_loses_no_tick_on_others_and_moves_duty),
		cmocka_unit_test(test_etime_from_driver_retries_without_losing_ticks),
		cmocka_unit_test(test_jiffies_clocksource_advances_one_jiffy_per_periodic_tick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
