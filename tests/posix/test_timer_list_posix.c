/* SPDX-License-Identifier: MIT */
/*
 * The timer list on the posix port (issue 14 section 3,
 * include/clockwork/timer_list.h): cw_timer_list_format() and
 * cw_posix_timer_list_print() on a running 2-CPU posix system, with an
 * hrtimer pinned to CPU 1 and a wheel timer on CPU 0's wheel, both far in
 * the future so the host's load cannot fire them: each is listed under its
 * CPU with its exact expiry and its callback's name (from the executable's
 * symbols), the clock event devices follow, a short buffer gets a
 * terminated prefix and the full length, a cancelled timer leaves the
 * list, and without the checker the dump says it tracks no timers.
 */
#include <clockwork/clockwork.h>
#include <clockwork/port_posix.h>
#include <clockwork/timer_list.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define SEC 1000000000LL

struct fx {
	struct cw_system *sys;
	struct cw_hrtimer hr;
	struct cw_timer wheel;
	cw_ktime_t hr_expires;
	uint64_t wheel_expires;
};

/* Never run (far in the future); named in the dump. */
enum cw_hrtimer_restart timer_list_test_hr_fn(struct cw_hrtimer *t);
void timer_list_test_wheel_fn(struct cw_timer *t);

enum cw_hrtimer_restart timer_list_test_hr_fn(struct cw_hrtimer *t)
{
	(void)t;
	return CW_HRTIMER_NORESTART;
}

void timer_list_test_wheel_fn(struct cw_timer *t)
{
	(void)t;
}

static void arm_hr_on_cpu1(void *arg)
{
	struct fx *f = arg;

	f->hr_expires = cw_ktime_get(f->sys) + 3600 * SEC;
	cw_hrtimer_start(&f->hr, f->hr_expires,
			 CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED | CW_HRTIMER_MODE_HARD);
}

static struct cw_system *create(enum cw_check_mode check)
{
	struct cw_system_config cfg = { .nr_cpus = 2, .hz = 250, .check = check };
	struct cw_posix_options opt = { .flags = CW_POSIX_NO_TSC };
	struct cw_system *sys;

	assert_int_equal(cw_posix_system_create(&cfg, &opt, &sys), 0);
	return sys;
}

/* The text of CPU @cpu's section of @dump (up to the next "cpu: " line), copied. */
static char *cpu_section(const char *dump, unsigned cpu)
{
	char head[32];
	const char *a, *b;
	char *s;

	snprintf(head, sizeof(head), "\ncpu: %u (online)", cpu);
	a = strstr(dump, head);
	assert_non_null(a);
	b = strstr(a + 1, "\ncpu: ");
	if (!b) {
		b = strstr(a, "\n\nclock event devices\n");
	}
	assert_non_null(b);
	s = strndup(a, (size_t)(b - a));
	assert_non_null(s);
	return s;
}

static void test_timer_list_names_each_timer_under_its_cpu(void **state)
{
	struct fx f = { 0 };
	struct cw_posix_symbols *syms = cw_posix_symbols_load();
	struct cw_timer_list_options opt = { .symbolize = cw_posix_symbolize,
					     .symbolize_arg = syms };
	char want[256], small[40], *dump, *cpu0, *cpu1, *printed = NULL;
	size_t need, got, printed_len = 0;
	FILE *mem;

	(void)state;
	assert_non_null(syms);
	f.sys = create(CW_CHECK_ON);
	assert_int_equal(cw_hrtimer_setup(f.sys, &f.hr, timer_list_test_hr_fn, CW_CLOCK_MONOTONIC,
					  CW_HRTIMER_MODE_HARD),
			 0);
	assert_int_equal(cw_cpu_call(f.sys, 1, arm_hr_on_cpu1, &f), 0);
	assert_int_equal(cw_timer_setup(&f.wheel, f.sys, timer_list_test_wheel_fn, CW_TIMER_PINNED),
			 0);
	f.wheel_expires = cw_jiffies_get(f.sys) + 3600u * 250u;
	assert_int_equal(cw_timer_add_on(&f.wheel, f.wheel_expires, 0), 0);

	need = cw_timer_list_format(f.sys, &opt, NULL, 0);
	assert_true(need > 0);
	/* Room for a timer armed meanwhile by the system itself (the clocksource watchdog). */
	dump = malloc(need + 1024);
	assert_non_null(dump);
	got = cw_timer_list_format(f.sys, &opt, dump, need + 1024);
	assert_true(got < need + 1024);
	printf("%s", dump);
	assert_int_equal(strncmp(dump, "timer list at ", 14), 0);
	assert_non_null(strstr(dump, " s (MONOTONIC): "));
	cpu0 = cpu_section(dump, 0);
	cpu1 = cpu_section(dump, 1);
	snprintf(want, sizeof(want),
		 ", timer_list_test_hr_fn, clock MONOTONIC: expires at %lld-%lld ns (armed at "
		 "MONOTONIC ",
		 (long long)f.hr_expires, (long long)f.hr_expires);
	assert_non_null(strstr(cpu1, want));
	assert_null(strstr(cpu0, "timer_list_test_hr_fn"));
	snprintf(want, sizeof(want),
		 ", timer_list_test_wheel_fn: expires at jiffies %llu (armed at ",
		 (unsigned long long)f.wheel_expires);
	assert_non_null(strstr(cpu0, want));
	assert_non_null(strstr(cpu0, ", pinned)"));
	assert_null(strstr(cpu1, "timer_list_test_wheel_fn"));
	assert_non_null(strstr(dump, "\n\nclock event devices\n  "));
	assert_non_null(strstr(cpu0, ", tick device "));

	/* snprintf semantics: a terminated prefix and the whole length. */
	memset(small, 'x', sizeof(small));
	got = cw_timer_list_format(f.sys, &opt, small, sizeof(small));
	assert_true(got >= sizeof(small));
	assert_int_equal(small[sizeof(small) - 1], '\0');
	assert_int_equal(strlen(small), sizeof(small) - 1);
	/* (The instant differs from the first dump's: MONOTONIC is read each time.) */
	assert_int_equal(strncmp(small, "timer list at ", 14), 0);

	/* The posix convenience: the same lines on a stream. */
	mem = open_memstream(&printed, &printed_len);
	assert_non_null(mem);
	assert_int_equal(cw_posix_timer_list_print(f.sys, mem), 0);
	fclose(mem);
	assert_non_null(strstr(printed, ", timer_list_test_hr_fn, clock MONOTONIC: expires at "));
	assert_non_null(strstr(printed, ", timer_list_test_wheel_fn: expires at jiffies "));
	free(printed);

	/* Cancelled: gone from the list. */
	assert_int_equal(cw_hrtimer_cancel(&f.hr), 1);
	assert_int_equal(cw_timer_del(&f.wheel), 1);
	got = cw_timer_list_format(f.sys, &opt, dump, need + 1024);
	assert_true(got < need + 1024);
	assert_null(strstr(dump, "timer_list_test_hr_fn"));
	assert_null(strstr(dump, "timer_list_test_wheel_fn"));

	free(cpu0);
	free(cpu1);
	free(dump);
	cw_posix_symbols_free(syms);
	cw_system_destroy(f.sys);
}

static void test_timer_list_without_checker_says_so(void **state)
{
	struct cw_system *sys = create(CW_CHECK_OFF);
	char buf[4096];

	(void)state;
	assert_true(cw_timer_list_format(sys, NULL, buf, sizeof(buf)) < sizeof(buf));
	assert_non_null(strstr(buf, "timers not tracked (the checker is off)\n"));
	assert_non_null(strstr(buf, "\ncpu: 1 (online), tick device "));
	assert_non_null(strstr(buf, "\n\nclock event devices\n  "));
	assert_int_equal(cw_timer_list_format(NULL, NULL, buf, sizeof(buf)), 0);
	assert_int_equal(cw_posix_timer_list_print(sys, NULL), CW_EINVAL);
	cw_system_destroy(sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_list_names_each_timer_under_its_cpu),
		cmocka_unit_test(test_timer_list_without_checker_says_so),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
