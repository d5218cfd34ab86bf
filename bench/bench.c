/* SPDX-License-Identifier: MIT */
/*
 * The benchmark harness shared by every bench_<suite> program: stopwatch,
 * quick mode, median, and the JSON-lines results file (see bench.h).
 */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define BENCH_DEFAULT_RESULTS "build/bench/results.jsonl"
#define BENCH_PATH_MAX 4096

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool bench_quick(void)
{
	const char *q = getenv("CW_BENCH_QUICK");

	return q && q[0] && strcmp(q, "0") != 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, unsigned n)
{
	if (n == 0) {
		return 0.0;
	}
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

const char *bench_results_path(void)
{
	const char *p = getenv("CW_BENCH_RESULTS");

	return p && p[0] ? p : BENCH_DEFAULT_RESULTS;
}

/* mkdir -p for every directory above @path's last component. */
static int make_parent_dirs(const char *path)
{
	char buf[BENCH_PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf)) {
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/') {
			continue;
		}
		*p = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
			return -1;
		}
		*p = '/';
	}
	return 0;
}

int bench_append_result(const struct bench_result *r)
{
	const char *path = bench_results_path();
	FILE *f;

	if (make_parent_dirs(path) != 0 || !(f = fopen(path, "a"))) {
		fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "{\"suite\":\"%s\",\"case\":\"%s\",\"impl\":\"%s\",\"n\":%llu,\"ns_per_op\":%.3f}\n",
		r->suite, r->case_name, r->impl, (unsigned long long)r->n, r->ns_per_op);
	fclose(f);
	return 0;
}
