/* SPDX-License-Identifier: MIT */
/*
 * The 4096-CPU machine (issue 10): examples/machines/large/numa-4096.ini,
 * numa-2node scaled to 2 x 2048 CPUs, boots in cwsim (in-process) and runs
 * 10 simulated seconds with the invariant checker on, in under 256 MiB
 * peak RSS. Before the hrtimer queues shared their radix wheels, one
 * simulated second took 428 MB: 8 wheels of 11 KiB per CPU.
 *
 * cwsim --resources reports the peak RSS (getrusage: this process's) and
 * the wall time; both are printed. Measured here: 119 MiB and 9 s (143 MiB
 * and 34 s under AddressSanitizer, which the bound also holds), so the
 * whole run is in make check; ctest's timeout is the time limit.
 */
#include "cwsim.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cwsim_test.h"

#ifndef CW_SOURCE_DIR
#error "CW_SOURCE_DIR must name the source tree"
#endif
#ifndef CWT_LARGE_SECONDS
/** Simulated seconds of the run (the soak build sets 10). */
#define CWT_LARGE_SECONDS 1
#endif

#define STR2(x) #x
#define STR(x)  STR2(x)

/** Peak RSS the run may reach, KiB. */
#define RSS_LIMIT_KIB (256u * 1024u)

static void test_numa_4096_runs_within_256_mib(void **state)
{
	char path[512], *p, *args[16] = { 0 };
	struct cwsim_run r;
	unsigned long bytes = 0, cpus = 0;
	long rss_kib = -1;
	double wall_s = -1;
	int n = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/examples/machines/large/numa-4096.ini", CW_SOURCE_DIR);
	args[n++] = "--machine";
	args[n++] = path;
	args[n++] = "--duration";
	args[n++] = STR(CWT_LARGE_SECONDS) "s";
	args[n++] = "--quiet";
	args[n++] = "--resources";
	r = cwsim_run_argv(args);
	if (r.status != 0) {
		fail_msg("status %d\n%s", r.status, r.err);
	}
	/* Every CPU ran: the last one has its row in the CPU table. */
	assert_non_null(strstr(r.out, "\n4095 "));
	assert_non_null(strstr(r.out, "check: 0 violations"));
	/* The per-CPU figure, and that it is the one the core reports. */
	p = strstr(r.out, "\nmemory: ");
	assert_non_null(p);
	assert_int_equal(
		sscanf(p, "\nmemory: %lu bytes per CPU of core state, %lu CPUs", &bytes, &cpus), 2);
	assert_int_equal(cpus, 4096);
	if (sizeof(void *) == 8) {
		assert_true(bytes <= 32u * 1024u);
	}
	p = strstr(r.err, "cwsim: resources: wall ");
	assert_non_null(p);
	assert_int_equal(
		sscanf(p, "cwsim: resources: wall %lf s, peak RSS %ld KiB", &wall_s, &rss_kib), 2);
	print_message("numa-4096, %d simulated s: peak RSS %ld KiB (%.1f MiB), wall %.1f s, "
		      "%lu bytes per CPU of core state\n",
		      CWT_LARGE_SECONDS, rss_kib, (double)rss_kib / 1024.0, wall_s, bytes);
	assert_true(rss_kib > 0);
	assert_true(rss_kib < (long)RSS_LIMIT_KIB);
	cwsim_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numa_4096_runs_within_256_mib),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
