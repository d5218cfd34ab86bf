/* SPDX-License-Identifier: MIT */
/*
 * cwsim --report DIR (tools/cwsim/html_report.c), in-process: the run is
 * unchanged by it (same text but one "report:" line, same trace byte for
 * byte); what the plots show agrees with the tables of the same run (per
 * CPU wakeups and idle share, interrupts per line and IPIs, hrtimer and
 * wheel expiries with the checker's latest lateness in the last bucket);
 * every plot is an SVG document the page shows; the page links the JSON
 * and the trace; without gnuplot on PATH, or with a DIR that is a file, the
 * run fails before it simulates, with a message. The browser half (the
 * page loads in headless Chromium and shows every plot) is
 * tests/browser/report_in_chromium.sh.
 */
#include "cwsim.h"

#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cwsim_test.h"

#define NR_CPUS  4

static const char *const stems[] = { "wakeups", "residency", "hrtimer-lateness", "wheel-lateness",
				     "irq-rate" };
#define NR_STEMS (sizeof(stems) / sizeof(stems[0]))

/* cwsim with the NULL-terminated arguments after argv[0] (cwsim_test.h). */
#define cwsim(...) cwsim_run_args(__VA_ARGS__)

static void temp_dir(char *path, size_t len)
{
	const char *dir = getenv("TMPDIR");

	/* The six X are mkdtemp()'s template. */
	snprintf(path, len, "%s/cwsim-report-XXXXXX", dir && *dir ? dir : "/tmp");
	assert_non_null(mkdtemp(path));
}

static void remove_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char file[1024];

	if (!d) {
		return;
	}
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
			unlink(file);
		}
	}
	closedir(d);
	rmdir(path);
}

static char *read_in(const char *dir, const char *name, size_t *len)
{
	char path[1024], *text;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cwsim_read_file(path, &text, len ? len : &n);
	return text;
}

static bool exists_in(const char *dir, const char *name)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* The report changes nothing in the run: same text plus one line, same trace. */
static void test_report_does_not_change_the_run(void **state)
{
	char trace[512], dir[512], line[600];
	struct cwsim_run plain, reported;
	char *a, *b;
	size_t alen, blen;

	(void)state;
	cwsim_temp_file(trace, sizeof(trace), "");
	temp_dir(dir, sizeof(dir));
	plain = cwsim("--duration", "3s", "--trace", trace, NULL);
	assert_int_equal(plain.status, 0);
	cwsim_read_file(trace, &a, &alen);
	reported = cwsim("--duration", "3s", "--trace", trace, "--report", dir, NULL);
	assert_int_equal(reported.status, 0);
	cwsim_read_file(trace, &b, &blen);
	snprintf(line, sizeof(line), "report: %s/index.html (5 plots)\n", dir);
	assert_int_equal(reported.out_len, plain.out_len + strlen(line));
	assert_memory_equal(plain.out, reported.out, plain.out_len);
	assert_string_equal(reported.out + plain.out_len, line);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	/* --trace given: nothing written in its place in DIR. */
	assert_false(exists_in(dir, "trace.json"));
	free(a);
	free(b);
	cwsim_run_free(&plain);
	cwsim_run_free(&reported);
	unlink(trace);
	remove_dir(dir);
}

/* Each plot is an SVG document with its title; the page shows each and links JSON and trace. */
static void check_files(const char *dir)
{
	char *page = read_in(dir, "index.html", NULL), want[256];

	for (size_t i = 0; i < NR_STEMS; i++) {
		char name[64], *svg;
		size_t len;

		snprintf(name, sizeof(name), "%s.svg", stems[i]);
		svg = read_in(dir, name, &len);
		assert_true(len > 1000);
		assert_non_null(strstr(svg, "<svg"));
		assert_non_null(strstr(svg, "<title>Gnuplot</title>"));
		assert_non_null(strstr(svg + len - 16, "</svg>"));
		free(svg);
		snprintf(want, sizeof(want), "<figure class=\"plot\" id=\"%s\">\n<img src=\"%s\"",
			 stems[i], name);
		assert_non_null(strstr(page, want));
	}
	assert_non_null(strstr(page, "<a id=\"trace\" href=\"trace.json\">"));
	/* The harness's --json file, beside DIR in $TMPDIR: a relative link. */
	assert_non_null(strstr(page, "<a id=\"json\" href=\"../cwsim-test-"));
	free(page);
}

static const struct jt_node *row_of(const struct cwsim_run *r, const char *table, unsigned cpu)
{
	char key[16];

	snprintf(key, sizeof(key), "%u", cpu);
	return jt_row(jt_get(r->json, table), "cpu", key);
}

/* residency.dat: per CPU awake %, one column per idle state, wakeups. */
static void check_residency(const char *dir, const struct cwsim_run *r)
{
	char *text = read_in(dir, "residency.dat", NULL), *save = NULL, *l;
	unsigned cpus = 0;

	l = strtok_r(text, "\n", &save);
	assert_string_equal(l, "cpu awake wfi retention wakeups");
	while ((l = strtok_r(NULL, "\n", &save))) {
		unsigned cpu;
		double awake, wfi, ret, idle;
		unsigned long long wakeups;

		assert_int_equal(
			sscanf(l, "cpu%u %lf %lf %lf %llu", &cpu, &awake, &wfi, &ret, &wakeups), 5);
		assert_int_equal(cpu, cpus);
		/* Idle exits per CPU are the NO_HZ table's wakeups. */
		assert_true((double)wakeups == jt_num(jt_get(row_of(r, "nohz", cpu), "wakeups")));
		/* The idle share is the CPU table's (cut to one decimal there; the core's own
		 * idle time, measured on its clock, differs by well under 0.01 %). */
		idle = jt_num(jt_get(row_of(r, "cpus", cpu), "idle_pct"));
		assert_true(wfi + ret > idle - 0.01 && wfi + ret < idle + 0.11);
		assert_true(fabs(awake + wfi + ret - 100.0) < 0.001);
		assert_true(wfi > 0 && ret > 0 && awake > 0);
		cpus++;
	}
	assert_int_equal(cpus, NR_CPUS);
	free(text);
}

/* wakeups.dat: rates per bin that add up to the CPU's wakeups. */
static void check_wakeups_series(const char *dir, const struct cwsim_run *r)
{
	char *text = read_in(dir, "wakeups.dat", NULL), *save = NULL, *l;
	double sum[NR_CPUS] = { 0 }, prev_t = -1, prev[NR_CPUS] = { 0 };
	unsigned rows = 0;

	l = strtok_r(text, "\n", &save);
	assert_string_equal(l, "time_s cpu0 cpu1 cpu2 cpu3");
	while ((l = strtok_r(NULL, "\n", &save))) {
		double t, v[NR_CPUS];

		assert_int_equal(sscanf(l, "%lf %lf %lf %lf %lf", &t, &v[0], &v[1], &v[2], &v[3]),
				 5);
		if (prev_t >= 0) {
			assert_true(t > prev_t);
			for (unsigned c = 0; c < NR_CPUS; c++) {
				sum[c] += prev[c] * (t - prev_t);
			}
		}
		prev_t = t;
		memcpy(prev, v, sizeof(prev));
		rows++;
	}
	assert_int_equal(rows, 101); /* 100 bins and the end */
	assert_true(fabs(prev_t - 3.0) < 1e-9);
	for (unsigned c = 0; c < NR_CPUS; c++) {
		double want = jt_num(jt_get(row_of(r, "nohz", c), "wakeups"));

		assert_true(fabs(sum[c] - want) < 0.01);
	}
	free(text);
}

/* irq-totals.dat: per clock event device its interrupts in the device table; the CPUs' IPIs. */
static void check_irqs(const char *dir, const struct cwsim_run *r)
{
	char *text = read_in(dir, "irq-totals.dat", NULL), *save = NULL, *l;
	const struct jt_node *devs = jt_get(r->json, "clockevents");
	double ipis = -1, want_ipis = 0;
	unsigned devices = 0, want_devices = 0;

	l = strtok_r(text, "\n", &save);
	assert_string_equal(l, "line interrupts");
	while ((l = strtok_r(NULL, "\n", &save))) {
		char name[64], *dev;
		unsigned long long n;
		unsigned irq;
		const struct jt_node *row;

		assert_int_equal(sscanf(l, "%63s %llu", name, &n), 2);
		if (strcmp(name, "ipi") == 0) {
			ipis = (double)n;
			continue;
		}
		/* irqN:DEVICE */
		assert_int_equal(sscanf(name, "irq%u:", &irq), 1);
		dev = strchr(name, ':');
		assert_non_null(dev);
		row = jt_row(devs, "clockevent", dev + 1);
		if (!row) {
			fail_msg("%s: no such clock event device in the report", name);
		}
		assert_true((double)n == jt_num(jt_get(row, "interrupts")));
		devices++;
	}
	/* Every device that interrupted has its series. */
	for (size_t i = 0; jt_at(devs, i); i++) {
		want_devices += jt_num(jt_get(jt_at(devs, i), "interrupts")) > 0;
	}
	for (unsigned c = 0; c < NR_CPUS; c++) {
		want_ipis += jt_num(jt_get(row_of(r, "cpus", c), "ipis"));
	}
	assert_int_equal(devices, want_devices);
	assert_true(devices == NR_CPUS + 1); /* local.0-3 and the broadcast tmu0.0 */
	assert_true(want_ipis > 0 && ipis == want_ipis);
	free(text);
}

/* A lateness histogram: counts add up to @expiries, the last bucket holds @max. */
static void check_hist(const char *dir, const char *name, double expiries, double max)
{
	char *text = read_in(dir, name, NULL), *save = NULL, *l;
	unsigned long long total = 0, last = 0;
	unsigned last_k = 0;

	l = strtok_r(text, "\n", &save);
	assert_string_equal(l, "bucket from count");
	while ((l = strtok_r(NULL, "\n", &save))) {
		unsigned k;
		char from[32];
		unsigned long long n;

		assert_int_equal(sscanf(l, "%u %31s %llu", &k, from, &n), 3);
		total += n;
		last = n;
		last_k = k;
	}
	assert_true((double)total == expiries);
	assert_true(last > 0);
	if (max <= 0) {
		assert_int_equal(last_k, 0);
	} else {
		assert_true(ldexp(1.0, (int)last_k - 1) <= max && max < ldexp(1.0, (int)last_k));
	}
	free(text);
}

static void test_report_agrees_with_the_tables(void **state)
{
	const struct jt_node *check;
	struct cwsim_run r;
	char dir[512];

	(void)state;
	temp_dir(dir, sizeof(dir));
	r = cwsim("--duration", "3s", "--report", dir, NULL);
	assert_int_equal(r.status, 0);
	check_files(dir);
	/* --trace not given: written into DIR; --json given (by the harness): not. */
	assert_true(exists_in(dir, "trace.json"));
	assert_false(exists_in(dir, "cwsim.json"));
	check_residency(dir, &r);
	check_wakeups_series(dir, &r);
	check_irqs(dir, &r);
	check = jt_get(r.json, "check");
	check_hist(dir, "hrtimer-lateness.dat", jt_num(jt_get(check, "hrtimer_expiries")),
		   jt_num(jt_get(check, "hrtimer_max_late_ns")));
	check_hist(dir, "wheel-lateness.dat", jt_num(jt_get(check, "wheel_expiries")),
		   jt_num(jt_get(check, "wheel_max_late_jiffies")));
	cwsim_run_free(&r);
	remove_dir(dir);
}

/* @text with its first @from replaced by @to (into a new string). */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t head, len;
	char *s;

	assert_non_null(at);
	head = (size_t)(at - text);
	len = strlen(text) - strlen(from) + strlen(to);
	s = malloc(len + 1);
	assert_non_null(s);
	memcpy(s, text, head);
	strcpy(s + head, to);
	strcat(s, at + strlen(from));
	return s;
}

/* More CPUs than lines on one plot (16): the wakeups plot is a heat map; 24 CPUs, short run. */
static void test_report_of_a_large_machine(void **state)
{
	char dir[512], machine[512], *dat, *ini, *a, *b;
	struct cwsim_run r;
	size_t len, rows = 0;

	(void)state;
	temp_dir(dir, sizeof(dir));
	cwsim_read_file(CW_SOURCE_DIR "/examples/machines/numa-2node.ini", &ini, &len);
	a = replace(ini, "cpus = 16", "cpus = 24");
	b = replace(a, "cpus = 8-15", "cpus = 8-23");
	cwsim_temp_file(machine, sizeof(machine), b);
	free(ini);
	free(a);
	free(b);
	r = cwsim("--machine", machine, "--duration", "200ms", "--report", dir, NULL);
	unlink(machine);
	assert_int_equal(r.status, 0);
	check_files(dir);
	dat = read_in(dir, "wakeups.dat", &len);
	for (size_t i = 0; i < len; i++) {
		rows += dat[i] == '\n';
	}
	assert_true(jt_num(jt_get(jt_get(r.json, "run"), "cpus")) > 16);
	/* One row per CPU (a matrix), no header. */
	assert_true((double)rows == jt_num(jt_get(jt_get(r.json, "run"), "cpus")));
	free(dat);
	cwsim_run_free(&r);
	remove_dir(dir);
}

/* No gnuplot: a clear error before anything is simulated, no page. */
static void test_report_without_gnuplot_fails_first(void **state)
{
	char dir[512], empty[512], *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	struct cwsim_run r;

	(void)state;
	temp_dir(dir, sizeof(dir));
	temp_dir(empty, sizeof(empty));
	assert_int_equal(setenv("PATH", empty, 1), 0);
	r = cwsim("--duration", "1s", "--report", dir, NULL);
	if (path) {
		setenv("PATH", path, 1);
	}
	free(path);
	assert_int_equal(r.status, CWSIM_EXIT_FAILURE);
	assert_non_null(strstr(r.err, "--report needs gnuplot"));
	assert_null(strstr(r.out, "\nclock "));
	assert_false(exists_in(dir, "index.html"));
	cwsim_run_free(&r);
	remove_dir(dir);
	remove_dir(empty);
}

/* DIR names a file: refused with a message. */
static void test_report_dir_must_be_a_directory(void **state)
{
	char file[512];
	struct cwsim_run r;

	(void)state;
	cwsim_temp_file(file, sizeof(file), "x");
	r = cwsim("--duration", "1s", "--report", file, NULL);
	assert_int_equal(r.status, CWSIM_EXIT_FAILURE);
	assert_non_null(strstr(r.err, "is not a directory"));
	cwsim_run_free(&r);
	unlink(file);
}

/* The checker off: no timer events, the histograms say so, the page is still whole. */
static void test_report_with_the_checker_off(void **state)
{
	struct cwsim_run r;
	char dir[512], *page;

	(void)state;
	temp_dir(dir, sizeof(dir));
	r = cwsim("--duration", "1s", "--check", "off", "--report", dir, NULL);
	assert_int_equal(r.status, 0);
	check_files(dir);
	page = read_in(dir, "index.html", NULL);
	assert_non_null(strstr(page, "hrtimers on MONOTONIC bases: 0 expiries"));
	free(page);
	cwsim_run_free(&r);
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_does_not_change_the_run),
		cmocka_unit_test(test_report_agrees_with_the_tables),
		cmocka_unit_test(test_report_of_a_large_machine),
		cmocka_unit_test(test_report_without_gnuplot_fails_first),
		cmocka_unit_test(test_report_dir_must_be_a_directory),
		cmocka_unit_test(test_report_with_the_checker_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
