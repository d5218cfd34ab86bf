/* SPDX-License-Identifier: MIT */
/*
 * The benchmark harness shared by every bench_<suite> program: stopwatch,
 * run modes, median, load and RSS probes, and the one writer of the
 * JSON-lines results file (see bench.h for the row schema).
 *
 * The build description comes from bench/CMakeLists.txt: compiler, flags
 * and build type at configure time, the commit (`git describe` of the
 * tree) at build time, through the generated bench_commit.h.
 */
#include "bench.h"
#include "bench_commit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BENCH_DEFAULT_RESULTS "build/bench/results.jsonl"
#define BENCH_PATH_MAX        4096

#ifndef CW_BENCH_COMMIT
#define CW_BENCH_COMMIT "unknown"
#endif
#ifndef CW_BENCH_COMPILER
#define CW_BENCH_COMPILER "unknown"
#endif
#ifndef CW_BENCH_CFLAGS
#define CW_BENCH_CFLAGS ""
#endif
#ifndef CW_BENCH_BUILD_TYPE
#define CW_BENCH_BUILD_TYPE ""
#endif

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	/* MONOTONIC_RAW: never the virtual clock bench_wheel gives libuv. */
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool stopwatch_thread(void)
{
	static int v = -1;

	if (v < 0) {
		const char *e = getenv("CW_BENCH_STOPWATCH");

		v = e && strcmp(e, "thread") == 0;
	}
	return v;
}

uint64_t bench_stopwatch_ns(void)
{
	struct timespec ts;

	if (!stopwatch_thread()) {
		return bench_now_ns();
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *bench_stopwatch_name(void)
{
	return stopwatch_thread() ? "thread-cputime" : "monotonic-raw";
}

static bool env_flag(const char *name)
{
	const char *q = getenv(name);

	return q && q[0] && strcmp(q, "0") != 0;
}

bool bench_quick(void)
{
	return env_flag("CW_BENCH_QUICK") || bench_tiny();
}

bool bench_tiny(void)
{
	return env_flag("CW_BENCH_TINY");
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

void bench_row_stats(struct bench_row *row, double *v, unsigned n)
{
	row->reps = n;
	row->ns_per_op = bench_median(v, n);
	row->ns_per_op_min = n ? v[0] : 0.0;
	row->ns_per_op_max = n ? v[n - 1] : 0.0;
}

const char *bench_results_path(void)
{
	const char *p = getenv("CW_BENCH_RESULTS");

	return p && p[0] ? p : BENCH_DEFAULT_RESULTS;
}

void bench_load_read(struct bench_load *l)
{
	FILE *f = fopen("/proc/loadavg", "r");

	memset(l, 0, sizeof(*l));
	if (!f) {
		return;
	}
	l->ok = fscanf(f, "%lf %lf %lf", &l->avg_1min, &l->avg_5min, &l->avg_15min) == 3;
	fclose(f);
}

int bench_rss_reset(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	int ok;

	if (!f) {
		return -1;
	}
	ok = fputs("5", f) >= 0;
	ok &= fclose(f) == 0;
	return ok ? 0 : -1;
}

long bench_rss_peak_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	if (!f) {
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1) {
			break;
		}
	}
	fclose(f);
	return kib;
}

/* @s as a JSON string (quotes, backslashes and control characters escaped). */
static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
		} else if (c < 0x20) {
			fprintf(f, "\\u%04x", c);
		} else {
			fputc(c, f);
		}
	}
	fputc('"', f);
}

static void put_load(FILE *f, const struct bench_load *l)
{
	if (!l->ok) {
		fputs("null", f);
		return;
	}
	fprintf(f, "[%.2f,%.2f,%.2f]", l->avg_1min, l->avg_5min, l->avg_15min);
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

int bench_row_write(const struct bench_row *r)
{
	const char *path = bench_results_path();
	struct bench_load end;
	char stamp[32] = "";
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	bench_load_read(&end);
	if (gmtime_r(&now, &tm)) {
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	if (make_parent_dirs(path) != 0 || !(f = fopen(path, "a"))) {
		fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	fputs("{\"suite\":", f);
	put_str(f, r->suite);
	fputs(",\"case\":", f);
	put_str(f, r->case_name);
	fputs(",\"impl\":", f);
	put_str(f, r->impl);
	fputs(",\"clock\":", f);
	put_str(f, r->clock ? r->clock : "none");
	fputs(",\"stopwatch\":", f);
	put_str(f, r->stopwatch ? r->stopwatch : "monotonic-raw");
	if (r->pending_timers >= 0) {
		fprintf(f, ",\"pending_timers\":%lld", (long long)r->pending_timers);
	} else {
		fputs(",\"pending_timers\":null", f);
	}
	fprintf(f, ",\"ops_per_rep\":%llu,\"reps\":%u", (unsigned long long)r->ops_per_rep,
		r->reps);
	fprintf(f, ",\"ns_per_op\":%.3f,\"ns_per_op_min\":%.3f,\"ns_per_op_max\":%.3f",
		r->ns_per_op, r->ns_per_op_min, r->ns_per_op_max);
	if (r->peak_rss_kib >= 0) {
		fprintf(f, ",\"peak_rss_kib\":%ld", r->peak_rss_kib);
	} else {
		fputs(",\"peak_rss_kib\":null", f);
	}
	if (r->bytes_per_timer) {
		fprintf(f, ",\"bytes_per_timer\":%zu", r->bytes_per_timer);
	} else {
		fputs(",\"bytes_per_timer\":null", f);
	}
	fputs(",\"commit\":", f);
	put_str(f, CW_BENCH_COMMIT);
	fputs(",\"compiler\":", f);
	put_str(f, CW_BENCH_COMPILER);
	fputs(",\"cflags\":", f);
	put_str(f, CW_BENCH_CFLAGS);
	fputs(",\"build_type\":", f);
	put_str(f, CW_BENCH_BUILD_TYPE);
	fprintf(f, ",\"host_cpus\":%ld", sysconf(_SC_NPROCESSORS_ONLN));
	fputs(",\"loadavg_start\":", f);
	put_load(f, &r->load_start);
	fputs(",\"loadavg_end\":", f);
	put_load(f, &end);
	fputs(",\"finished_utc\":", f);
	put_str(f, stamp);
	fputs("}\n", f);
	if (fclose(f) != 0) {
		fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}
