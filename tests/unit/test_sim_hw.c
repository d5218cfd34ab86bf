/* SPDX-License-Identifier: MIT */
/*
 * Simulated timer hardware: the models on their own (counter >= compare,
 * reload, width wrap, affinity, latency, the global timer erratum) and
 * whole machines ticking through the core (HZ ticks per simulated second
 * on each device type, periodic and emulated on oneshot hardware; deep
 * idle with and without broadcast). Deterministic: virtual time only.
 */
#include <clockwork/sim_hw.h>
#include <clockwork/cpu.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/tick.h>

#include "cw_test.h"

#include <inttypes.h>
#include <stdlib.h>

/** A machine for the tests: engine, hardware and a system whose port hooks use the hardware. */
struct hwt {
	struct cw_sim *sim;
	struct cw_sim_hw *hw;
	struct cw_system *sys;
	struct cw_sim_counter *tsc;
	struct cw_port_ops ops;
};

static unsigned hwt_this_cpu(void *ctx)
{
	return cw_sim_current_cpu(((struct hwt *)ctx)->sim);
}

static uint64_t hwt_log_clock(void *ctx)
{
	return cw_sim_now_ns(((struct hwt *)ctx)->sim);
}

static void hwt_send_ipi(void *ctx, unsigned cpu)
{
	cw_sim_hw_send_ipi(((struct hwt *)ctx)->hw, cpu);
}

static int hwt_cpu_call(void *ctx, unsigned cpu, void (*fn)(void *), void *arg)
{
	return cw_sim_hw_run_on(((struct hwt *)ctx)->hw, cpu, fn, arg);
}

/*
 * With @tsc the machine has a continuous clocksource, so the tick layer
 * switches to oneshot mode (periodic ticks emulated on oneshot hardware);
 * without one (jiffies only) the tick stays on periodic hardware.
 */
static struct hwt *hwt_create_cs(unsigned nr_cpus, unsigned hz, const struct cw_sim_hw_params *p,
				 bool with_tsc)
{
	struct hwt *m = calloc(1, sizeof(*m));
	/* These tests count ticks in idle: the tick keeps running there (nohz=off). */
	struct cw_system_config cfg = { .nr_cpus = nr_cpus, .hz = hz, .nohz_off = true };
	struct cw_sim_counter_params tsc = { .name = "tsc", .width_bits = 64, .freq_hz = SEC(1) };

	assert_non_null(m);
	assert_int_equal(cw_sim_create(7, &m->sim), 0);
	assert_int_equal(cw_sim_hw_create(m->sim, NULL, nr_cpus, p, &m->hw), 0);
	m->ops.name = "sim-hw-test";
	m->ops.this_cpu = hwt_this_cpu;
	m->ops.log_clock_ns = hwt_log_clock;
	m->ops.send_ipi = hwt_send_ipi;
	m->ops.cpu_call = hwt_cpu_call;
	cfg.port = &m->ops;
	cfg.port_ctx = m;
	assert_int_equal(cw_system_create(&cfg, &m->sys), 0);
	assert_int_equal(cw_sim_hw_set_system(m->hw, m->sys), 0);
	if (!with_tsc) {
		return m;
	}
	assert_int_equal(cw_sim_counter_create(m->sim, &tsc, &m->tsc), 0);
	assert_int_equal(cw_sim_counter_register(m->tsc, m->sys, 300, CW_CLOCKSOURCE_IS_CONTINUOUS),
			 0);
	return m;
}

static struct hwt *hwt_create(unsigned nr_cpus, unsigned hz, const struct cw_sim_hw_params *p)
{
	return hwt_create_cs(nr_cpus, hz, p, true);
}

static void hwt_destroy(struct hwt *m)
{
	cw_system_destroy(m->sys);
	if (m->tsc) {
		cw_sim_counter_destroy(m->tsc);
	}
	cw_sim_hw_destroy(m->hw);
	cw_sim_destroy(m->sim);
	free(m);
}

static struct cw_sim_hw_timer *hwt_timer(struct hwt *m, struct cw_sim_hw_timer_params p)
{
	struct cw_sim_hw_timer *t;

	assert_int_equal(cw_sim_hw_timer_create(m->hw, &p, &t), 0);
	return t;
}

static uint64_t ticks_of(struct hwt *m, unsigned cpu)
{
	struct cw_tick_cpu_stats st;

	assert_int_equal(cw_tick_get_cpu_stats(m->sys, cpu, &st), 0);
	return st.ticks;
}

/* ---------------------------------------------------------------------- */
/* Models without the core */

static void test_global_timer_comparator_in_past_fires_at_once(void **state)
{
	struct hwt *m = hwt_create(2, 100, NULL);
	struct cw_sim_hw_timer *t =
		hwt_timer(m, (struct cw_sim_hw_timer_params){ .type = CW_SIM_HW_GLOBAL_TIMER });
	struct cw_sim_hw_timer_stats st;
	struct cw_sim_hw_irq_stats is;
	uint64_t cnt;

	(void)state;
	cw_sim_run_for(m->sim, US(10));
	assert_int_equal(cw_sim_hw_timer_read(t, 1, CW_SIM_HW_REG_COUNTER, &cnt), 0);
	/* 100 MHz: 10 us is 1000 counts. */
	assert_int_equal(cnt, 1000);
	assert_int_equal(cw_sim_hw_timer_write(t, 1, CW_SIM_HW_REG_COMPARE, 500), 0);
	assert_int_equal(cw_sim_hw_timer_write(t, 1, CW_SIM_HW_REG_CONTROL,
					       CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ),
			 0);
	cw_sim_run_for(m->sim, 0);
	assert_int_equal(cw_sim_hw_timer_get_stats(t, 1, &st), 0);
	assert_int_equal(st.interrupts, 1);
	assert_int_equal(cw_sim_hw_irq_get_stats(m->hw, 27, &is), 0);
	assert_int_equal(is.delivered, 1);
	/* A future comparator fires exactly when the counter reaches it. */
	assert_int_equal(cw_sim_hw_timer_write(t, 0, CW_SIM_HW_REG_COMPARE, 3000), 0);
	assert_int_equal(cw_sim_hw_timer_write(t, 0, CW_SIM_HW_REG_CONTROL, CW_SIM_HW_CTRL_ENABLE),
			 0);
	cw_sim_run_for(m->sim, US(20) - 1);
	assert_int_equal(cw_sim_hw_timer_get_stats(t, 0, &st), 0);
	assert_int_equal(st.interrupts, 0);
	cw_sim_run_for(m->sim, 1);
	assert_int_equal(cw_sim_hw_timer_get_stats(t, 0, &st), 0);
	assert_int_equal(st.interrupts, 1);
	hwt_destroy(m);
}

/* An unbound device: nothing moves the comparator but the driver itself. */
static uint64_t erratum_spurious(enum cw_sim_hw_clear_order order, uint64_t *storms)
{
	struct hwt *m = hwt_create(1, 100, NULL);
	struct cw_sim_hw_timer *t = hwt_timer(m, (struct cw_sim_hw_timer_params){
							 .type = CW_SIM_HW_GLOBAL_TIMER,
							 .erratum = true,
							 .clear_order = order,
							 .storm_limit = 50,
						 });
	struct cw_clock_event_device *dev = cw_sim_hw_timer_device(t, 0);
	struct cw_sim_hw_timer_stats st;
	struct cw_sim_hw_irq_stats is;

	assert_int_equal(cw_sim_hw_irq_set_latency(m->hw, 27, 100), 0);
	assert_int_equal(dev->set_next_event(1000, dev), 0);
	cw_sim_run_for(m->sim, MS(1));
	assert_int_equal(cw_sim_hw_timer_get_stats(t, 0, &st), 0);
	assert_int_equal(cw_sim_hw_irq_get_stats(m->hw, 27, &is), 0);
	assert_int_equal(st.interrupts, 1);
	printf("clear order %d: %" PRIu64 " spurious, %" PRIu64 " deliveries, %" PRIu64 " storms\n",
	       order, st.spurious, is.delivered, st.storms);
	*storms = st.storms;
	hwt_destroy(m);
	return st.spurious;
}

static void test_global_timer_erratum_storms_when_flag_cleared_first(void **state)
{
	uint64_t storms;

	(void)state;
	assert_int_equal(erratum_spurious(CW_SIM_HW_CLEAR_FLAG_FIRST, &storms), 50);
	assert_int_equal(storms, 1);
}

static void test_global_timer_erratum_quiet_with_documented_order(void **state)
{
	uint64_t storms;

	(void)state;
	assert_int_equal(erratum_spurious(CW_SIM_HW_CLEAR_DOCUMENTED, &storms), 0);
	assert_int_equal(storms, 0);
}

static void test_tmu_channel_reloads_from_tcor_and_wraps(void **state)
{
	struct hwt *m = hwt_create(1, 100, NULL);
	struct cw_sim_hw_timer *t = hwt_timer(m, (struct cw_sim_hw_timer_params){
							 .type = CW_SIM_HW_TMU,
							 .freq_hz = 1000000,
						 });
	struct cw_sim_hw_timer_stats st;
	uint64_t v;

	(void)state;
	/* TCOR = 100 counts (100 us), TCNT = 50: first underflow at 50 us, then every 100 us. */
	assert_int_equal(cw_sim_hw_timer_write(t, 1, CW_SIM_HW_REG_COMPARE, 100), 0);
	assert_int_equal(cw_sim_hw_timer_write(t, 1, CW_SIM_HW_REG_COUNTER, 50), 0);
	assert_int_equal(cw_sim_hw_timer_write(t, 1, CW_SIM_HW_REG_CONTROL,
					       CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ),
			 0);
	cw_sim_run_for(m->sim, US(50) + US(1000));
	assert_int_equal(cw_sim_hw_timer_get_stats(t, 1, &st), 0);
	assert_int_equal(st.wraps, 11);
	assert_int_equal(cw_sim_hw_timer_read(t, 1, CW_SIM_HW_REG_COUNTER, &v), 0);
	assert_int_equal(v, 100);
	cw_sim_run_for(m->sim, US(30));
	assert_int_equal(cw_sim_hw_timer_read(t, 1, CW_SIM_HW_REG_COUNTER, &v), 0);
	assert_int_equal(v, 70);
	hwt_destroy(m);
}

/* The PIT's CONTROL.ENABLE (what its driver's shutdown writes) freezes the count and resumes it. */
static void test_pit_control_stops_and_resumes_the_count(void **state)
{
	struct hwt *m = hwt_create(1, 100, NULL);
	struct cw_sim_hw_timer *t = hwt_timer(m, (struct cw_sim_hw_timer_params){
							 .type = CW_SIM_HW_PIT,
							 .freq_hz = 1000000,
						 });
	struct cw_sim_hw_timer_stats st;
	uint64_t v;

	(void)state;
	/* Latch 1000 counts at 1 MHz: the count starts at once. */
	assert_int_equal(cw_sim_hw_timer_write(t, 0, CW_SIM_HW_REG_COMPARE, 1000), 0);
	cw_sim_run_for(m->sim, US(300));
	assert_int_equal(cw_sim_hw_timer_read(t, 0, CW_SIM_HW_REG_COUNTER, &v), 0);
	assert_int_equal(v, 700);
	assert_int_equal(cw_sim_hw_timer_write(t, 0, CW_SIM_HW_REG_CONTROL, 0), 0);
	assert_int_equal(cw_sim_hw_timer_read(t, 0, CW_SIM_HW_REG_CONTROL, &v), 0);
	assert_int_equal(v & CW_SIM_HW_CTRL_ENABLE, 0);
	cw_sim_run_for(m->sim, US(5000));
	assert_int_equal(cw_sim_hw_timer_read(t, 0, CW_SIM_HW_REG_COUNTER, &v), 0);
	assert_int_equal(v, 700);
	assert_int_equal(cw_sim_hw_timer_get_stats(t, 0, &st), 0);
	assert_int_equal(st.wraps, 0);
	/* Resumed: the 700 counts left run out, then the latch reloads. */
	assert_int_equal(cw_sim_hw_timer_write(t, 0, CW_SIM_HW_REG_CONTROL, CW_SIM_HW_CTRL_ENABLE),
			 0);
	cw_sim_run_for(m->sim, US(700) + US(250));
	assert_int_equal(cw_sim_hw_timer_get_stats(t, 0, &st), 0);
	assert_int_equal(st.wraps, 1);
	assert_int_equal(cw_sim_hw_timer_read(t, 0, CW_SIM_HW_REG_COUNTER, &v), 0);
	assert_int_equal(v, 750);
	hwt_destroy(m);
}

static void test_hpet_32bit_counter_wraps_and_equality_match_waits_a_wrap(void **state)
{
	struct hwt *m = hwt_create(1, 100, NULL);
	struct cw_sim_hw_timer *t = hwt_timer(m, (struct cw_sim_hw_timer_params){
							 .type = CW_SIM_HW_HPET,
							 .freq_hz = 1000000000,
						 });
	struct cw_sim_hw_timer_stats st;
	uint64_t v;

	(void)state;
	/* 1 GHz, 32 bits: wraps every 4.294967296 s. */
	cw_sim_run_for(m->sim, 4294967296ull + 10);
	assert_int_equal(cw_sim_hw_timer_read(t, 0, CW_SIM_HW_REG_COUNTER, &v), 0);
	assert_int_equal(v, 10);
	/* A comparator behind the counter matches only after the next wrap. */
	assert_int_equal(cw_sim_hw_timer_write(t, 0, CW_SIM_HW_REG_COMPARE, 5), 0);
	assert_int_equal(cw_sim_hw_timer_write(t, 0, CW_SIM_HW_REG_CONTROL,
					       CW_SIM_HW_CTRL_ENABLE | CW_SIM_HW_CTRL_IRQ),
			 0);
	cw_sim_run_for(m->sim, SEC(4));
	assert_int_equal(cw_sim_hw_timer_get_stats(t, 0, &st), 0);
	assert_int_equal(st.interrupts, 0);
	cw_sim_run_for(m->sim, SEC(1));
	assert_int_equal(cw_sim_hw_timer_get_stats(t, 0, &st), 0);
	assert_int_equal(st.interrupts, 1);
	hwt_destroy(m);
}

static void irq_count(struct cw_sim_hw *hw, unsigned irq, unsigned cpu, void *arg)
{
	uint64_t *hits = arg;

	(void)hw;
	(void)irq;
	hits[cpu] = cw_sim_now_ns(cw_sim_hw_engine(hw));
	hits[4]++;
}

static void test_irq_affinity_and_latency_route_and_delay_delivery(void **state)
{
	struct cw_sim_hw_params p = { .irq_latency_ns = 500 };
	struct hwt *m = hwt_create(4, 100, &p);
	uint64_t hits[5] = { 0 };
	struct cw_sim_hw_irq_stats is;

	(void)state;
	assert_int_equal(cw_sim_hw_irq_request(m->hw, 60, 0, irq_count, hits), 0);
	assert_int_equal(cw_sim_hw_irq_request(m->hw, 60, 0, irq_count, hits), CW_EBUSY);
	assert_int_equal(cw_sim_hw_irq_affinity(m->hw, 60), 0);
	assert_int_equal(cw_sim_hw_irq_set_affinity(m->hw, 60, 2), 0);
	assert_int_equal(cw_sim_hw_irq_raise(m->hw, 60, CW_SIM_HW_IRQ_AFFINITY), 0);
	assert_int_equal(cw_sim_hw_irq_raise(m->hw, 60, CW_SIM_HW_IRQ_AFFINITY), 0);
	cw_sim_run_for(m->sim, US(1));
	assert_int_equal(hits[2], 500);
	assert_int_equal(hits[4], 1);
	assert_int_equal(cw_sim_hw_irq_set_latency(m->hw, 60, 2000), 0);
	assert_int_equal(cw_sim_hw_irq_set_affinity(m->hw, 60, 3), 0);
	assert_int_equal(cw_sim_hw_irq_raise(m->hw, 60, CW_SIM_HW_IRQ_AFFINITY), 0);
	cw_sim_run_for(m->sim, US(5));
	assert_int_equal(hits[3], US(1) + 2000);
	assert_int_equal(cw_sim_hw_irq_get_stats(m->hw, 60, &is), 0);
	assert_int_equal(is.raised, 3);
	assert_int_equal(is.merged, 1);
	assert_int_equal(is.delivered, 2);
	assert_int_equal(is.affinity_changes, 2);
	hwt_destroy(m);
}

/* ---------------------------------------------------------------------- */
/* Machines ticking through the core */

/* Ticks of every CPU over [1 s, 2 s] of virtual time. */
static void expect_hz_ticks(struct hwt *m, unsigned hz, uint64_t expect)
{
	uint64_t before[8];
	unsigned n = cw_system_nr_cpus(m->sys);

	/* Sample half a tick off the boundaries: exit latencies delay ticks by microseconds. */
	cw_sim_run_until(m->sim, SEC(1) + cw_system_tick_nsec(m->sys) / 2);
	for (unsigned c = 0; c < n; c++) {
		before[c] = ticks_of(m, c);
	}
	cw_sim_run_until(m->sim, SEC(2) + cw_system_tick_nsec(m->sys) / 2);
	for (unsigned c = 0; c < n; c++) {
		uint64_t got = ticks_of(m, c) - before[c];

		printf("HZ=%u cpu %u: %" PRIu64 " ticks in 1 s (%s, %s)\n", hz, c, got,
		       cw_tick_device(m->sys, c) ? cw_tick_device(m->sys, c)->name : "-",
		       cw_tick_mode_name(cw_tick_mode(m->sys, c)));
		assert_int_equal(got, expect);
	}
}

static void machine_ticks_mode(struct cw_sim_hw_timer_params p, unsigned nr_cpus, unsigned hz,
			       uint64_t expect, enum cw_tick_mode mode)
{
	struct hwt *m = hwt_create_cs(nr_cpus, hz, NULL, mode == CW_TICK_MODE_ONESHOT);
	struct cw_sim_hw_timer *t = hwt_timer(m, p);

	assert_int_equal(cw_sim_hw_timer_register(t), 0);
	assert_int_equal(cw_system_boot(m->sys), 0);
	expect_hz_ticks(m, hz, expect);
	for (unsigned c = 0; c < nr_cpus; c++) {
		assert_int_equal(cw_tick_mode(m->sys, c), mode);
	}
	hwt_destroy(m);
}

/* Periodic hardware mode, then emulated on the same hardware in oneshot mode. */
static void machine_ticks(struct cw_sim_hw_timer_params p, unsigned nr_cpus, unsigned hz,
			  uint64_t expect)
{
	machine_ticks_mode(p, nr_cpus, hz, expect, CW_TICK_MODE_PERIODIC);
	machine_ticks_mode(p, nr_cpus, hz, expect, CW_TICK_MODE_ONESHOT);
}

static void test_global_timer_gives_hz_ticks_per_second(void **state)
{
	static const unsigned hzs[] = { 100, 250, 1000 };

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		machine_ticks((struct cw_sim_hw_timer_params){ .type = CW_SIM_HW_GLOBAL_TIMER }, 4,
			      hzs[i], hzs[i]);
	}
}

static void test_arch_timer_oneshot_emulates_hz_ticks(void **state)
{
	(void)state;
	machine_ticks_mode((struct cw_sim_hw_timer_params){ .type = CW_SIM_HW_ARCH_TIMER }, 2, 250,
			   250, CW_TICK_MODE_ONESHOT);
}

static void test_lapic_gives_hz_ticks_per_second(void **state)
{
	(void)state;
	/* C3STOP and no broadcast device: the core keeps it periodic even with a TSC. */
	machine_ticks_mode((struct cw_sim_hw_timer_params){ .type = CW_SIM_HW_LAPIC }, 2, 1000,
			   1000, CW_TICK_MODE_PERIODIC);
}

static void test_tmu_single_cpu_gives_hz_ticks_per_second(void **state)
{
	(void)state;
	machine_ticks((struct cw_sim_hw_timer_params){ .type = CW_SIM_HW_TMU }, 1, 100, 100);
}

static void test_hpet_single_cpu_gives_hz_ticks_per_second(void **state)
{
	(void)state;
	machine_ticks(
		(struct cw_sim_hw_timer_params){ .type = CW_SIM_HW_HPET, .freq_hz = 10000000 }, 1,
		100, 100);
}

static void test_pit_ticks_at_its_rounded_latch(void **state)
{
	struct hwt *m = hwt_create(1, 100, NULL);
	struct cw_sim_hw_timer *t =
		hwt_timer(m, (struct cw_sim_hw_timer_params){ .type = CW_SIM_HW_PIT });
	uint64_t got;

	(void)state;
	assert_int_equal(cw_sim_hw_timer_register(t), 0);
	assert_int_equal(cw_system_boot(m->sys), 0);
	/* LATCH 11932 at 1193182 Hz: a tick is 10.000150 ms; 100 s hold 9999 whole ticks. */
	cw_sim_run_until(m->sim, SEC(100));
	got = ticks_of(m, 0);
	printf("pit: %" PRIu64 " ticks in 100 s\n", got);
	assert_int_equal(got, SEC(100) * 1193182ull / (11932ull * SEC(1)));
	hwt_destroy(m);
}

static void test_tmu_more_channels_than_cpus_each_cpu_ticks(void **state)
{
	struct hwt *m = hwt_create(2, 100, NULL);
	struct cw_sim_hw_timer *t = hwt_timer(m, (struct cw_sim_hw_timer_params){
							 .type = CW_SIM_HW_TMU,
							 .nr_channels = 4,
						 });
	unsigned used = 0;

	(void)state;
	assert_int_equal(cw_sim_hw_timer_register(t), 0);
	assert_int_equal(cw_system_boot(m->sys), 0);
	expect_hz_ticks(m, 100, 100);
	for (unsigned i = 0; i < 4; i++) {
		struct cw_clock_event_device *d = cw_sim_hw_timer_device(t, i);

		printf("%s: %s%s\n", d->name, cw_clockevent_state_name(cw_clockevent_get_state(d)),
		       cw_tick_broadcast_device(m->sys) == d ? " (broadcast)" : "");
		used += cw_tick_device(m->sys, 0) == d || cw_tick_device(m->sys, 1) == d;
	}
	assert_int_equal(used, 2);
	/* Each CPU's channel interrupts that CPU. */
	for (unsigned c = 0; c < 2; c++) {
		struct cw_clock_event_device *d = cw_tick_device(m->sys, c);

		assert_non_null(d);
		assert_int_equal(cw_sim_hw_irq_affinity(m->hw, (unsigned)d->irq), c);
	}
	hwt_destroy(m);
}

static const struct cw_sim_hw_idle_state x86_states[] = {
	{ .name = "C1", .deep = false, .exit_latency_ns = 1000 },
	{ .name = "C3", .deep = true, .exit_latency_ns = 20000 },
};

static struct hwt *x86(bool hpet, bool ignore_busy)
{
	struct cw_sim_hw_params p = {
		.idle_states = x86_states,
		.nr_idle_states = 2,
		.ignore_broadcast_busy = ignore_busy,
	};
	struct hwt *m = hwt_create(2, 250, &p);

	if (hpet) {
		assert_int_equal(cw_sim_hw_timer_register(hwt_timer(m,
								    (struct cw_sim_hw_timer_params){
									    .type = CW_SIM_HW_HPET,
									    .freq_hz = 10000000,
								    })),
				 0);
	}
	assert_int_equal(cw_sim_hw_timer_register(hwt_timer(
				 m, (struct cw_sim_hw_timer_params){ .type = CW_SIM_HW_LAPIC })),
			 0);
	assert_int_equal(cw_system_boot(m->sys), 0);
	return m;
}

static void test_lapic_deep_idle_with_hpet_broadcast_loses_no_tick(void **state)
{
	struct hwt *m = x86(true, false);
	struct cw_sim_hw_cpu_stats cs;
	struct cw_tick_cpu_stats ts;

	(void)state;
	assert_non_null(cw_tick_broadcast_device(m->sys));
	cw_sim_run_until(m->sim, SEC(1));
	/* CPU 1 idles in C3 after every interrupt: its LAPIC stops each time. */
	assert_int_equal(cw_sim_hw_cpu_idle_loop(m->hw, 1, 1), 0);
	/* Stop half a tick past 3 s: the tick due at 3 s may come a few ns late. */
	cw_sim_run_until(m->sim, SEC(3) + MS(2));
	assert_int_equal(cw_sim_hw_cpu_get_stats(m->hw, 1, &cs), 0);
	assert_int_equal(cw_tick_get_cpu_stats(m->sys, 1, &ts), 0);
	printf("cpu1: %" PRIu64 " C3 entries, %" PRIu64 " fallbacks, %" PRIu64
	       " lost timer events, %" PRIu64 " broadcast wakeups, jiffies %" PRIu64 "\n",
	       cs.idle_entries[1], cs.deep_fallbacks, cs.timer_events_lost, ts.broadcast_wakeups,
	       cw_jiffies_get(m->sys));
	assert_true(cs.idle_entries[1] > 0);
	assert_true(ts.broadcast_wakeups > 0);
	assert_int_equal(cs.deep_fallbacks, 0);
	/* Jiffies stay exact: 3 s at HZ=250 since INITIAL_JIFFIES. */
	assert_int_equal(cw_jiffies_get(m->sys) - CW_INITIAL_JIFFIES(250), 750);
	hwt_destroy(m);
}

static void test_lapic_deep_idle_without_broadcast_loses_wakeups_on_broken_platform(void **state)
{
	struct hwt *m = x86(false, true);
	struct cw_sim_hw_cpu_stats cs;
	uint64_t t0;

	(void)state;
	cw_sim_run_until(m->sim, SEC(1));
	t0 = ticks_of(m, 1);
	assert_true(cw_sim_hw_cpu_idle(m->hw, 1, 1) == 1);
	cw_sim_run_until(m->sim, SEC(2));
	assert_int_equal(cw_sim_hw_cpu_get_stats(m->hw, 1, &cs), 0);
	printf("cpu1: forced %" PRIu64 ", lost %" PRIu64 ", ticks in 1 s: %" PRIu64 "\n",
	       cs.deep_forced, cs.timer_events_lost, ticks_of(m, 1) - t0);
	assert_int_equal(cs.deep_forced, 1);
	assert_true(cs.timer_events_lost >= 1);
	assert_int_equal(ticks_of(m, 1) - t0, 0);
	assert_int_equal(cw_sim_hw_cpu_state(m->hw, 1), CW_SIM_HW_CPU_IDLE);
	hwt_destroy(m);
}

static void test_lapic_deep_idle_without_broadcast_falls_back_to_shallow(void **state)
{
	struct hwt *m = x86(false, false);
	struct cw_sim_hw_cpu_stats cs;

	(void)state;
	cw_sim_run_until(m->sim, SEC(1));
	assert_int_equal(cw_sim_hw_cpu_idle(m->hw, 1, 1), 0);
	assert_int_equal(cw_sim_hw_cpu_idle_loop(m->hw, 1, 1), 0);
	expect_hz_ticks(m, 250, 250);
	assert_int_equal(cw_sim_hw_cpu_get_stats(m->hw, 1, &cs), 0);
	assert_true(cs.deep_fallbacks > 0);
	assert_int_equal(cs.timer_events_lost, 0);
	hwt_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_global_timer_comparator_in_past_fires_at_once),
		cmocka_unit_test(test_global_timer_erratum_storms_when_flag_cleared_first),
		cmocka_unit_test(test_global_timer_erratum_quiet_with_documented_order),
		cmocka_unit_test(test_tmu_channel_reloads_from_tcor_and_wraps),
		cmocka_unit_test(test_pit_control_stops_and_resumes_the_count),
		cmocka_unit_test(test_hpet_32bit_counter_wraps_and_equality_match_waits_a_wrap),
		cmocka_unit_test(test_irq_affinity_and_latency_route_and_delay_delivery),
		cmocka_unit_test(test_global_timer_gives_hz_ticks_per_second),
		cmocka_unit_test(test_arch_timer_oneshot_emulates_hz_ticks),
		cmocka_unit_test(test_lapic_gives_hz_ticks_per_second),
		cmocka_unit_test(test_tmu_single_cpu_gives_hz_ticks_per_second),
		cmocka_unit_test(test_hpet_single_cpu_gives_hz_ticks_per_second),
		cmocka_unit_test(test_pit_ticks_at_its_rounded_latch),
		cmocka_unit_test(test_tmu_more_channels_than_cpus_each_cpu_ticks),
		cmocka_unit_test(test_lapic_deep_idle_with_hpet_broadcast_loses_no_tick),
		cmocka_unit_test(
			test_lapic_deep_idle_without_broadcast_loses_wakeups_on_broken_platform),
		cmocka_unit_test(test_lapic_deep_idle_without_broadcast_falls_back_to_shallow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
