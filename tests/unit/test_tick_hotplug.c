// SPDX-License-Identifier: MIT
/*
 * Tick layer and CPU hotplug on a simulated machine with the invariant
 * checker on: per-CPU timers that stop in deep idle (C3STOP) and one HPET
 * broadcast device, CPUs alternating busy and deep idle periods.
 *
 * - The broadcast device's interrupt follows the CPUs: taking down the CPU
 *   it is routed to moves it to a live CPU (Linux migrates every interrupt
 *   off a dying CPU), so the broadcast that wakes deep-idle CPUs for their
 *   timers is never lost. Found by the API fuzzer (check): after CPU0 went
 *   down the HPET interrupt stayed routed to it and every broadcast was
 *   dropped; timers on idle CPUs ran only when their CPU woke for other
 *   reasons, or never.
 */
#include <clockwork/check.h>
#include <clockwork/clockwork.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>
#include <clockwork/driver/clockevent.h>

#include "cwt_machine.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define MS       1000000ll
#define HPET_IRQ 2u

static const char machine_text[] =
	"[machine]\n"
	"name = hotplugbox\n" CWT_MACHINE_DEEPIDLE_CPUS_COUNTER CWT_MACHINE_DEEPIDLE_DEVICES;

/* Short busy bursts, long idle periods in the deep (C3STOP) state. */
static const char workload_text[] = "[workload]\n"
				    "name = deepidle\n"
				    "busy = fixed 1ms\n"
				    "idle = fixed 40ms\n"
				    "idle_state = by_length\n"
				    "deep_after = 5ms\n";

struct fx {
	struct cw_sim *sim;
	struct cw_sim_machine *m;
	struct cw_system *sys;
	struct cw_sim_hw *hw;
};

static void up_opt(struct fx *f, bool workload)
{
	struct cw_sim_machine_desc *d = NULL;
	struct cw_sim_workload_desc *wl = NULL;
	struct cw_system_config cfg;
	char err[CW_SIM_ERR_MAX];

	memset(&cfg, 0, sizeof(cfg));
	cfg.check = CW_CHECK_ON;
	cfg.realtime_init_ns = 1767225600ll * 1000 * MS;
	if (cw_sim_machine_desc_parse_mem(machine_text, strlen(machine_text), "hotplug.ini", &d,
					  err, sizeof(err))) {
		fail_msg("machine: %s", err);
	}
	if (cw_sim_workload_parse_mem(workload_text, strlen(workload_text), "deepidle.ini", &wl,
				      err, sizeof(err))) {
		fail_msg("workload: %s", err);
	}
	assert_int_equal(cw_sim_create(1, &f->sim), 0);
	assert_int_equal(cw_sim_machine_create(f->sim, d, &cfg, NULL, NULL, &f->m), 0);
	cw_sim_machine_desc_free(d);
	f->sys = cw_sim_machine_system(f->m);
	f->hw = cw_sim_machine_hw(f->m);
	assert_int_equal(cw_sim_machine_boot(f->m), 0);
	if (workload) {
		assert_int_equal(cw_sim_machine_start_workload(f->m, wl, NULL, 0), 0);
	}
	cw_sim_workload_desc_free(wl);
	cw_sim_run_for(f->sim, 5 * MS);
}

static void up(struct fx *f)
{
	up_opt(f, true);
}

static void down(struct fx *f)
{
	cw_sim_machine_destroy(f->m);
	cw_sim_destroy(f->sim);
}

struct arm_args {
	struct cwt_hr_probe *p;
	cw_ktime_t expires_ns;
};

static void arm_on_cpu(void *arg)
{
	struct arm_args *a = arg;

	cw_hrtimer_start(&a->p->t, a->expires_ns, CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED);
}

/* Arm one pinned MONOTONIC hrtimer on every online CPU, @delta_ns from now; run; check. */
static void timers_fire_on_every_cpu(struct fx *f, int64_t delta_ns, const char *when)
{
	struct cwt_hr_probe p[3];
	cw_ktime_t due = cw_ktime_get(f->sys) + delta_ns;
	char report[512];

	memset(p, 0, sizeof(p));
	for (unsigned cpu = 0; cpu < 3; cpu++) {
		struct arm_args a = { &p[cpu], due };

		p[cpu].sys = f->sys;
		cw_hrtimer_setup(f->sys, &p[cpu].t, cwt_hr_probe_fn, CW_CLOCK_MONOTONIC, 0);
		if (cw_cpu_online(f->sys, cpu)) {
			assert_int_equal(cw_sim_hw_run_on(f->hw, cpu, arm_on_cpu, &a), 0);
		}
	}
	/* Longer than any idle period: a CPU waking for its workload would run it anyway. */
	cw_sim_run_for(f->sim, delta_ns + 100 * MS);
	for (unsigned cpu = 0; cpu < 3; cpu++) {
		if (!cw_cpu_online(f->sys, cpu)) {
			continue;
		}
		print_message("%s: CPU%u timer due %lld ns: %u run(s), %lld ns late\n", when, cpu,
			      (long long)due, p[cpu].runs,
			      p[cpu].runs ? (long long)(p[cpu].fired_ns - due) : -1ll);
		assert_int_equal(p[cpu].runs, 1);
		/* Deep idle exit (50 us) + interrupt and IPI latency; a lost broadcast is ms. */
		assert_true(p[cpu].fired_ns >= due);
		assert_true(p[cpu].fired_ns - due < 500000);
		cw_hrtimer_cancel(&p[cpu].t);
	}
	if (cw_check_verify(f->sys)) {
		cw_check_report(f->sys, report, sizeof(report));
		fail_msg("%s: %s", when, report);
	}
}

static void test_broadcast_irq_moves_off_a_dying_cpu(void **state)
{
	struct fx f;
	int route;

	(void)state;
	up(&f);
	route = cw_sim_hw_irq_affinity(f.hw, HPET_IRQ);
	print_message("HPET interrupt routed to CPU%d at boot\n", route);
	assert_true(route >= 0);
	timers_fire_on_every_cpu(&f, 10 * MS, "all online");

	/* Take down the CPU the broadcast goes to: it must go somewhere alive. */
	assert_int_equal(cw_cpu_down(f.sys, (unsigned)route), 0);
	route = cw_sim_hw_irq_affinity(f.hw, HPET_IRQ);
	print_message("after the CPU went down: routed to CPU%d\n", route);
	timers_fire_on_every_cpu(&f, 12 * MS, "its CPU down");
	assert_true(cw_cpu_online(f.sys, (unsigned)route));

	/* The fuzzer's sequence: down, up, down the same CPU. */
	for (unsigned cpu = 0; cpu < 3; cpu++) {
		if (!cw_cpu_online(f.sys, cpu)) {
			assert_int_equal(cw_cpu_up(f.sys, cpu), 0);
		}
	}
	assert_int_equal(cw_cpu_down(f.sys, 0), 0);
	assert_int_equal(cw_cpu_up(f.sys, 0), 0);
	assert_int_equal(cw_cpu_down(f.sys, 0), 0);
	assert_int_equal(cw_cpu_down(f.sys, 1), 0);
	route = cw_sim_hw_irq_affinity(f.hw, HPET_IRQ);
	print_message("CPU0 and CPU1 down: routed to CPU%d\n", route);
	assert_int_equal(route, 2);
	timers_fire_on_every_cpu(&f, 30 * MS, "CPU0,1 down");
	assert_int_equal(cw_cpu_up(f.sys, 0), 0);
	assert_int_equal(cw_cpu_up(f.sys, 1), 0);
	timers_fire_on_every_cpu(&f, 7 * MS, "all back");
	down(&f);
}

/*
 * The broadcast interrupt is already raised for the CPU being taken down
 * (in flight: interrupt latency and that CPU's exit from deep idle) when
 * it goes offline. The delivery is lost with the CPU, and the broadcast,
 * still armed for that passed event, was never armed again: the other
 * deep-idle CPU slept through its timer for good. Found by spans2 with
 * the API fuzzer (a wheel timer 37 jiffies late after CPU0 went down).
 */
static void test_broadcast_in_flight_to_a_dying_cpu_is_not_lost(void **state)
{
	struct fx f;
	struct cw_clock_event_device *bc;
	struct cwt_hr_probe p0, p1;
	struct arm_args a0 = { &p0, 0 }, a1 = { &p1, 0 };
	cw_ktime_t now, event;
	char report[512];

	(void)state;
	up_opt(&f, false);
	cw_sim_run_for(f.sim, 20 * MS);
	bc = cw_tick_broadcast_device(f.sys);
	assert_non_null(bc);
	assert_int_equal(cw_sim_hw_irq_affinity(f.hw, HPET_IRQ), 0);
	memset(&p0, 0, sizeof(p0));
	memset(&p1, 0, sizeof(p1));
	p0.sys = p1.sys = f.sys;
	cw_hrtimer_setup(f.sys, &p0.t, cwt_hr_probe_fn, CW_CLOCK_MONOTONIC, 0);
	cw_hrtimer_setup(f.sys, &p1.t, cwt_hr_probe_fn, CW_CLOCK_MONOTONIC, 0);
	now = cw_ktime_get(f.sys);
	a0.expires_ns = now + 3 * MS;
	a1.expires_ns = now + 9 * MS;
	assert_int_equal(cw_sim_hw_run_on(f.hw, 0, arm_on_cpu, &a0), 0);
	assert_int_equal(cw_sim_hw_run_on(f.hw, 1, arm_on_cpu, &a1), 0);
	/* CPU0 and CPU1 sleep deep (state 1, 50 us exit); the broadcast covers both. */
	assert_int_equal(cw_sim_hw_cpu_idle_loop(f.hw, 0, 1), 0);
	assert_int_equal(cw_sim_hw_cpu_idle_loop(f.hw, 1, 1), 0);
	cw_sim_run_for(f.sim, 100000);
	event = bc->next_event_ns;
	print_message("broadcast armed for %lld ns (CPU0 timer %lld, CPU1 timer %lld)\n",
		      (long long)event, (long long)a0.expires_ns, (long long)a1.expires_ns);
	assert_true(event <= a0.expires_ns);
	/* 2 us after it fired: the interrupt is on its way to CPU0, which is waking. */
	cw_sim_run_for(f.sim, (uint64_t)(event - cw_ktime_get(f.sys)) + 2000);
	assert_int_equal(p0.runs, 0);
	assert_int_equal(cw_sim_hw_cpu_offline(f.hw, 0), 0);
	cw_sim_run_for(f.sim, 30 * MS);
	print_message("CPU0 timer (moved off CPU0): %u run(s), %lld ns late; CPU1 timer: %u "
		      "run(s), %lld ns late\n",
		      p0.runs, p0.runs ? (long long)(p0.fired_ns - a0.expires_ns) : -1ll, p1.runs,
		      p1.runs ? (long long)(p1.fired_ns - a1.expires_ns) : -1ll);
	assert_int_equal(p0.runs, 1);
	assert_int_equal(p1.runs, 1);
	assert_true(p1.fired_ns >= a1.expires_ns);
	assert_true(p1.fired_ns - a1.expires_ns < 500000);
	if (cw_check_verify(f.sys)) {
		cw_check_report(f.sys, report, sizeof(report));
		fail_msg("%s", report);
	}
	cw_hrtimer_cancel(&p0.t);
	cw_hrtimer_cancel(&p1.t);
	down(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_broadcast_irq_moves_off_a_dying_cpu),
		cmocka_unit_test(test_broadcast_in_flight_to_a_dying_cpu_is_not_lost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
