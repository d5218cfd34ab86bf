// SPDX-License-Identifier: MIT
/*
 * The component table (src/core/component.h, components.c): its shape and
 * the order constraints system.c and cpu.c rely on when they walk it.
 *
 *  - every row has a name, unique;
 *  - a row flagged CW_COMPONENT_PERCPU_TIMERS has a step that moves its
 *    timers off a CPU going offline (cpu_dead on a survivor, or cpu_dying
 *    on the CPU), and the hrtimer and timer rows carry that flag;
 *  - soft-work bits and IPI kinds are single bits, owned by at most one
 *    row each, with a handler exactly when a bit is set; every soft-work
 *    bit and every IPI kind but CW_IPI_KICK has its owner;
 *  - the orders the core had when it named these calls: soft work hrtimer
 *    then wheel, IPIs broadcast then hrtimer (vector order: lowest bit
 *    first); the wheel set up before the tick (which installs its kick);
 *    on the way down, the tick's dying step before the hrtimer's (reverse
 *    table order) and the wheel's dead step before clockevents' re-offer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/system-internal.h"
#include "core/component.h"
#include "core/cpu-internal.h"

static const struct cw_component *row(const char *name, unsigned *index)
{
	if (index) {
		*index = ~0u; /* fail_msg() does not return, but the optimizer cannot know */
	}
	for (unsigned i = 0; i < cw__nr_components; i++) {
		if (strcmp(cw__components[i].name, name) == 0) {
			if (index) {
				*index = i;
			}
			return &cw__components[i];
		}
	}
	fail_msg("no component row named \"%s\"", name);
	return NULL;
}

static bool one_bit(unsigned v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static void test_names_unique(void **state)
{
	(void)state;
	assert_true(cw__nr_components > 0);
	for (unsigned i = 0; i < cw__nr_components; i++) {
		assert_non_null(cw__components[i].name);
		assert_true(cw__components[i].name[0] != '\0');
		for (unsigned j = 0; j < i; j++) {
			if (strcmp(cw__components[i].name, cw__components[j].name) == 0) {
				fail_msg("rows %u and %u are both \"%s\"", j, i,
					 cw__components[i].name);
			}
		}
	}
}

static void test_percpu_timers_have_dead_cpu_step(void **state)
{
	unsigned flagged = 0;

	(void)state;
	for (unsigned i = 0; i < cw__nr_components; i++) {
		const struct cw_component *co = &cw__components[i];

		if (!(co->flags & CW_COMPONENT_PERCPU_TIMERS)) {
			continue;
		}
		flagged++;
		if (!co->cpu_dead && !co->cpu_dying) {
			fail_msg("component \"%s\" owns per-CPU timers but has no dead-CPU step "
				 "(cpu_dead or cpu_dying): they would stay on an offline CPU",
				 co->name);
		}
	}
	/* The two timer components say so (a dropped flag would hide a missing step). */
	assert_true(row("hrtimer", NULL)->flags & CW_COMPONENT_PERCPU_TIMERS);
	assert_true(row("timer", NULL)->flags & CW_COMPONENT_PERCPU_TIMERS);
	assert_true(flagged >= 2);
	/* Rows with per-CPU arrays count them in cw_system_cpu_state_bytes(). */
	assert_non_null(row("cpu", NULL)->cpu_bytes);
	assert_non_null(row("hrtimer", NULL)->cpu_bytes);
	assert_non_null(row("timer", NULL)->cpu_bytes);
	/* The wheel's timers move from a survivor (timers_dead_cpu). */
	assert_non_null(row("timer", NULL)->cpu_dead);
}

static void test_vectors_distinct(void **state)
{
	unsigned softirqs = 0, ipis = 0;

	(void)state;
	for (unsigned i = 0; i < cw__nr_components; i++) {
		const struct cw_component *co = &cw__components[i];

		if (co->softirq) {
			if (!one_bit(co->softirq)) {
				fail_msg("\"%s\": soft-work bits 0x%x are not one bit", co->name,
					 co->softirq);
			}
			if (softirqs & co->softirq) {
				fail_msg("\"%s\": soft-work bit 0x%x has two owners", co->name,
					 co->softirq);
			}
			softirqs |= co->softirq;
		}
		if ((co->softirq != 0) != (co->softirq_fn != NULL)) {
			fail_msg("\"%s\": soft-work bit and handler must come together", co->name);
		}
		if (co->ipi) {
			if (!one_bit(co->ipi)) {
				fail_msg("\"%s\": IPI kinds 0x%x are not one bit", co->name,
					 co->ipi);
			}
			if (ipis & co->ipi) {
				fail_msg("\"%s\": IPI kind 0x%x has two owners", co->name, co->ipi);
			}
			ipis |= co->ipi;
		}
		if ((co->ipi != 0) != (co->ipi_fn != NULL)) {
			fail_msg("\"%s\": IPI kind and handler must come together", co->name);
		}
	}
	/* Every raised soft work runs; every IPI kind but the bare wake-up is handled. */
	assert_int_equal(softirqs, CW_SOFTIRQ_HRTIMER | CW_SOFTIRQ_TIMER | CW_SOFTIRQ_TMIGR);
	assert_int_equal(ipis, CW_IPI_TICK_BROADCAST | CW_IPI_HRTIMER);
	assert_int_equal(ipis & CW_IPI_KICK, 0);
	assert_int_equal(row("hrtimer", NULL)->softirq, CW_SOFTIRQ_HRTIMER);
	assert_int_equal(row("timer", NULL)->softirq, CW_SOFTIRQ_TIMER);
	assert_int_equal(row("tmigr", NULL)->softirq, CW_SOFTIRQ_TMIGR);
	assert_int_equal(row("tick", NULL)->ipi, CW_IPI_TICK_BROADCAST);
	assert_int_equal(row("hrtimer", NULL)->ipi, CW_IPI_HRTIMER);
}

static void test_orders(void **state)
{
	unsigned tick, hrtimer, timer, clockevents, cpu;

	(void)state;
	row("tick", &tick);
	row("hrtimer", &hrtimer);
	row("timer", &timer);
	row("clockevents", &clockevents);
	row("cpu", &cpu);
	/* Vector order (lowest bit first): hrtimer soft work before the wheel's ... */
	assert_true(CW_SOFTIRQ_HRTIMER < CW_SOFTIRQ_TIMER);
	/* ... and the broadcast tick before the hrtimer re-evaluation. */
	assert_true(CW_IPI_TICK_BROADCAST < CW_IPI_HRTIMER);
	/* Creation: the per-CPU array before the bases; the wheel before the tick (its kick). */
	assert_true(cpu < hrtimer && cpu < timer);
	assert_true(timer < tick);
	/* Down (reverse order): the tick cancels the sched timer before hrtimers move. */
	assert_true(hrtimer < tick);
	assert_non_null(row("tick", NULL)->cpu_dying);
	assert_non_null(row("hrtimer", NULL)->cpu_dying);
	/* Dead steps (reverse order): the wheel's timers move before devices are re-offered. */
	assert_true(clockevents < timer);
	assert_non_null(row("clockevents", NULL)->cpu_dead);
	/* Up: the wheel's prepare step readies the bases before the CPU is online. */
	assert_non_null(row("timer", NULL)->cpu_prepare);
	assert_non_null(row("clockevents", NULL)->cpu_online);
}

static void test_teardown_needs_init(void **state)
{
	(void)state;
	/* A row that releases something must have set it up (creation unwinds by teardown). */
	for (unsigned i = 0; i < cw__nr_components; i++) {
		if (cw__components[i].teardown && !cw__components[i].init) {
			fail_msg("\"%s\": teardown without init", cw__components[i].name);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_unique),
		cmocka_unit_test(test_percpu_timers_have_dead_cpu_step),
		cmocka_unit_test(test_vectors_distinct),
		cmocka_unit_test(test_orders),
		cmocka_unit_test(test_teardown_needs_init),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
