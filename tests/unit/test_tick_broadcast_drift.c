// SPDX-License-Identifier: MIT
/*
 * The oneshot broadcast under a drifting clocksource, on a simulated
 * machine: per-CPU timers that stop in deep idle (C3STOP), one HPET
 * broadcast device, and a clocksource counter that starts to run 3 % fast
 * (what default-soc's cpu_cycles does from 2.3 s until the watchdog
 * catches it). Devices count their own time, so an event programmed D
 * ahead lands D x 3 % late in MONOTONIC.
 *
 * The broadcast was re-armed only for events earlier than its own: a CPU
 * entering deep idle with an event at or just after the broadcast's was
 * woken by a programming made for another CPU long before, milliseconds
 * late (cwsim --seed 77 and 14: 4 and 6 ms, the broadcast programmed 496 ms
 * earlier for the watchdog's timer; a CPU that woke for something else
 * with its event expired then waited in the force mask for that late
 * broadcast). Its own tick device, programmed at idle entry, would have
 * been a few us late.
 */
#include <clockwork/check.h>
#include <clockwork/clockwork.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>
#include <clockwork/tick.h>
#include <clockwork/driver/clockevent.h>

#include "cwt_machine.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define US 1000ll
#define MS 1000000ll

static const char machine_text[] =
	"[machine]\n"
	"name = driftbox\n" CWT_MACHINE_DEEPIDLE_CPUS_COUNTER CWT_MACHINE_DEEPIDLE_DEVICES;

struct fx {
	struct cw_sim *sim;
	struct cw_sim_machine *m;
	struct cw_system *sys;
	struct cw_sim_hw *hw;
};

static void up(struct fx *f)
{
	struct cw_sim_machine_desc *d = NULL;
	struct cw_system_config cfg;
	char err[CW_SIM_ERR_MAX];

	memset(&cfg, 0, sizeof(cfg));
	cfg.realtime_init_ns = 1767225600ll * 1000 * MS;
	if (cw_sim_machine_desc_parse_mem(machine_text, strlen(machine_text), "drift.ini", &d, err,
					  sizeof(err))) {
		fail_msg("machine: %s", err);
	}
	assert_int_equal(cw_sim_create(1, &f->sim), 0);
	assert_int_equal(cw_sim_machine_create(f->sim, d, &cfg, NULL, NULL, &f->m), 0);
	cw_sim_machine_desc_free(d);
	f->sys = cw_sim_machine_system(f->m);
	f->hw = cw_sim_machine_hw(f->m);
	assert_int_equal(cw_sim_machine_boot(f->m), 0);
	/* Past the switch to high resolution, no workload: nothing else wakes the CPUs. */
	cw_sim_run_for(f->sim, 25 * MS);
}

static void down(struct fx *f)
{
	cw_sim_machine_destroy(f->m);
	cw_sim_destroy(f->sim);
}

static void arm_on_cpu(void *arg)
{
	struct cwt_hr_probe *p = arg;

	cw_hrtimer_start(&p->t, p->expires_ns, CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED);
}

static void probe_arm(struct fx *f, struct cwt_hr_probe *p, unsigned cpu, cw_ktime_t expires_ns)
{
	memset(p, 0, sizeof(*p));
	p->sys = f->sys;
	p->expires_ns = expires_ns;
	cw_hrtimer_setup(f->sys, &p->t, cwt_hr_probe_fn, CW_CLOCK_MONOTONIC, 0);
	assert_int_equal(cw_sim_hw_run_on(f->hw, cpu, arm_on_cpu, p), 0);
}

static void probe_expect_on_time(const struct cwt_hr_probe *p, const char *what)
{
	print_message("%s: due %lld ns, %u run(s), %lld ns late\n", what, (long long)p->expires_ns,
		      p->runs, p->runs ? (long long)(p->fired_ns - p->expires_ns) : -1ll);
	assert_int_equal(p->runs, 1);
	assert_true(p->fired_ns >= p->expires_ns);
	/*
	 * Deep idle exit (50 us), interrupt and IPI latency, and 3 % of the
	 * few ms a device armed at idle entry waits: ~0.15 ms. A broadcast
	 * programmed 300 ms earlier is 9 ms late.
	 */
	assert_true(p->fired_ns - p->expires_ns < 500 * US);
}

/*
 * CPU1 sleeps deep for 300 ms: the broadcast is programmed 300 ms ahead.
 * Then the clocksource runs 3 % fast. Near the end, CPU0 arms a timer due
 * @after_ns after CPU1's (0: the same expiry, the broadcast is not earlier
 * than CPU0's event so it was not re-armed) and sleeps deep too.
 */
static void deep_sleeper_after_an_old_broadcast(cw_ktime_t after_ns, cw_ktime_t lead_ns)
{
	struct fx f;
	struct cw_clock_event_device *bc;
	struct cw_sim_counter *cnt;
	struct cwt_hr_probe p0, p1;
	struct cw_tick_cpu_stats st;
	cw_ktime_t t0;
	char report[512];

	up(&f);
	bc = cw_tick_broadcast_device(f.sys);
	assert_non_null(bc);
	cnt = cw_sim_machine_counter(f.m, "cnt");
	assert_non_null(cnt);
	t0 = cw_ktime_get(f.sys);
	probe_arm(&f, &p1, 1, t0 + 300 * MS);
	assert_int_equal(cw_sim_hw_cpu_idle_loop(f.hw, 1, 1), 0);
	cw_sim_run_for(f.sim, 100 * US);
	print_message("broadcast armed for %lld ns, CPU1 timer %lld ns\n",
		      (long long)bc->next_event_ns, (long long)p1.expires_ns);
	assert_int_equal(bc->next_event_ns, p1.expires_ns);
	/* From now on MONOTONIC runs 3 % fast against every device. */
	cw_sim_counter_set_drift(cnt, 30000000);
	/* Until @lead_ns before CPU1's timer, in MONOTONIC (~291 ms of virtual time). */
	cw_sim_run_for(f.sim,
		       (uint64_t)((p1.expires_ns - lead_ns - cw_ktime_get(f.sys)) * 100 / 103));
	assert_int_equal(p1.runs, 0);
	probe_arm(&f, &p0, 0, p1.expires_ns + after_ns);
	assert_int_equal(cw_sim_hw_cpu_idle_loop(f.hw, 0, 1), 0);
	cw_sim_run_for(f.sim, 20 * MS);
	assert_int_equal(cw_tick_get_cpu_stats(f.sys, 0, &st), 0);
	print_message("CPU0 went idle %lld ns before CPU1's timer: deep idle entries %llu, "
		      "refused %llu\n",
		      (long long)lead_ns, (unsigned long long)st.deep_idle_entries,
		      (unsigned long long)st.deep_idle_refused);
	assert_true(st.deep_idle_entries + st.deep_idle_refused >= 1);
	probe_expect_on_time(&p0, "CPU0");
	probe_expect_on_time(&p1, "CPU1 (deep idle 300 ms)");
	/* The checker's bounds are for ~1000 ppm of mismatch, not 3 %: only report it. */
	if (cw_check_verify(f.sys)) {
		cw_check_report(f.sys, report, sizeof(report));
		print_message("checker: %s\n", report);
	}
	cw_hrtimer_cancel(&p0.t);
	cw_hrtimer_cancel(&p1.t);
	down(&f);
}

static void test_deep_idle_with_the_broadcasts_expiry_is_not_late(void **state)
{
	(void)state;
	deep_sleeper_after_an_old_broadcast(0, 3 * MS);
}

static void test_deep_idle_just_after_the_broadcasts_expiry_is_not_late(void **state)
{
	(void)state;
	deep_sleeper_after_an_old_broadcast(100 * US, 3 * MS);
}

/*
 * The cwsim --seed 14 shape: CPU0 goes deep 100 us before the broadcast's
 * event, with the same expiry. Re-programming a device that close could
 * drop an interrupt it already raised; the CPU stays shallow on its own
 * device instead.
 */
static void test_deep_idle_just_before_the_broadcasts_expiry_is_not_late(void **state)
{
	(void)state;
	deep_sleeper_after_an_old_broadcast(0, 100 * US);
}

/*
 * The cwsim --seed 77 shape: CPU0 sleeps deep with an event just after the
 * old broadcast's, wakes for something else (an IPI) once that event has
 * expired, and waits in the force mask for the broadcast interrupt.
 */
static void noop(void *arg)
{
	(void)arg;
}

static void test_woken_with_an_expired_event_gets_its_tick_soon(void **state)
{
	struct fx f;
	struct cw_sim_counter *cnt;
	struct cwt_hr_probe p0, p1;
	cw_ktime_t t0;

	(void)state;
	up(&f);
	cnt = cw_sim_machine_counter(f.m, "cnt");
	assert_non_null(cnt);
	t0 = cw_ktime_get(f.sys);
	probe_arm(&f, &p1, 1, t0 + 300 * MS);
	assert_int_equal(cw_sim_hw_cpu_idle_loop(f.hw, 1, 1), 0);
	cw_sim_run_for(f.sim, 100 * US);
	cw_sim_counter_set_drift(cnt, 30000000);
	cw_sim_run_for(f.sim,
		       (uint64_t)((p1.expires_ns - 3 * MS - cw_ktime_get(f.sys)) * 100 / 103));
	probe_arm(&f, &p0, 0, p1.expires_ns + 500 * US);
	assert_int_equal(cw_sim_hw_cpu_idle_loop(f.hw, 0, 1), 0);
	/* 1 ms after CPU0's event (MONOTONIC): wake it with a call. */
	cw_sim_run_for(f.sim,
		       (uint64_t)((p0.expires_ns + 1 * MS - cw_ktime_get(f.sys)) * 100 / 103));
	if (p0.runs == 0) {
		assert_int_equal(cw_sim_hw_run_on(f.hw, 0, noop, NULL), 0);
	}
	cw_sim_run_for(f.sim, 20 * MS);
	print_message("CPU0: due %lld ns, %u run(s), %lld ns late\n", (long long)p0.expires_ns,
		      p0.runs, p0.runs ? (long long)(p0.fired_ns - p0.expires_ns) : -1ll);
	probe_expect_on_time(&p0, "CPU0 (woken by a call)");
	probe_expect_on_time(&p1, "CPU1");
	cw_hrtimer_cancel(&p0.t);
	cw_hrtimer_cancel(&p1.t);
	down(&f);
}

/*
 * Both CPUs went to deep idle before the drift (no entry refreshed the
 * broadcast since): CPU0, woken by a call 1 ms after its event expired,
 * joins the force mask and waits for the broadcast interrupt. That
 * interrupt is overdue by far more than any delivery takes: the hardware
 * is late, so the exit re-arms the broadcast to fire now, which also runs
 * CPU1's expired event.
 */
static void test_woken_while_the_broadcast_is_overdue_gets_its_tick_soon(void **state)
{
	struct fx f;
	struct cw_sim_counter *cnt;
	struct cwt_hr_probe p0, p1;
	cw_ktime_t t0, woke;

	(void)state;
	up(&f);
	cnt = cw_sim_machine_counter(f.m, "cnt");
	assert_non_null(cnt);
	t0 = cw_ktime_get(f.sys);
	probe_arm(&f, &p1, 1, t0 + 300 * MS);
	probe_arm(&f, &p0, 0, t0 + 300 * MS + 500 * US);
	assert_int_equal(cw_sim_hw_cpu_idle_loop(f.hw, 1, 1), 0);
	assert_int_equal(cw_sim_hw_cpu_idle_loop(f.hw, 0, 1), 0);
	cw_sim_run_for(f.sim, 100 * US);
	cw_sim_counter_set_drift(cnt, 30000000);
	/* 1 ms after CPU0's event (MONOTONIC). */
	cw_sim_run_for(f.sim,
		       (uint64_t)((p0.expires_ns + 1 * MS - cw_ktime_get(f.sys)) * 100 / 103));
	assert_int_equal(p0.runs, 0);
	assert_int_equal(p1.runs, 0);
	woke = cw_ktime_get(f.sys);
	assert_int_equal(cw_sim_hw_run_on(f.hw, 0, noop, NULL), 0);
	cw_sim_run_for(f.sim, 20 * MS);
	print_message("woken at %lld ns; CPU0: due %lld ns, %u run(s), %lld ns after the wake-up; "
		      "CPU1: due %lld ns, %u run(s), %lld ns after\n",
		      (long long)woke, (long long)p0.expires_ns, p0.runs,
		      p0.runs ? (long long)(p0.fired_ns - woke) : -1ll, (long long)p1.expires_ns,
		      p1.runs, p1.runs ? (long long)(p1.fired_ns - woke) : -1ll);
	assert_int_equal(p0.runs, 1);
	assert_int_equal(p1.runs, 1);
	/* IPI + deep idle exit, the broadcast's min delta and interrupt, an IPI: ~0.1 ms. */
	assert_true(p0.fired_ns - woke < 500 * US);
	assert_true(p1.fired_ns - woke < 500 * US);
	cw_hrtimer_cancel(&p0.t);
	cw_hrtimer_cancel(&p1.t);
	down(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deep_idle_with_the_broadcasts_expiry_is_not_late),
		cmocka_unit_test(test_deep_idle_just_after_the_broadcasts_expiry_is_not_late),
		cmocka_unit_test(test_deep_idle_just_before_the_broadcasts_expiry_is_not_late),
		cmocka_unit_test(test_woken_with_an_expired_event_gets_its_tick_soon),
		cmocka_unit_test(test_woken_while_the_broadcast_is_overdue_gets_its_tick_soon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
