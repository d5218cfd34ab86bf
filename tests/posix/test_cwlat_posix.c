/* SPDX-License-Identifier: MIT */
/*
 * cwlat on this machine's clocks, in-process (label posix): a half-second
 * --compare run gives sane numbers for all three series (every period is
 * either sampled or counted as an overrun, min >= 0, percentiles ordered,
 * nothing absurdly late), and --threads 2 --affinity --priority either
 * applies SCHED_FIFO or says it could not and still measures. Bounds are
 * tolerant (a loaded two-core machine); the measured numbers are printed.
 */
#include "cwlat_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* A wakeup later than this means the measurement is broken, not the host slow. */
#define ABSURD_LATENCY_NS (500LL * 1000 * 1000)

#define CWLAT(...) cwlat_run_args((const char *const[]){ __VA_ARGS__, NULL }, true)

/* Sanity of one series measured over @periods periods per thread. */
static void check_series(const struct cwlat_summary *sum, unsigned s, uint64_t periods)
{
	const struct cwlat_stats *st = &sum->series[s];
	uint64_t expected = periods * sum->threads;

	printf("%s: %llu samples + %llu overruns of %llu periods; min %lld p50 %lld p99 %lld "
	       "p99.9 %lld max %lld ns\n",
	       sum->name[s], (unsigned long long)st->samples, (unsigned long long)st->overruns,
	       (unsigned long long)expected, (long long)st->min_ns, (long long)st->p50_ns,
	       (long long)st->p99_ns, (long long)st->p999_ns, (long long)st->max_ns);
	/* Every period is sampled or skipped; at most one more per thread at the edges. */
	assert_true(st->samples + st->overruns + sum->threads >= expected);
	assert_true(st->samples + st->overruns <= expected + sum->threads);
	/* Even a badly loaded host samples most periods. */
	assert_true(st->samples >= expected / 2);
	assert_true(st->min_ns >= 0);
	assert_true(st->min_ns <= st->avg_ns && st->avg_ns <= st->max_ns);
	assert_true(st->min_ns <= st->p50_ns && st->p50_ns <= st->p99_ns);
	assert_true(st->p99_ns <= st->p999_ns && st->p999_ns <= st->max_ns);
	assert_true(st->max_ns < ABSURD_LATENCY_NS);
}

static void test_cwlat_posix_compare_run_gives_sane_numbers(void **state)
{
	struct run r = CWLAT("--duration", "500ms", "--compare", "--no-text-histogram");

	(void)state;
	assert_int_equal(r.status, CWLAT_EXIT_OK);
	assert_false(r.sum.sim);
	assert_int_equal(r.sum.nr_series, 3);
	assert_string_equal(r.sum.name[0], "clockwork");
	assert_string_equal(r.sum.name[1], "nanosleep");
	assert_string_equal(r.sum.name[2], "timerfd");
	for (unsigned s = 0; s < 3; s++) {
		check_series(&r.sum, s, 500);
	}
	assert_non_null(strstr(r.out, "compare: p99 clockwork - timerfd = "));
	run_free(&r);
}

/*
 * --oob: the same periodic timers on the oob stage under the proxy tick
 * device, next to the in-band hrtimers, while masked sections of 100 us
 * keep each CPU thread busy a quarter of the time. The host decides the
 * numbers (printed); the run must measure both series and give the CPUs
 * back.
 */
static void test_cwlat_posix_oob_run_measures_both_stages(void **state)
{
	struct run r =
		CWLAT("--duration", "500ms", "--oob", "--masked", "100us", "--no-text-histogram");
	const struct cwlat_stats *oob = &r.sum.series[1];

	(void)state;
	assert_int_equal(r.status, CWLAT_EXIT_OK);
	assert_int_equal(r.sum.nr_series, 2);
	assert_string_equal(r.sum.name[0], "clockwork");
	assert_string_equal(r.sum.name[1], "oob");
	printf("oob: %llu samples + %llu overruns; p50 %lld p99 %lld max %lld ns; in-band p99 %lld "
	       "max %lld ns\n",
	       (unsigned long long)oob->samples, (unsigned long long)oob->overruns,
	       (long long)oob->p50_ns, (long long)oob->p99_ns, (long long)oob->max_ns,
	       (long long)r.sum.series[0].p99_ns, (long long)r.sum.series[0].max_ns);
	assert_true(oob->samples > 0);
	assert_true(oob->samples + oob->overruns <= 500 + r.sum.threads);
	assert_true(oob->min_ns >= 0 && oob->max_ns < ABSURD_LATENCY_NS);
	assert_true(r.sum.series[0].samples > 0);
	run_free(&r);
	r = CWLAT("--oob", "--compare");
	assert_int_equal(r.status, CWLAT_EXIT_USAGE);
	run_free(&r);
	r = CWLAT("--sim", "--oob");
	assert_int_equal(r.status, CWLAT_EXIT_USAGE);
	run_free(&r);
}

static void test_cwlat_posix_pinned_priority_run_measures_or_warns(void **state)
{
	char path[256];
	struct run r;

	(void)state;
	cwlat_temp_file(path, sizeof(path), "cwlat-posix-hist");
	r = CWLAT("--threads", "2", "--interval", "500", "--duration", "500ms", "--affinity",
		  "--priority", "10", "--histogram", path);
	assert_int_equal(r.status, CWLAT_EXIT_OK);
	assert_int_equal(r.sum.nr_series, 1);
	check_series(&r.sum, 0, 1000);
	/* Either SCHED_FIFO was applied, or the run says it was not permitted. */
	if (!r.sum.priority_applied) {
		assert_non_null(strstr(r.err, "not permitted"));
	}
	printf("priority applied: %s\n", r.sum.priority_applied ? "yes" : "no");
	assert_true(access(path, R_OK) == 0);
	unlink(path);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cwlat_posix_compare_run_gives_sane_numbers),
		cmocka_unit_test(test_cwlat_posix_pinned_priority_run_measures_or_warns),
		cmocka_unit_test(test_cwlat_posix_oob_run_measures_both_stages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
