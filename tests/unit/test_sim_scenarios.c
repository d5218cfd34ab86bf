/* SPDX-License-Identifier: MIT */
/*
 * Scenario runner: each tests/scenarios/<behaviour>/ directory holds an
 * optional machine.ini, an optional workload.ini and an "expect" file; the
 * runner runs cwsim in-process on the machine (the built-in default without
 * one) with the workload (the built-in default without one) and checks
 * every directive of the expect file against the output:
 *
 *   args = --duration 3s ...        cwsim arguments (blank separated, once)
 *   contains = TEXT                 the output contains TEXT
 *   absent = TEXT                   the output does not contain TEXT
 *   by = SECONDS TEXT               the first line containing TEXT is
 *                                   stamped at or before SECONDS
 *   error_ns = CLOCK LO HI          the clock's error is within [LO, HI] ns
 *   clocksource = NAME FIELD VALUE  the clocksource row's FIELD (current,
 *                                   watchdog, wraps, rating) is VALUE
 *   cpu = CPU|all FIELD LO HI       the CPU table's FIELD (interrupts, ticks,
 *                                   do_timer, bc_wakeups, ipis, idle, deep,
 *                                   forced, lost) is within [LO, HI] for the
 *                                   CPU, or for every CPU with "all"
 *   nohz = CPU|all FIELD LO HI      the NO_HZ table's FIELD (idle_calls,
 *                                   idle_sleeps, ticks_stopped, wakeups, hres)
 *   device = NAME FIELD LO HI       the clockevent table's FIELD (interrupts,
 *                                   spurious, storms, lost_deep, programs)
 *   value = KEY LO HI               "KEY: N" of the summary line (jiffies,
 *                                   expected, do_timer_ticks, lost_interrupts)
 *
 * Lines starting with '#' are comments. The scenario list is explicit
 * (scenarios[] below): add a directory, then add its name here.
 */
#include "cwsim.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#ifndef CW_SOURCE_DIR
#error "CW_SOURCE_DIR must name the source tree"
#endif

#define MAX_ARGS       32
#define LINE_MAX_BYTES 512

static const char *const scenarios[] = {
	"default-soc-catches-drifting-counter",
	"watchdog-marks-1pct-tsc-unstable",
	"watchdog-never-flags-100ppm-tsc",
	"acpi-pm-wraps-keep-time",
	"nonstop-tsc-measures-suspend",
	"c3stop-broadcast-no-lost-ticks",
	"c3stop-without-broadcast-loses-wakeups",
	"do-timer-duty-moves-off-idle-cpu",
	"hotplug-keeps-others-ticking",
	"erratum-flag-first-storms",
	"erratum-documented-order-stays-quiet",
	"pit-periodic-gives-hz-ticks",
	"nohz-idle-cpus-stay-asleep",
	"periodic-broadcast-keeps-tick-phase",
	"boundaries-crossed-under-load",
};

/** One scenario run. */
struct scenario {
	const char *name;
	char dir[512];
	char *out;
	size_t out_len;
	char *err;
	size_t err_len;
	int status;
};

static void run_cwsim(struct scenario *s, char *args)
{
	char *argv[MAX_ARGS] = { "cwsim" };
	char machine[600], workload[600];
	char *save = NULL;
	int argc = 1;
	FILE *out, *err, *probe;

	snprintf(machine, sizeof(machine), "%s/machine.ini", s->dir);
	probe = fopen(machine, "r");
	if (probe) {
		fclose(probe);
		argv[argc++] = "--machine";
		argv[argc++] = machine;
	}
	snprintf(workload, sizeof(workload), "%s/workload.ini", s->dir);
	probe = fopen(workload, "r");
	if (probe) {
		fclose(probe);
		argv[argc++] = "--workload";
		argv[argc++] = workload;
	}
	for (char *a = strtok_r(args, " \t", &save); a; a = strtok_r(NULL, " \t", &save)) {
		assert_true(argc < MAX_ARGS - 1);
		argv[argc++] = a;
	}
	argv[argc++] = "--seed";
	argv[argc++] = "1";
	/* The invariant checker watches every scenario: a violation fails it. */
	argv[argc++] = "--check";
	argv[argc++] = "strict";
	out = open_memstream(&s->out, &s->out_len);
	err = open_memstream(&s->err, &s->err_len);
	assert_non_null(out);
	assert_non_null(err);
	s->status = cwsim_main(argc, argv, out, err);
	fclose(out);
	fclose(err);
}

static void scenario_fail(const struct scenario *s, const char *directive, const char *why)
{
	fail_msg("scenario %s: '%s': %s\n--- output ---\n%s", s->name, directive, why,
		 s->out ? s->out : "");
}

/* The table row (clock or clocksource table) that starts with @name. */
static const char *find_row(const struct scenario *s, const char *table, const char *name)
{
	char key[96];
	const char *start = strstr(s->out, table);

	snprintf(key, sizeof(key), "\n%s ", name);
	return start ? strstr(start, key) : NULL;
}

static void check_error_ns(const struct scenario *s, const char *directive, const char *arg)
{
	char clock[64], name[64], v[64], t[64];
	long long lo, hi, e;
	const char *row;

	if (sscanf(arg, "%63s %lld %lld", clock, &lo, &hi) != 3) {
		scenario_fail(s, directive, "expected CLOCK LO HI");
	}
	row = find_row(s, "\nclock ", clock);
	if (!row || sscanf(row + 1, "%63s %63s %63s %lld", name, v, t, &e) != 4) {
		scenario_fail(s, directive, "no such clock row");
	}
	if (e < lo || e > hi) {
		scenario_fail(s, directive, "error outside the bounds");
	}
}

static void check_clocksource(const struct scenario *s, const char *directive, const char *arg)
{
	char name[64], field[32], want[32], cols[8][64];
	const char *row;
	int col;

	if (sscanf(arg, "%63s %31s %31s", name, field, want) != 3) {
		scenario_fail(s, directive, "expected NAME FIELD VALUE");
	}
	row = find_row(s, "\nclocksource ", name);
	/* Columns: name rating freq bits flags current watchdog wraps. */
	if (!row || sscanf(row + 1, "%63s %63s %63s %63s %63s %63s %63s %63s", cols[0], cols[1],
			   cols[2], cols[3], cols[4], cols[5], cols[6], cols[7]) != 8) {
		scenario_fail(s, directive, "no such clocksource row");
	}
	col = strcmp(field, "rating") == 0     ? 1
	      : strcmp(field, "current") == 0  ? 5
	      : strcmp(field, "watchdog") == 0 ? 6
	      : strcmp(field, "wraps") == 0    ? 7
					       : -1;
	if (col < 0) {
		scenario_fail(s, directive, "unknown field");
	}
	if (strcmp(cols[col], want) != 0) {
		scenario_fail(s, directive, "value differs");
	}
}

/* Column of @field in a table whose header line starts with @table; -1 if none. */
static int column_of(const struct scenario *s, const char *table, const char *field)
{
	const char *hdr = strstr(s->out, table);
	char line[512], *save = NULL;
	int col = 0;

	if (!hdr) {
		return -1;
	}
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(hdr + 1, "\n"), hdr + 1);
	for (char *w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save), col++) {
		if (strcmp(w, field) == 0) {
			return col;
		}
	}
	return -1;
}

/* Word @col of the row starting at @row (whitespace separated), as a number. */
static bool row_number(const char *row, int col, double *out)
{
	char line[512], *save = NULL;
	int i = 0;

	snprintf(line, sizeof(line), "%.*s", (int)strcspn(row, "\n"), row);
	for (char *w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save), i++) {
		if (i == col) {
			*out = strtod(w, NULL);
			return true;
		}
	}
	return false;
}

static void check_row_field(const struct scenario *s, const char *directive, const char *table,
			    const char *name, const char *field, double lo, double hi)
{
	int col = column_of(s, table, field);
	const char *row = find_row(s, table, name);
	char why[160];
	double v;

	if (col < 0 || !row || !row_number(row + 1, col, &v)) {
		scenario_fail(s, directive, "no such row or field");
		return;
	}
	if (v < lo || v > hi) {
		snprintf(why, sizeof(why), "%s %s is %.1f, outside [%.1f, %.1f]", name, field, v,
			 lo, hi);
		scenario_fail(s, directive, why);
	}
}

/* A per-CPU table's FIELD for one CPU or all; @table is "\n<first header word> ". */
static void check_cpu_table(const struct scenario *s, const char *directive, const char *arg,
			    const char *table)
{
	char cpu[16], field[32], name[16];
	double lo, hi;

	if (sscanf(arg, "%15s %31s %lf %lf", cpu, field, &lo, &hi) != 4) {
		scenario_fail(s, directive, "expected CPU|all FIELD LO HI");
		return;
	}
	if (strcmp(cpu, "all") != 0) {
		check_row_field(s, directive, table, cpu, field, lo, hi);
		return;
	}
	for (unsigned c = 0;; c++) {
		snprintf(name, sizeof(name), "%u", c);
		if (!find_row(s, table, name)) {
			if (c == 0) {
				scenario_fail(s, directive, "no CPU rows");
			}
			return;
		}
		check_row_field(s, directive, table, name, field, lo, hi);
	}
}

static void check_cpu(const struct scenario *s, const char *directive, const char *arg)
{
	check_cpu_table(s, directive, arg, "\ncpu ");
}

static void check_nohz(const struct scenario *s, const char *directive, const char *arg)
{
	check_cpu_table(s, directive, arg, "\nnohz ");
}

static void check_device(const struct scenario *s, const char *directive, const char *arg)
{
	char name[64], field[32];
	double lo, hi;

	if (sscanf(arg, "%63s %31s %lf %lf", name, field, &lo, &hi) != 4) {
		scenario_fail(s, directive, "expected NAME FIELD LO HI");
		return;
	}
	check_row_field(s, directive, "\nclockevent ", name, field, lo, hi);
}

static void check_value(const struct scenario *s, const char *directive, const char *arg)
{
	char key[64], pat[72], why[160];
	const char *hit;
	double lo, hi, v;

	if (sscanf(arg, "%63s %lf %lf", key, &lo, &hi) != 3) {
		scenario_fail(s, directive, "expected KEY LO HI");
		return;
	}
	/* The summary line follows the CPU table (the boot log has "jiffies: " too). */
	snprintf(pat, sizeof(pat), "%s: ", key);
	hit = strstr(s->out, "\ncpu ");
	hit = hit ? strstr(hit, pat) : NULL;
	if (!hit) {
		scenario_fail(s, directive, "no such value");
		return;
	}
	v = strtod(hit + strlen(pat), NULL);
	if (v < lo || v > hi) {
		snprintf(why, sizeof(why), "%s is %.1f, outside [%.1f, %.1f]", key, v, lo, hi);
		scenario_fail(s, directive, why);
	}
}

static void check_by(const struct scenario *s, const char *directive, const char *arg)
{
	const char *text = strchr(arg, ' ');
	const char *hit, *line;
	double limit_s = strtod(arg, NULL), stamp_s;

	if (!text) {
		scenario_fail(s, directive, "expected SECONDS TEXT");
	}
	hit = strstr(s->out, text + 1);
	if (!hit) {
		scenario_fail(s, directive, "text not found");
	}
	for (line = hit; line > s->out && line[-1] != '\n'; line--) {
	}
	if (sscanf(line, "[ %lf]", &stamp_s) != 1 || stamp_s > limit_s) {
		scenario_fail(s, directive, "too late (or not a log line)");
	}
}

static void check_directive(const struct scenario *s, const char *key, const char *val,
			    const char *line)
{
	if (strcmp(key, "contains") == 0) {
		if (!strstr(s->out, val)) {
			scenario_fail(s, line, "not in the output");
		}
	} else if (strcmp(key, "absent") == 0) {
		if (strstr(s->out, val)) {
			scenario_fail(s, line, "present in the output");
		}
	} else if (strcmp(key, "by") == 0) {
		check_by(s, line, val);
	} else if (strcmp(key, "error_ns") == 0) {
		check_error_ns(s, line, val);
	} else if (strcmp(key, "clocksource") == 0) {
		check_clocksource(s, line, val);
	} else if (strcmp(key, "cpu") == 0) {
		check_cpu(s, line, val);
	} else if (strcmp(key, "nohz") == 0) {
		check_nohz(s, line, val);
	} else if (strcmp(key, "device") == 0) {
		check_device(s, line, val);
	} else if (strcmp(key, "value") == 0) {
		check_value(s, line, val);
	} else if (strcmp(key, "args") != 0) {
		scenario_fail(s, line, "unknown directive");
	}
}

/* Split "key = value" in place; returns false for blank and comment lines. */
static bool split_line(char *line, char **key, char **val)
{
	char *eq;

	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] == '#' || line[0] == '\0') {
		return false;
	}
	eq = strstr(line, " =");
	if (!eq) {
		fail_msg("bad expect line '%s'", line);
	}
	*eq = '\0';
	*key = line;
	*val = eq + 2;
	while (**val == ' ') {
		(*val)++;
	}
	return true;
}

static void run_scenario(const char *name)
{
	struct scenario s = { .name = name };
	char path[600], line[LINE_MAX_BYTES], args[LINE_MAX_BYTES] = "";
	char *key, *val;
	FILE *f;

	snprintf(s.dir, sizeof(s.dir), "%s/tests/scenarios/%s", CW_SOURCE_DIR, name);
	snprintf(path, sizeof(path), "%s/expect", s.dir);
	f = fopen(path, "r");
	if (!f) {
		fail_msg("cannot open %s", path);
	}
	while (fgets(line, sizeof(line), f)) {
		if (split_line(line, &key, &val) && strcmp(key, "args") == 0) {
			snprintf(args, sizeof(args), "%s", val);
		}
	}
	run_cwsim(&s, args);
	if (s.status != 0) {
		fail_msg("scenario %s: cwsim exited %d: %s", name, s.status, s.err);
	}
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		char copy[LINE_MAX_BYTES];

		snprintf(copy, sizeof(copy), "%s", line);
		copy[strcspn(copy, "\r\n")] = '\0';
		if (split_line(line, &key, &val)) {
			check_directive(&s, key, val, copy);
		}
	}
	fclose(f);
	free(s.out);
	free(s.err);
}

static void test_scenario(void **state)
{
	run_scenario(*state);
}

int main(void)
{
	struct CMUnitTest tests[sizeof(scenarios) / sizeof(scenarios[0])];

	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		tests[i] = (struct CMUnitTest){
			.name = scenarios[i],
			.test_func = test_scenario,
			.initial_state = (void *)scenarios[i],
		};
	}
	return _cmocka_run_group_tests("scenarios", tests, sizeof(tests) / sizeof(tests[0]), NULL,
				       NULL);
}
