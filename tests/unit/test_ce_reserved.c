/* SPDX-License-Identifier: MIT */
/*
 * The RESERVED clock event state (clockevents-internal.h): a holder takes an
 * unused device out of the framework. The tick layer and the broadcast
 * never take it (offers on registration, on hotplug and re-offer rounds,
 * replacement on unbind), the framework's operations on it are refused with
 * CW_EBUSY and a log line naming the holder, the holder drives the hardware
 * and gets its interrupts, and releasing it gives it back: it becomes a
 * CPU's tick device or the broadcast device. Fake devices on the tick test
 * port (tests/support/cwt_tick.h), virtual time.
 */
#include "cwt_tick.h"

#include "core/system-internal.h"
#include "core/clockevents-internal.h"

#define F_P    CW_CLOCKEVENT_FEAT_PERIODIC
#define F_O    CW_CLOCKEVENT_FEAT_ONESHOT
#define F_C3   CW_CLOCKEVENT_FEAT_C3STOP
#define F_PCPU CW_CLOCKEVENT_FEAT_PERCPU

static const char owner_a[] = "test-holder";
static const char owner_b[] = "other-holder";

/** What the holder's handler saw. */
struct holder {
	struct cwt_tick *t;
	unsigned fires;
	cw_ktime_t last_ns;
	unsigned last_cpu;
};

static void holder_handler(struct cw_clock_event_device *dev)
{
	struct holder *h = dev->reserved_data;

	h->fires++;
	h->last_ns = cw_ktime_get(h->t->sys);
	h->last_cpu = cw_sim_current_cpu(h->t->sim);
}

static cw_ktime_t now(struct cwt_tick *t)
{
	return cw_ktime_get(t->sys);
}

/*
 * Two CPUs without local timers: g0 and g1 serve them, gbc is the broadcast
 * device, the worse spare s is unused. Reserved, s is skipped when CPU1
 * comes back with nothing else to use (it gets the claim component's pool
 * dummy instead); released, it is unused again and the tick layer takes it
 * as a replacement.
 */
static void test_reserved_spare_is_never_offered_and_returns_on_release(void **state)
{
	struct cwt_tick t;
	struct cwt_ced *g0, *g1, *s;
	struct cw_clock_event_device *d1;
	struct holder h = { .t = &t };

	(void)state;
	cwt_tick_init(&t, 2, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_tick_boot(&t);
	g0 = cwt_ced_add(&t, "g0", CW_CLOCKEVENT_ANY_CPU, F_O | F_P, 200);
	g1 = cwt_ced_add(&t, "g1", CW_CLOCKEVENT_ANY_CPU, F_O | F_P, 200);
	cwt_ced_add(&t, "gbc", CW_CLOCKEVENT_ANY_CPU, F_O | F_P, 200);
	s = cwt_ced_add(&t, "s", CW_CLOCKEVENT_ANY_CPU, F_O | F_P, 100);
	assert_ptr_equal(cw_tick_device(t.sys, 1), &g1->dev);
	assert_int_equal(cw_clockevent_get_state(&s->dev), CW_CLOCKEVENT_STATE_DETACHED);

	assert_int_equal(cw__clockevents_reserve(t.sys, &s->dev, owner_a, holder_handler, &h), 0);
	assert_int_equal(cw_clockevent_get_state(&s->dev), CW_CLOCKEVENT_STATE_RESERVED);
	assert_ptr_equal(s->dev.reserved_by, owner_a);
	assert_string_equal(cw_clockevent_state_name(CW_CLOCKEVENT_STATE_RESERVED), "reserved");
	assert_true(cwt_log_has(&t, "clockevents: s reserved by test-holder"));

	/* CPU1 goes and comes back; g1 is removed meanwhile, so only s could serve it. */
	assert_int_equal(cw_cpu_down(t.sys, 1), 0);
	assert_int_equal(cw_clockevents_unregister(t.sys, &g1->dev), 0);
	assert_int_equal(cw_cpu_up(t.sys, 1), 0);
	cw__clockevents_reoffer_all(t.sys);
	d1 = cw_tick_device(t.sys, 1);
	assert_non_null(d1);
	assert_ptr_not_equal(d1, &s->dev);
	assert_true(d1->features & CW_CLOCKEVENT_FEAT_DUMMY);
	assert_int_equal(cw_clockevent_get_state(&s->dev), CW_CLOCKEVENT_STATE_RESERVED);
	assert_false(s->dev.is_broadcast);
	assert_int_equal(s->dev.bound_cpu, -1);

	/* Released: unused again, and it replaces CPU0's device when that one is unbound. */
	assert_int_equal(cw__clockevents_unreserve(t.sys, &s->dev, owner_b), CW_EPERM);
	assert_int_equal(cw__clockevents_unreserve(t.sys, &s->dev, owner_a), 0);
	assert_null(s->dev.reserved_by);
	assert_int_equal(cw_clockevent_get_state(&s->dev), CW_CLOCKEVENT_STATE_DETACHED);
	assert_true(cwt_log_has(&t, "clockevents: s released by test-holder"));
	assert_int_equal(cw_clockevents_unbind(t.sys, &g0->dev, 0), 0);
	assert_ptr_equal(cw_tick_device(t.sys, 0), &s->dev);
	assert_int_equal(s->target_cpu, 0);
	/* Not reserved any more: a second release is refused. */
	assert_int_equal(cw__clockevents_unreserve(t.sys, &s->dev, owner_a), CW_EINVAL);
	cwt_tick_fini(&t);
}

/*
 * A device bound to CPU1 registered while CPU1 is offline is unused (no
 * CPU, and the broadcast refuses a device whose CPU is down). Reserved, it
 * stays out of the broadcast when CPU1 comes up; released, it becomes the
 * broadcast device.
 */
static void test_released_device_becomes_the_broadcast_device(void **state)
{
	struct cwt_tick t;
	struct cwt_ced *g;
	struct holder h = { .t = &t };

	(void)state;
	cwt_tick_init(&t, 2, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_tick_boot(&t);
	cwt_ced_add(&t, "l0", 0, F_O | F_PCPU | F_C3, 300);
	cwt_ced_add(&t, "l1", 1, F_O | F_PCPU | F_C3, 300);
	assert_int_equal(cw_cpu_down(t.sys, 1), 0);
	g = cwt_ced_add(&t, "g", 1, F_O, 150);
	assert_null(cw_tick_broadcast_device(t.sys));
	assert_int_equal(cw__clockevents_reserve(t.sys, &g->dev, owner_a, holder_handler, &h), 0);

	assert_int_equal(cw_cpu_up(t.sys, 1), 0);
	assert_ptr_equal(cw_tick_device(t.sys, 1), &t.devs[1]->dev);
	assert_null(cw_tick_broadcast_device(t.sys));

	assert_int_equal(cw__clockevents_unreserve(t.sys, &g->dev, owner_a), 0);
	assert_ptr_equal(cw_tick_broadcast_device(t.sys), &g->dev);
	assert_true(g->dev.is_broadcast);
	cwt_tick_fini(&t);
}

/*
 * The framework's operations on a reserved device fail with CW_EBUSY and
 * say who holds it; so does a second reservation. Unbinding a CPU's device
 * finds no replacement in a reserved one (and does once it is released).
 */
static void test_framework_operations_on_reserved_device_are_refused(void **state)
{
	struct cwt_tick t;
	struct cwt_ced *l0, *gbc, *s;
	struct holder h = { .t = &t };
	uint64_t programs;

	(void)state;
	cwt_tick_init(&t, 2, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_tick_boot(&t);
	l0 = cwt_ced_add(&t, "l0", 0, F_O | F_P | F_PCPU, 300);
	cwt_ced_add(&t, "l1", 1, F_O | F_P | F_PCPU, 300);
	gbc = cwt_ced_add(&t, "gbc", CW_CLOCKEVENT_ANY_CPU, F_O | F_P, 200);
	s = cwt_ced_add(&t, "s", CW_CLOCKEVENT_ANY_CPU, F_O | F_P, 100);
	assert_ptr_equal(cw_tick_broadcast_device(t.sys), &gbc->dev);

	/* Only an unused, registered device can be reserved. */
	assert_int_equal(cw__clockevents_reserve(t.sys, &l0->dev, owner_a, holder_handler, &h),
			 CW_EBUSY);
	assert_int_equal(cw__clockevents_reserve(t.sys, &gbc->dev, owner_a, holder_handler, &h),
			 CW_EBUSY);
	assert_int_equal(cw__clockevents_reserve(t.sys, &s->dev, NULL, holder_handler, &h),
			 CW_EINVAL);
	assert_int_equal(cw__clockevents_reserve(t.sys, &s->dev, owner_a, holder_handler, &h), 0);
	assert_int_equal(cw__clockevents_reserve(t.sys, &s->dev, owner_b, holder_handler, &h),
			 CW_EBUSY);
	assert_true(cwt_log_has(&t, "clockevents: other-holder wants s: reserved by test-holder"));

	programs = s->programs;
	assert_int_equal(cw_clockevents_program_event(&s->dev, now(&t) + (cw_ktime_t)MS(1), true),
			 CW_EBUSY);
	assert_int_equal(s->programs, programs);
	assert_true(
		cwt_log_has(&t, "clockevents: programming refused: s is reserved by test-holder"));
	assert_int_equal(cw__clockevents_switch_state(&s->dev, CW_CLOCKEVENT_STATE_SHUTDOWN),
			 CW_EBUSY);
	assert_int_equal(cw_clockevents_unbind(t.sys, &s->dev, 0), CW_EBUSY);
	assert_int_equal(cw_clockevents_unregister(t.sys, &s->dev), CW_EBUSY);
	assert_true(cwt_log_has(&t, "clockevents: unbind refused: s is reserved by test-holder"));
	assert_int_equal(cw_clockevent_get_state(&s->dev), CW_CLOCKEVENT_STATE_RESERVED);

	/* l0 has no replacement while s is reserved ... */
	assert_int_equal(cw_clockevents_unbind(t.sys, &l0->dev, 0), CW_EBUSY);
	assert_ptr_equal(cw_tick_device(t.sys, 0), &l0->dev);
	/* ... and s replaces it once released. */
	assert_int_equal(cw__clockevents_unreserve(t.sys, &s->dev, owner_a), 0);
	assert_int_equal(cw_clockevents_unbind(t.sys, &l0->dev, 0), 0);
	assert_ptr_equal(cw_tick_device(t.sys, 0), &s->dev);
	cwt_tick_fini(&t);
}

/*
 * The holder drives the hardware: a oneshot event interrupts once, never
 * early, on the CPU the interrupt is routed to, and runs the holder's
 * handler with its pointer; periodic mode interrupts every tick_nsec;
 * shutdown and release stop it. No tick is taken from the device.
 */
static void test_holder_programs_reserved_hardware_and_gets_its_interrupts(void **state)
{
	struct cwt_tick t;
	struct cwt_ced *s;
	struct holder h = { .t = &t };
	uint64_t tick = 0, ticks_before;
	cw_ktime_t at;

	(void)state;
	cwt_tick_init(&t, 2, 1000, CW_CLOCKSOURCE_IS_CONTINUOUS);
	cwt_tick_boot(&t);
	cwt_ced_add(&t, "l0", 0, F_O | F_P | F_PCPU, 300);
	cwt_ced_add(&t, "l1", 1, F_O | F_P | F_PCPU, 300);
	cwt_ced_add(&t, "gbc", CW_CLOCKEVENT_ANY_CPU, F_O | F_P, 200);
	s = cwt_ced_add(&t, "s", CW_CLOCKEVENT_ANY_CPU, F_O | F_P, 100);
	tick = cw_system_tick_nsec(t.sys);
	cw_sim_run_until(t.sim, MS(10));

	/* Not reserved yet: the holder calls are refused. */
	assert_int_equal(cw__clockevents_reserved_program(&s->dev, now(&t) + 1000, true), CW_EBUSY);
	assert_int_equal(cw__clockevents_reserved_set_mode(&s->dev, CW_CLOCKEVENT_STATE_ONESHOT),
			 CW_EBUSY);
	assert_int_equal(cw__clockevents_reserve(t.sys, &s->dev, owner_a, holder_handler, &h), 0);
	assert_int_equal(s->dev.set_irq_affinity(&s->dev, 1), 0);

	assert_int_equal(cw__clockevents_reserved_set_mode(&s->dev, CW_CLOCKEVENT_STATE_ONESHOT),
			 0);
	assert_int_equal(cw__clockevents_reserved_set_mode(&s->dev, CW_CLOCKEVENT_STATE_RESERVED),
			 CW_EINVAL);
	at = now(&t) + (cw_ktime_t)US(250);
	assert_int_equal(cw__clockevents_reserved_program(&s->dev, at, false), 0);
	assert_int_equal(s->dev.next_event_ns, at);
	cw_sim_run_until(t.sim, MS(20));
	assert_int_equal(h.fires, 1);
	assert_true(h.last_ns >= at);
	assert_true(h.last_ns <= at + 2);
	assert_int_equal(h.last_cpu, 1);
	/* A past time: refused without force, the min-delta path with it. */
	assert_int_equal(cw__clockevents_reserved_program(&s->dev, now(&t) - 5, false), CW_ETIME);
	assert_int_equal(cw__clockevents_reserved_program(&s->dev, now(&t) - 5, true), 0);
	cw_sim_run_until(t.sim, MS(21));
	assert_int_equal(h.fires, 2);

	/* Periodic: one interrupt per tick_nsec, then stopped. */
	ticks_before = h.fires;
	assert_int_equal(cw__clockevents_reserved_set_mode(&s->dev, CW_CLOCKEVENT_STATE_PERIODIC),
			 0);
	cw_sim_run_until(t.sim, MS(21) + 10 * tick + tick / 2);
	assert_int_equal(h.fires - ticks_before, 10);
	assert_int_equal(cw__clockevents_reserved_program(&s->dev, CW_KTIME_MAX, false), 0);
	ticks_before = h.fires;
	cw_sim_run_until(t.sim, MS(100));
	assert_int_equal(h.fires, ticks_before);
	assert_int_equal(cw_clockevent_get_state(&s->dev), CW_CLOCKEVENT_STATE_RESERVED);

	/* Released while running: the core shuts it down; nothing reaches the holder again. */
	assert_int_equal(cw__clockevents_reserved_set_mode(&s->dev, CW_CLOCKEVENT_STATE_PERIODIC),
			 0);
	assert_int_equal(cw__clockevents_unreserve(t.sys, &s->dev, owner_a), 0);
	ticks_before = h.fires;
	cw_sim_run_until(t.sim, MS(200));
	assert_int_equal(h.fires, ticks_before);
	cwt_tick_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reserved_spare_is_never_offered_and_returns_on_release),
		cmocka_unit_test(test_released_device_becomes_the_broadcast_device),
		cmocka_unit_test(test_framework_operations_on_reserved_device_are_refused),
		cmocka_unit_test(test_holder_programs_reserved_hardware_and_gets_its_interrupts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
