/* SPDX-License-Identifier: MIT */
/*
 * cw_check_armed_timers(): the timers armed right now, from the checker's
 * records, on any port: exactly the started hrtimers and wheel timers that
 * have neither fired nor been cancelled, with their CPU, clock and expiry;
 * nothing with the checker off.
 */
#include <clockwork/check.h>
#include <clockwork/clockwork.h>
#include <clockwork/sim.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define MS 1000000ll

static const char machine[] = "[machine]\nname = listbox\ncpus = 2\n"
			      "[counter cnt]\nwidth = 64\nfreq = 100MHz\nrating = 300\n"
			      "flags = continuous\n"
			      "[arch_timer local]\nfreq = 50MHz\nirq = 29\n";

static struct cw_sim *sim;
static struct cw_sim_machine *m;

static struct cw_system *up(int check)
{
	struct cw_sim_machine_desc *d = NULL;
	struct cw_system_config cfg = { .check = check };
	char err[CW_SIM_ERR_MAX];

	assert_int_equal(cw_sim_machine_desc_parse_mem(machine, strlen(machine), "l.ini", &d, err,
						       sizeof(err)),
			 0);
	assert_int_equal(cw_sim_create(1, &sim), 0);
	assert_int_equal(cw_sim_machine_create(sim, d, &cfg, NULL, NULL, &m), 0);
	cw_sim_machine_desc_free(d);
	assert_int_equal(cw_sim_machine_boot(m), 0);
	cw_sim_run_for(sim, 20 * MS);
	return cw_sim_machine_system(m);
}

static enum cw_hrtimer_restart hr_fn(struct cw_hrtimer *t)
{
	(void)t;
	return CW_HRTIMER_NORESTART;
}

static void wheel_fn(struct cw_timer *t)
{
	(void)t;
}

/* The entry for @timer among the armed ones, or NULL. */
static const struct cw_check_timer *find(const struct cw_check_timer *list, size_t n,
					 const void *timer)
{
	for (size_t i = 0; i < n; i++) {
		if (list[i].timer == timer) {
			return &list[i];
		}
	}
	return NULL;
}

static void test_armed_timers_are_listed_until_they_fire_or_are_cancelled(void **state)
{
	struct cw_system *sys = up(CW_CHECK_ON);
	struct cw_hrtimer a = { 0 }, b = { 0 };
	struct cw_timer w = { 0 };
	struct cw_check_timer list[64];
	const struct cw_check_timer *e;
	cw_ktime_t real = 0;
	size_t base, n;

	(void)state;
	/* The machine's own timers (the ticks) are there before ours. */
	base = cw_check_armed_timers(sys, list, 64);
	assert_int_equal(cw_hrtimer_setup(sys, &a, hr_fn, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_REL),
			 0);
	/* Absolute: a relative REALTIME timer runs on MONOTONIC, as in Linux. */
	assert_int_equal(cw_hrtimer_setup(sys, &b, hr_fn, CW_CLOCK_REALTIME, CW_HRTIMER_MODE_ABS),
			 0);
	assert_int_equal(cw_timer_setup(&w, sys, wheel_fn, CW_TIMER_DEFERRABLE), 0);
	cw_hrtimer_start(&a, 5 * MS, CW_HRTIMER_MODE_REL);
	assert_int_equal(cw_clock_get_ns(sys, CW_CLOCK_REALTIME, &real), 0);
	cw_hrtimer_start(&b, real + 50 * MS, CW_HRTIMER_MODE_ABS);
	cw_timer_mod(&w, cw_jiffies_get(sys) + 100);
	n = cw_check_armed_timers(sys, list, 64);
	assert_int_equal(n, base + 3);
	e = find(list, n, &a);
	assert_non_null(e);
	assert_true(e->hrtimer);
	assert_int_equal(e->clock_id, CW_CLOCK_MONOTONIC);
	assert_int_equal(e->expires, cw_hrtimer_get_expires(&a));
	/* The callback and the arming instant, for timer lists. */
	assert_true(e->function == (uintptr_t)hr_fn);
	assert_int_equal(e->armed_at, cw_hrtimer_get_expires(&a) - 5 * MS);
	e = find(list, n, &b);
	assert_non_null(e);
	assert_int_equal(e->clock_id, CW_CLOCK_REALTIME);
	e = find(list, n, &w);
	assert_non_null(e);
	assert_false(e->hrtimer);
	assert_true(e->deferrable);
	assert_false(e->pinned);
	assert_int_equal((uint64_t)e->expires, cw_timer_expires(&w));
	assert_true(e->function == (uintptr_t)wheel_fn);
	assert_int_equal((uint64_t)e->armed_at, cw_jiffies_get(sys));
	/* The wheel it is queued on: the arming CPU's (the test runs as CPU 0). */
	assert_int_equal(e->cpu, 0);
	/* Count only. */
	assert_int_equal(cw_check_armed_timers(sys, NULL, 0), n);
	/* a fires, b is cancelled: only w of ours is left. */
	cw_sim_run_for(sim, 10 * MS);
	cw_hrtimer_cancel(&b);
	n = cw_check_armed_timers(sys, list, 64);
	assert_null(find(list, n, &a));
	assert_null(find(list, n, &b));
	assert_non_null(find(list, n, &w));
	cw_timer_del(&w);
	n = cw_check_armed_timers(sys, list, 64);
	assert_null(find(list, n, &w));
	cw_sim_machine_destroy(m);
	cw_sim_destroy(sim);

	/* The checker off: nothing recorded, nothing listed. */
	sys = up(CW_CHECK_OFF);
	assert_int_equal(cw_check_armed_timers(sys, list, 64), 0);
	cw_sim_machine_destroy(m);
	cw_sim_destroy(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_armed_timers_are_listed_until_they_fire_or_are_cancelled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
