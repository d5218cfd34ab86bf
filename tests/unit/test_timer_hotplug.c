// SPDX-License-Identifier: MIT
/*
 * CPU hotplug and the timer wheel (issue 9, section 4) on the sim engine
 * with the tick layer running (tests/support/cwt_tick.h): cw_cpu_down()
 * moves every timer queued on the dying CPU's local (pinned), global and
 * deferrable bases to a live CPU, keeping its expiry, so each fires once,
 * on time, on a CPU that is online; one whose expiry passed while it
 * moved fires at once. A sleeping (NO_HZ) target is woken for them.
 * Arming on an offline CPU is refused (cw_timer_add_on() -> CW_EINVAL) or,
 * from a thread whose default CPU is offline, goes to a live CPU; after
 * cw_cpu_up() the CPU takes timers again.
 */
#include "cwt_tick.h"

#include "core/system-internal.h"
#include "core/cpu-internal.h"
#include "core/timer-internal.h"

#include <clockwork/timer.h>

#define TT_CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define F_P    CW_CLOCKEVENT_FEAT_PERIODIC
#define F_O    CW_CLOCKEVENT_FEAT_ONESHOT
#define F_PCPU CW_CLOCKEVENT_FEAT_PERCPU

#define NR_CPUS 4
#define HZ      1000

/* A forced CPU number that is no CPU: a plain thread. */
#define NOT_A_CPU 99

struct rec {
	struct cw_timer timer;
	struct cwt_tick *t;
	uint64_t expires;
	uint64_t gran;
	uint64_t fired_jiffies;
	unsigned fired_cpu;
	unsigned fires;
};

static void rec_fn(struct cw_timer *timer)
{
	struct rec *r = TT_CONTAINER(timer, struct rec, timer);

	r->fires++;
	r->fired_jiffies = cw_jiffies_get(r->t->sys);
	r->fired_cpu = cw_sim_current_cpu(r->t->sim);
}

static void boot(struct cwt_tick *t, bool highres)
{
	cwt_tick_init(t, NR_CPUS, HZ, CW_CLOCKSOURCE_IS_CONTINUOUS);
	t->sys->tick.highres_enabled = highres;
	t->sys->tick.nohz_enabled = true;
	cwt_tick_boot(t);
	cwt_ced_add_locals(t, F_O | F_P | F_PCPU, 300);
	cw_sim_run_until(t->sim, MS(100));
}

static void check(struct cwt_tick *t)
{
	char report[256];

	if (cw_timer_check(t->sys, report, sizeof(report)) != 0) {
		fail_msg("checker: %s", report);
	}
}

static uint64_t gran_of(uint64_t delta)
{
	unsigned lvl = 0;

	while (lvl + 1 < cw__timer_levels(HZ) && delta >= (UINT64_C(63) << (3 * lvl))) {
		lvl++;
	}
	return cw__timer_level_gran(lvl);
}

static void arm_on(struct cwt_tick *t, struct rec *r, unsigned flags, uint64_t delta, unsigned cpu)
{
	memset(r, 0, sizeof(*r));
	r->t = t;
	assert_int_equal(cw_timer_setup(&r->timer, t->sys, rec_fn, flags), 0);
	r->expires = cw_jiffies_get(t->sys) + delta;
	r->gran = gran_of(delta);
	assert_int_equal(cw_timer_add_on(&r->timer, r->expires, cpu), 0);
}

static void assert_on_time(const struct rec *r, unsigned dead_cpu, const char *what)
{
	uint64_t late = r->fired_jiffies - r->expires;

	if (r->fires != 1 || !cw_time_after64(r->fired_jiffies, r->expires) || late > r->gran ||
	    r->fired_cpu == dead_cpu) {
		fail_msg("%s: expiry %llu (gran %llu) fired %u times at %llu on CPU%u (dead CPU%u)",
			 what, (unsigned long long)r->expires, (unsigned long long)r->gran,
			 r->fires, (unsigned long long)r->fired_jiffies, r->fired_cpu, dead_cpu);
	}
}

static const unsigned kinds[] = { 0, CW_TIMER_PINNED, CW_TIMER_DEFERRABLE };
static const char *const kind_names[] = { "global", "pinned", "deferrable" };
static const uint64_t deltas[] = { 3, 40, 700, 5000 };

/*
 * Timers of @kind at levels 0-3 on CPU @dead; the CPU goes down; each
 * fires once, on time, elsewhere. With @idle_target the CPU that takes
 * them (the first online one) sleeps in NO_HZ and must be woken for
 * pinned ones (not for deferrable timers: those run once the target wakes
 * anyway); its global ones are pulled by a busy CPU (timer migration).
 */
static void down_case(unsigned kind, unsigned dead, bool idle_target, bool highres)
{
	struct cwt_tick t;
	struct rec r[CW_ARRAY_SIZE(deltas)];
	unsigned target = dead == 0 ? 1 : 0;
	char what[96];

	boot(&t, highres);
	if (idle_target) {
		cwt_tick_idle(&t, target, MS(110), SEC(20), false, false);
		cw_sim_run_until(t.sim, MS(200));
		assert_true(t.sys->cpus[target].tick_stopped);
	}
	for (size_t i = 0; i < CW_ARRAY_SIZE(deltas); i++) {
		arm_on(&t, &r[i], kinds[kind], deltas[i], dead);
	}
	check(&t);
	assert_int_equal(cw_cpu_down(t.sys, dead), 0);
	check(&t);
	for (size_t i = 0; i < CW_ARRAY_SIZE(deltas); i++) {
		assert_true(cw_timer_pending(&r[i].timer));
	}
	cw_sim_run_for(t.sim, MS(6000));
	for (size_t i = 0; i < CW_ARRAY_SIZE(deltas); i++) {
		snprintf(what, sizeof(what), "%s timer +%llu on dead CPU%u (%s target, %s)",
			 kind_names[kind], (unsigned long long)deltas[i], dead,
			 idle_target ? "idle" : "busy", highres ? "highres" : "lowres");
		if (kinds[kind] == CW_TIMER_DEFERRABLE && idle_target) {
			/* Never a reason to wake: it ran when the target next woke. */
			assert_int_equal(r[i].fires, r[i].fires ? 1 : 0);
			continue;
		}
		assert_on_time(&r[i], dead, what);
		if (kinds[kind] == 0 && idle_target) {
			/* Timer migration: a busy CPU pulls them; the target sleeps on. */
			assert_true(r[i].fired_cpu != target);
		} else {
			assert_int_equal(r[i].fired_cpu, target);
		}
	}
	cw_sim_run_until(t.sim, SEC(21));
	for (size_t i = 0; i < CW_ARRAY_SIZE(deltas); i++) {
		assert_int_equal(r[i].fires, 1);
		assert_true(r[i].fired_cpu != dead);
	}
	check(&t);
	cwt_tick_fini(&t);
}

static void test_cpu_down_moves_timers_of_every_base_kind_and_they_fire_on_time(void **state)
{
	(void)state;
	for (unsigned kind = 0; kind < CW_ARRAY_SIZE(kinds); kind++) {
		down_case(kind, 2, false, true);
		down_case(kind, 0, false, false);
		down_case(kind, 3, true, true);
		down_case(kind, 1, true, false);
	}
}

/*
 * A deferrable timer on an idle CPU is not run at its expiry (it never
 * wakes the CPU). When that CPU goes down, the timer is past due on the
 * target: it fires there at once (the next tick), not a level later.
 */
static void test_past_expiry_on_a_dead_cpu_fires_at_the_targets_next_tick(void **state)
{
	struct cwt_tick t;
	struct rec r;
	uint64_t down_j;

	(void)state;
	boot(&t, true);
	cwt_tick_idle(&t, 2, MS(110), SEC(20), false, false);
	cw_sim_run_until(t.sim, MS(200));
	arm_on(&t, &r, CW_TIMER_DEFERRABLE, 10, 2);
	cw_sim_run_for(t.sim, MS(50));
	assert_int_equal(r.fires, 0);
	assert_int_equal(cw_cpu_down(t.sys, 2), 0);
	down_j = cw_jiffies_get(t.sys);
	cw_sim_run_for(t.sim, MS(3));
	print_message("deferrable timer due at jiffy %llu, moved at %llu, fired at %llu on CPU%u\n",
		      (unsigned long long)r.expires, (unsigned long long)down_j,
		      (unsigned long long)r.fired_jiffies, r.fired_cpu);
	assert_int_equal(r.fires, 1);
	assert_true(r.fired_cpu != 2);
	assert_true(r.fired_jiffies - down_j <= 1);
	cwt_tick_fini(&t);
}

static void test_add_on_an_offline_cpu_is_refused_and_works_again_after_cpu_up(void **state)
{
	struct cwt_tick t;
	struct rec r, other;

	(void)state;
	boot(&t, true);
	assert_int_equal(cw_cpu_down(t.sys, 3), 0);
	memset(&r, 0, sizeof(r));
	r.t = &t;
	assert_int_equal(cw_timer_setup(&r.timer, t.sys, rec_fn, 0), 0);
	assert_int_equal(cw_timer_add_on(&r.timer, cw_jiffies_get(t.sys) + 5, 3), CW_EINVAL);
	assert_false(cw_timer_pending(&r.timer));
	/* A pending timer stays where it was, with its expiry. */
	arm_on(&t, &other, 0, 20, 1);
	assert_int_equal(cw_timer_add_on(&other.timer, cw_jiffies_get(t.sys) + 500, 3), CW_EINVAL);
	assert_true(cw_timer_pending(&other.timer));
	assert_int_equal(cw_timer_expires(&other.timer), other.expires);
	check(&t);
	cw_sim_run_for(t.sim, MS(30));
	assert_on_time(&other, 3, "timer left in place");
	assert_int_equal(other.fired_cpu, 1);
	assert_int_equal(r.fires, 0);
	/* Online again: it takes timers and runs them itself. */
	assert_int_equal(cw_cpu_up(t.sys, 3), 0);
	cw_sim_run_for(t.sim, MS(50));
	arm_on(&t, &r, CW_TIMER_PINNED, 7, 3);
	cw_sim_run_for(t.sim, MS(20));
	assert_on_time(&r, NR_CPUS, "pinned timer on CPU3 after cpu_up");
	assert_int_equal(r.fired_cpu, 3);
	check(&t);
	cwt_tick_fini(&t);
}

/*
 * A thread that is no CPU arms on CPU0's bases. With CPU0 offline its
 * timers go to a live CPU instead of waiting for CPU0 to come back.
 */
static void test_arming_from_a_thread_whose_cpu_is_offline_uses_a_live_cpu(void **state)
{
	struct cwt_tick t;
	struct rec r[3];

	(void)state;
	boot(&t, false);
	assert_int_equal(cw_cpu_down(t.sys, 0), 0);
	t.forced_cpu = NOT_A_CPU;
	for (unsigned k = 0; k < 3; k++) {
		memset(&r[k], 0, sizeof(r[k]));
		r[k].t = &t;
		assert_int_equal(cw_timer_setup(&r[k].timer, t.sys, rec_fn, kinds[k]), 0);
		r[k].expires = cw_jiffies_get(t.sys) + 30 + k;
		r[k].gran = 1;
		assert_int_equal(cw_timer_mod(&r[k].timer, r[k].expires), 0);
	}
	t.forced_cpu = -1;
	check(&t);
	cw_sim_run_for(t.sim, MS(40));
	for (unsigned k = 0; k < 3; k++) {
		assert_on_time(&r[k], 0, kind_names[k]);
	}
	check(&t);
	cwt_tick_fini(&t);
}

/* Down and up in a loop while a timer re-arms itself on its own CPU: no fire is lost. */
struct hopper {
	struct cw_timer timer;
	struct cwt_tick *t;
	uint64_t expires;
	unsigned next_cpu;
	unsigned fires;
	unsigned late;
	unsigned refused;
};

/* Re-arm on CPU 1, 2, 3 in turn; an offline one refuses (then: this CPU). */
static void hopper_fn(struct cw_timer *timer)
{
	struct hopper *h = TT_CONTAINER(timer, struct hopper, timer);
	uint64_t now = cw_jiffies_get(h->t->sys);

	h->fires++;
	if (now != h->expires + 1) {
		h->late++;
	}
	h->expires = now + 3;
	h->next_cpu = h->next_cpu % 3 + 1;
	if (cw_timer_add_on(timer, h->expires, h->next_cpu) == CW_EINVAL) {
		h->refused++;
		cw_timer_mod(timer, h->expires);
	}
}

static void test_repeated_down_up_loses_no_fire_of_a_self_rearming_timer(void **state)
{
	struct cwt_tick t;
	struct hopper h = { 0 };

	(void)state;
	boot(&t, true);
	h.t = &t;
	assert_int_equal(cw_timer_setup(&h.timer, t.sys, hopper_fn, CW_TIMER_PINNED), 0);
	h.expires = cw_jiffies_get(t.sys) + 3;
	assert_int_equal(cw_timer_add_on(&h.timer, h.expires, 2), 0);
	for (int i = 0; i < 40; i++) {
		unsigned cpu = 1 + (unsigned)i % 3;

		cw_sim_run_for(t.sim, MS(10) + (uint64_t)i * 37000);
		assert_int_equal(cw_cpu_down(t.sys, cpu), 0);
		check(&t);
		cw_sim_run_for(t.sim, MS(5));
		assert_int_equal(cw_cpu_up(t.sys, cpu), 0);
	}
	cw_sim_run_for(t.sim, MS(10));
	print_message("self re-arming pinned timer: %u fires over 40 down/up cycles, %u late, "
		      "%u re-arms refused by an offline CPU\n",
		      h.fires, h.late, h.refused);
	/* One fire per 4 jiffies over about 640 ms, none late. */
	assert_true(h.fires >= 150);
	assert_int_equal(h.late, 0);
	assert_true(h.refused > 0);
	assert_int_equal(cw_timer_del_sync(&h.timer), 1);
	cwt_tick_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_cpu_down_moves_timers_of_every_base_kind_and_they_fire_on_time),
		cmocka_unit_test(test_past_expiry_on_a_dead_cpu_fires_at_the_targets_next_tick),
		cmocka_unit_test(
			test_add_on_an_offline_cpu_is_refused_and_works_again_after_cpu_up),
		cmocka_unit_test(test_arming_from_a_thread_whose_cpu_is_offline_uses_a_live_cpu),
		cmocka_unit_test(test_repeated_down_up_loses_no_fire_of_a_self_rearming_timer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
