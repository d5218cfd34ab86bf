/* SPDX-License-Identifier: MIT */
/*
 * The worked driver example of docs/drivers.md (examples/drivers/acme-timer.c)
 * on a board modelled here: the ACME block's counter and equality-match
 * compare registers over the sim engine, and a minimal port (this CPU,
 * cpu_call, IPIs) around them. Checks that the example does what the guide
 * says: it boots through init_time, every CPU ticks exactly HZ times per
 * second on emulated periodic ticks, and a compare value that is not ahead
 * is reported as CW_ETIME.
 */
#include "cw_test.h"

#include <clockwork/cpu.h>
#include <clockwork/driver/init.h>
#include <clockwork/tick.h>

#include "acme-timer.h"

#define NR_CPUS   2
#define ACME_FREQ 24000000u

typedef unsigned __int128 u128;

struct board {
	struct cw_sim *sim;
	struct cw_system *sys;
	struct cw_port_ops ops;
	int cpu_override;
	struct acme_timer timer;
	struct acme_timer_regs regs;
	uint32_t compare[NR_CPUS];
	bool enabled[NR_CPUS];
	struct cw_sim_event match_ev[NR_CPUS];
	struct cw_sim_event ipi_ev[NR_CPUS];
	unsigned matches[NR_CPUS];
};

/* Counter cycles since time 0 (not wrapped). */
static uint64_t cycles_now(const struct board *b)
{
	return (uint64_t)(((u128)cw_sim_now_ns(b->sim) * ACME_FREQ) / 1000000000u);
}

static uint32_t reg_read_counter(void *hw)
{
	return (uint32_t)cycles_now(hw);
}

static void reg_write_compare(void *hw, unsigned cpu, uint32_t value)
{
	struct board *b = hw;
	uint64_t now = cycles_now(b);
	uint32_t ahead = value - (uint32_t)now;
	uint64_t match;

	/* Equality match: a value equal to the counter now already passed; next chance after a
	 * wrap. */
	match = now + (ahead ? ahead : UINT64_C(1) << 32);
	b->compare[cpu] = value;
	/* The match happens at the start of cycle @match: ceil(match / f). */
	cw_sim_event_schedule(
		b->sim, &b->match_ev[cpu],
		(uint64_t)(((u128)match * 1000000000u + ACME_FREQ - 1) / ACME_FREQ));
}

static void reg_irq_enable(void *hw, unsigned cpu, bool on)
{
	((struct board *)hw)->enabled[cpu] = on;
}

static void reg_irq_ack(void *hw, unsigned cpu)
{
	(void)hw;
	(void)cpu;
}

static void match_fire(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct board *b = ev->data;
	unsigned cpu = cw_sim_current_cpu(sim);

	b->matches[cpu]++;
	if (!b->enabled[cpu]) {
		return;
	}
	cw_irq_enter(b->sys);
	acme_timer_isr(&b->timer, cpu);
	cw_irq_exit(b->sys);
}

static void ipi_fire(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct board *b = ev->data;

	(void)sim;
	cw_irq_enter(b->sys);
	cw_cpu_handle_ipi(b->sys);
	cw_irq_exit(b->sys);
}

static unsigned port_this_cpu(void *ctx)
{
	struct board *b = ctx;

	return b->cpu_override >= 0 ? (unsigned)b->cpu_override : cw_sim_current_cpu(b->sim);
}

static uint64_t port_log_clock(void *ctx)
{
	return cw_sim_now_ns(((struct board *)ctx)->sim);
}

static int port_cpu_call(void *ctx, unsigned cpu, void (*fn)(void *), void *arg)
{
	struct board *b = ctx;
	int saved = b->cpu_override;

	b->cpu_override = (int)cpu;
	fn(arg);
	b->cpu_override = saved;
	return 0;
}

static void port_send_ipi(void *ctx, unsigned cpu)
{
	struct board *b = ctx;

	if (!cw_sim_event_pending(&b->ipi_ev[cpu])) {
		cw_sim_event_schedule(b->sim, &b->ipi_ev[cpu], cw_sim_now_ns(b->sim) + 1000);
	}
}

static void board_init_time(struct cw_system *sys, void *ctx)
{
	struct board *b = ctx;

	assert_int_equal(acme_timer_probe(sys, &b->timer, &b->regs), 0);
}

static const struct cw_machine_ops acme_board = {
	.name = "ACME evaluation board",
	.init_time = board_init_time,
};

static void board_create(struct board *b, unsigned hz)
{
	struct cw_system_config cfg = { .nr_cpus = NR_CPUS, .hz = hz };

	memset(b, 0, sizeof(*b));
	b->cpu_override = -1;
	assert_int_equal(cw_sim_create(7, &b->sim), 0);
	b->ops = (struct cw_port_ops){
		.name = "acme-test",
		.this_cpu = port_this_cpu,
		.log_clock_ns = port_log_clock,
		.cpu_call = port_cpu_call,
		.send_ipi = port_send_ipi,
	};
	b->regs = (struct acme_timer_regs){
		.read_counter = reg_read_counter,
		.write_compare = reg_write_compare,
		.irq_enable = reg_irq_enable,
		.irq_ack = reg_irq_ack,
		.hw = b,
		.freq_hz = ACME_FREQ,
		.nr_cpus = NR_CPUS,
		.irq_base = 29,
	};
	for (unsigned i = 0; i < NR_CPUS; i++) {
		cw_sim_event_init(&b->match_ev[i], match_fire, b);
		b->match_ev[i].cpu = i;
		cw_sim_event_init(&b->ipi_ev[i], ipi_fire, b);
		b->ipi_ev[i].cpu = i;
	}
	cfg.port = &b->ops;
	cfg.port_ctx = b;
	assert_int_equal(cw_system_create(&cfg, &b->sys), 0);
	assert_int_equal(cw_system_set_machine(b->sys, &acme_board, b), 0);
	assert_int_equal(cw_system_boot(b->sys), 0);
}

static void board_destroy(struct board *b)
{
	cw_system_destroy(b->sys);
	cw_sim_destroy(b->sim);
}

static uint64_t ticks_of(struct board *b, unsigned cpu)
{
	struct cw_tick_cpu_stats st;

	assert_int_equal(cw_tick_get_cpu_stats(b->sys, cpu, &st), 0);
	return st.ticks;
}

static void test_acme_example_boots_and_binds_a_tick_device_per_cpu(void **state)
{
	struct board b;

	(void)state;
	board_create(&b, 250);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		assert_ptr_equal(cw_tick_device(b.sys, cpu), &b.timer.cpus[cpu].ced);
	}
	assert_true(cw_log_contains(b.sys, "Machine model: ACME evaluation board"));
	assert_true(cw_log_contains(b.sys, "clocksource: Switched to clocksource acme-counter"));
	board_destroy(&b);
}

static void test_acme_example_ticks_exactly_hz_per_second(void **state)
{
	static const unsigned hzs[] = { 100, 250, 300, 1000 };

	(void)state;
	for (unsigned i = 0; i < sizeof(hzs) / sizeof(hzs[0]); i++) {
		uint64_t t0[NR_CPUS], j0;
		struct board b;

		board_create(&b, hzs[i]);
		cw_sim_run_for(b.sim, SEC(1));
		j0 = cw_jiffies_get(b.sys);
		for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
			t0[cpu] = ticks_of(&b, cpu);
		}
		cw_sim_run_for(b.sim, SEC(1));
		for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
			assert_int_equal(ticks_of(&b, cpu) - t0[cpu], hzs[i]);
		}
		assert_int_equal(cw_jiffies_get(b.sys) - j0, hzs[i]);
		board_destroy(&b);
	}
}

static void test_acme_compare_not_ahead_reports_etime(void **state)
{
	struct cw_clock_event_device *ced;
	struct board b;

	(void)state;
	board_create(&b, 250);
	ced = &b.timer.cpus[1].ced;
	/* Zero cycles ahead: the equality match already passed. */
	assert_int_equal(ced->set_next_event(0, ced), CW_ETIME);
	assert_int_equal(ced->set_next_event(100, ced), 0);
	board_destroy(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acme_example_boots_and_binds_a_tick_device_per_cpu),
		cmocka_unit_test(test_acme_example_ticks_exactly_hz_per_second),
		cmocka_unit_test(test_acme_compare_not_ahead_reports_etime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
