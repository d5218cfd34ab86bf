/* SPDX-License-Identifier: MIT */
/*
 * cwlat run in-process on the simulator (cwlat_run() with an argument
 * vector, output captured in memory): bad arguments exit 2 with a message
 * and the usage, a bad machine file exits 1, a --sim run prints the same
 * bytes twice, its latency is the modelled interrupt latency plus at most
 * the device's cycle rounding, every period is sampled once, and the
 * gnuplot histogram holds every sample in the right bucket.
 */
#include "cwlat_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#ifndef CW_SOURCE_DIR
#error "CW_SOURCE_DIR must name the source tree"
#endif

/* Largest lateness the device adds to the interrupt latency: the 50 MHz
 * arch timer of default-soc rounds a program up by at most two cycles (40
 * ns) and the 1 GHz clocksource reads up to 3 cycles late (jitter). */
#define DEVICE_ROUNDING_NS 100

#define CWLAT(...) cwlat_run_args((const char *const[]){ __VA_ARGS__, NULL }, false)

static void test_cwlat_bad_arguments_exit_2_with_message_and_usage(void **state)
{
	static const char *const cases[][8] = {
		{ "--bogus" },
		{ "--threads", "0" },
		{ "--threads", "many" },
		{ "--threads", "257" },
		{ "--interval", "5" },
		{ "--interval", "2000000" },
		{ "--interval", "1ms" },
		{ "--duration", "0s" },
		{ "--duration", "10" },
		{ "--duration", "3601s" },
		{ "--duration", "500us" },
		{ "--priority", "0" },
		{ "--priority", "100" },
		{ "--hz", "123" },
		{ "--histogram", "" },
		{ "--machine", "m.ini" },
		{ "--seed", "3" },
		{ "--irq-latency", "1us" },
		{ "--sim", "--compare" },
		{ "--sim", "--priority", "50" },
		{ "--sim", "--affinity" },
		{ "--sim", "--clocksource", "tsc" },
		{ "--sim", "--irq-latency", "fast" },
		{ "--sim", "--threads", "5" },
		{ "--threads", "256", "--interval", "10", "--duration", "3600s" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r = cwlat_run_args(cases[i], false);

		printf("case %zu (%s %s): exit %d: %.*s", i, cases[i][0],
		       cases[i][1] ? cases[i][1] : "", r.status,
		       (int)(strchr(r.err, '\n') ? strchr(r.err, '\n') - r.err + 1 : 0), r.err);
		assert_int_equal(r.status, CWLAT_EXIT_USAGE);
		assert_true(strncmp(r.err, "cwlat: ", 7) == 0);
		assert_non_null(strstr(r.err, "usage: cwlat"));
		assert_int_equal(r.out_len, 0);
		run_free(&r);
	}
}

static void test_cwlat_help_prints_usage_and_exits_0(void **state)
{
	struct run r = CWLAT("--help");

	(void)state;
	assert_int_equal(r.status, CWLAT_EXIT_OK);
	assert_non_null(strstr(r.out, "usage: cwlat"));
	assert_non_null(strstr(r.out, "--compare"));
	assert_int_equal(r.err_len, 0);
	run_free(&r);
}

static void test_cwlat_sim_missing_machine_file_exits_1(void **state)
{
	struct run r = CWLAT("--sim", "--machine", "/nonexistent/machine.ini");

	(void)state;
	assert_int_equal(r.status, CWLAT_EXIT_FAILURE);
	assert_non_null(strstr(r.err, "machine.ini"));
	run_free(&r);
}

static void test_cwlat_sim_run_is_deterministic(void **state)
{
	struct run a = CWLAT("--sim", "--threads", "4", "--duration", "300ms", "--interval", "250");
	struct run b = CWLAT("--sim", "--threads", "4", "--duration", "300ms", "--interval", "250");

	(void)state;
	assert_int_equal(a.status, CWLAT_EXIT_OK);
	assert_int_equal(b.status, CWLAT_EXIT_OK);
	assert_int_equal(a.out_len, b.out_len);
	assert_memory_equal(a.out, b.out, a.out_len);
	assert_memory_equal(&a.sum, &b.sum, sizeof(a.sum));
	printf("%s", a.out);
	run_free(&a);
	run_free(&b);
}

/* Every sample within [modelled, modelled + rounding]; every period sampled once. */
static void check_modelled_latency(const struct run *r, uint64_t latency_ns, uint64_t periods)
{
	const struct cwlat_stats *st = &r->sum.series[0];

	printf("modelled %llu ns: min %lld avg %lld p99 %lld max %lld ns, %llu samples\n",
	       (unsigned long long)latency_ns, (long long)st->min_ns, (long long)st->avg_ns,
	       (long long)st->p99_ns, (long long)st->max_ns, (unsigned long long)st->samples);
	assert_int_equal(r->status, CWLAT_EXIT_OK);
	assert_true(r->sum.sim);
	assert_int_equal(r->sum.irq_latency_ns, latency_ns);
	assert_int_equal(r->sum.nr_series, 1);
	assert_int_equal(st->samples, periods);
	assert_int_equal(st->overruns, 0);
	assert_true(st->min_ns >= (int64_t)latency_ns);
	assert_true(st->max_ns <= (int64_t)latency_ns + DEVICE_ROUNDING_NS);
	assert_true(st->min_ns <= st->p50_ns && st->p50_ns <= st->p99_ns);
	assert_true(st->p99_ns <= st->p999_ns && st->p999_ns <= st->max_ns);
}

static void test_cwlat_sim_latency_is_the_modelled_interrupt_latency(void **state)
{
	struct run dflt = CWLAT("--sim", "--threads", "4", "--duration", "500ms");
	struct run slow = CWLAT("--sim", "--threads", "2", "--duration", "200ms", "--interval",
				"100", "--irq-latency", "25us");

	(void)state;
	/* default-soc's [irq] latency is 1 us. */
	check_modelled_latency(&dflt, 1000, 4 * 500);
	check_modelled_latency(&slow, 25000, 2 * 2000);
	assert_non_null(strstr(slow.out, "modelled interrupt latency 25.000 us"));
	assert_non_null(strstr(slow.out, "high resolution"));
	run_free(&dflt);
	run_free(&slow);
}

static void test_cwlat_sim_runs_an_example_machine_file(void **state)
{
	char path[512];
	struct run r;

	(void)state;
	snprintf(path, sizeof(path), "%s/examples/machines/cortex-a9-quad.ini", CW_SOURCE_DIR);
	r = CWLAT("--sim", "--machine", path, "--threads", "4", "--duration", "100ms");
	printf("%s", r.out);
	assert_int_equal(r.status, CWLAT_EXIT_OK);
	assert_int_equal(r.sum.series[0].samples, 400);
	/* Its [irq] latency is 2 us; p50 sits at it plus the rounding. */
	assert_true(r.sum.series[0].p50_ns >= 2000);
	assert_true(r.sum.series[0].p50_ns <= 2000 + DEVICE_ROUNDING_NS);
	run_free(&r);
}

static void test_cwlat_histogram_file_holds_every_sample_in_its_bucket(void **state)
{
	char path[256];
	unsigned long long total = 0, in_7 = 0;
	bool header = false;
	char line[256];
	struct run r;
	FILE *f;

	(void)state;
	cwlat_temp_file(path, sizeof(path), "cwlat-hist");
	r = CWLAT("--sim", "--threads", "2", "--duration", "100ms", "--irq-latency", "7500ns",
		  "--histogram", path);
	assert_int_equal(r.status, CWLAT_EXIT_OK);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(line[0], '#');
	while (fgets(line, sizeof(line), f)) {
		unsigned long long bucket, count;

		if (line[0] == '#') {
			header |= strncmp(line, "# bucket_us clockwork\n", 22) == 0;
			continue;
		}
		assert_int_equal(sscanf(line, "%llu %llu", &bucket, &count), 2);
		total += count;
		in_7 += bucket == 7 ? count : 0;
	}
	fclose(f);
	unlink(path);
	assert_true(header);
	assert_int_equal(total, 200);
	assert_int_equal(in_7, 200);
	assert_non_null(strstr(r.out, "[5, 10)"));
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cwlat_bad_arguments_exit_2_with_message_and_usage),
		cmocka_unit_test(test_cwlat_help_prints_usage_and_exits_0),
		cmocka_unit_test(test_cwlat_sim_missing_machine_file_exits_1),
		cmocka_unit_test(test_cwlat_sim_run_is_deterministic),
		cmocka_unit_test(test_cwlat_sim_latency_is_the_modelled_interrupt_latency),
		cmocka_unit_test(test_cwlat_sim_runs_an_example_machine_file),
		cmocka_unit_test(test_cwlat_histogram_file_holds_every_sample_in_its_bucket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
