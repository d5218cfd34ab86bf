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
 * and against the run's JSON report (cwsim --json; key names as in
 * docs/simulator.md, "JSON report"):
 *
 *   error_ns = CLOCK LO HI          clocks[clock=CLOCK].error_ns is within
 *                                   [LO, HI]
 *   clocksource = NAME FIELD VALUE  clocksources[clocksource=NAME].FIELD
 *                                   (current, watchdog, wraps, rating) is
 *                                   VALUE (yes/no for booleans)
 *   cpu = CPU|all FIELD LO HI       cpus[cpu=CPU].FIELD (interrupts, ticks,
 *                                   do_timer_ticks, broadcast_wakeups, ipis,
 *                                   idle_pct, deep_idle_entries, deep_forced,
 *                                   lost_interrupts) is within [LO, HI], for
 *                                   every CPU with "all"
 *   nohz = CPU|all FIELD LO HI      nohz[cpu=CPU].FIELD (idle_calls,
 *                                   idle_sleeps, ticks_stopped, wakeups, hres)
 *   device = NAME FIELD LO HI       clockevents[clockevent=NAME].FIELD
 *                                   (interrupts, spurious, storms,
 *                                   spurious_max, lost_deep_idle, programs)
 *   value = KEY LO HI               ticks.KEY (jiffies, expected_jiffies,
 *                                   do_timer_ticks, lost_interrupts)
 *   proxy = CPU PHASE FIELD LO HI   proxy[cpu=CPU, phase=PHASE].FIELD (a
 *                                   [proxy] workload: loop_p99_ns,
 *                                   inband_missed, reinstalls, ...)
 *
 * A field missing from the report fails the directive. The text tables are
 * not read: their layout is for people.
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
#include <unistd.h>

#include "cwsim_test.h"

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
	"proxy-oob-loop-ignores-masked-sections",
	"proxy-erratum-oneshot-only-driver-takes-spurious-irqs",
	"proxy-erratum-oob-or-oneshot-stays-quiet",
	"proxy-erratum-oneshot-only-driver-storms-while-masked",
	"proxy-erratum-oob-or-oneshot-no-storm-while-masked",
	"proxy-hotplug-and-requests-wait-for-masked-cpus",
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
	/** The parsed --json report. */
	struct jt_node *json;
};

static void run_cwsim(struct scenario *s, char *args)
{
	char *argv[MAX_ARGS] = { "cwsim" };
	char machine[600], workload[600], json_path[600], why[128];
	char *json;
	size_t json_len;
	long n;
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
	cwsim_temp_file(json_path, sizeof(json_path), "");
	argv[argc++] = "--json";
	argv[argc++] = json_path;
	out = open_memstream(&s->out, &s->out_len);
	err = open_memstream(&s->err, &s->err_len);
	assert_non_null(out);
	assert_non_null(err);
	s->status = cwsim_main(argc, argv, out, err);
	fclose(out);
	fclose(err);
	probe = fopen(json_path, "rb");
	assert_non_null(probe);
	assert_int_equal(fseek(probe, 0, SEEK_END), 0);
	n = ftell(probe);
	assert_true(n >= 0);
	rewind(probe);
	json_len = (size_t)n;
	json = malloc(json_len + 1);
	assert_non_null(json);
	assert_int_equal(fread(json, 1, json_len, probe), json_len);
	fclose(probe);
	unlink(json_path);
	s->json = jt_parse(json, json_len, why, sizeof(why));
	if (!s->json && s->status == 0) {
		fail_msg("scenario %s: invalid --json report: %s", s->name, why);
	}
	free(json);
}

static void scenario_fail(const struct scenario *s, const char *directive, const char *why)
{
	fail_msg("scenario %s: '%s': %s\n--- output ---\n%s", s->name, directive, why,
		 s->out ? s->out : "");
}

/* A number as a double, or fail the directive. */
static double number_of(const struct scenario *s, const char *directive, const struct jt_node *n,
			const char *what)
{
	char why[160];

	if (!n || n->type != JT_NUM) {
		snprintf(why, sizeof(why), "no number %s in the JSON report", what);
		scenario_fail(s, directive, why);
	}
	return jt_num(n);
}

static void check_bounds(const struct scenario *s, const char *directive, const char *what,
			 double v, double lo, double hi)
{
	char why[200];

	if (v < lo || v > hi) {
		snprintf(why, sizeof(why), "%s is %.1f, outside [%.1f, %.1f]", what, v, lo, hi);
		scenario_fail(s, directive, why);
	}
}

static void check_error_ns(const struct scenario *s, const char *directive, const char *arg)
{
	char clock[64];
	long long lo, hi;
	const struct jt_node *row;
	bool ok;
	__int128 e;

	if (sscanf(arg, "%63s %lld %lld", clock, &lo, &hi) != 3) {
		scenario_fail(s, directive, "expected CLOCK LO HI");
	}
	row = jt_row(jt_get(s->json, "clocks"), "clock", clock);
	e = jt_i128(jt_get(row, "error_ns"), &ok);
	if (!row || !ok) {
		scenario_fail(s, directive, "no such clock in the JSON report");
	}
	if (e < lo || e > hi) {
		scenario_fail(s, directive, "error outside the bounds");
	}
}

static void check_clocksource(const struct scenario *s, const char *directive, const char *arg)
{
	char name[64], field[32], want[32];
	const struct jt_node *row, *v;
	char got[64];

	if (sscanf(arg, "%63s %31s %31s", name, field, want) != 3) {
		scenario_fail(s, directive, "expected NAME FIELD VALUE");
	}
	row = jt_row(jt_get(s->json, "clocksources"), "clocksource", name);
	v = jt_get(row, field);
	if (!row || !v) {
		scenario_fail(s, directive, "no such clocksource or field in the JSON report");
	}
	/* Booleans are written yes/no in expect files, as in the text table. */
	snprintf(got, sizeof(got), "%s",
		 v->type == JT_BOOL   ? (v->b ? "yes" : "no")
		 : v->type == JT_NULL ? "-"
				      : jt_text(v));
	if (strcmp(got, want) != 0) {
		scenario_fail(s, directive, "value differs");
	}
}

/* A field of one row of @table (rows keyed by @key); booleans count as 0/1. */
static void check_row_field(const struct scenario *s, const char *directive,
			    const struct jt_node *row, const char *name, const char *field,
			    double lo, double hi)
{
	const struct jt_node *v = jt_get(row, field);
	char what[128];

	snprintf(what, sizeof(what), "%s %s", name, field);
	if (v && v->type == JT_BOOL) {
		check_bounds(s, directive, what, v->b ? 1 : 0, lo, hi);
		return;
	}
	check_bounds(s, directive, what, number_of(s, directive, v, what), lo, hi);
}

/* A per-CPU table's FIELD for one CPU or all CPUs. */
static void check_cpu_table(const struct scenario *s, const char *directive, const char *arg,
			    const char *table)
{
	const struct jt_node *rows = jt_get(s->json, table);
	char cpu[16], field[32];
	double lo, hi;

	if (sscanf(arg, "%15s %31s %lf %lf", cpu, field, &lo, &hi) != 4) {
		scenario_fail(s, directive, "expected CPU|all FIELD LO HI");
		return;
	}
	if (!rows || rows->n == 0) {
		scenario_fail(s, directive, "no CPU rows in the JSON report");
		return;
	}
	if (strcmp(cpu, "all") != 0) {
		const struct jt_node *row = jt_row(rows, "cpu", cpu);

		if (!row) {
			scenario_fail(s, directive, "no such CPU");
		}
		check_row_field(s, directive, row, cpu, field, lo, hi);
		return;
	}
	for (const struct jt_node *row = rows->child; row; row = row->next) {
		check_row_field(s, directive, row, jt_text(jt_get(row, "cpu")), field, lo, hi);
	}
}

static void check_cpu(const struct scenario *s, const char *directive, const char *arg)
{
	check_cpu_table(s, directive, arg, "cpus");
}

static void check_nohz(const struct scenario *s, const char *directive, const char *arg)
{
	check_cpu_table(s, directive, arg, "nohz");
}

static void check_device(const struct scenario *s, const char *directive, const char *arg)
{
	const struct jt_node *row;
	char name[64], field[32];
	double lo, hi;

	if (sscanf(arg, "%63s %31s %lf %lf", name, field, &lo, &hi) != 4) {
		scenario_fail(s, directive, "expected NAME FIELD LO HI");
		return;
	}
	row = jt_row(jt_get(s->json, "clockevents"), "clockevent", name);
	if (!row) {
		scenario_fail(s, directive, "no such clock event device in the JSON report");
	}
	check_row_field(s, directive, row, name, field, lo, hi);
}

/* One row of the proxy table: the CPU and the phase (before, with, after). */
static void check_proxy(const struct scenario *s, const char *directive, const char *arg)
{
	const struct jt_node *rows = jt_get(s->json, "proxy");
	char cpu[16], phase[16], field[32], name[40];
	double lo, hi;

	if (sscanf(arg, "%15s %15s %31s %lf %lf", cpu, phase, field, &lo, &hi) != 5) {
		scenario_fail(s, directive, "expected CPU PHASE FIELD LO HI");
		return;
	}
	for (const struct jt_node *row = rows ? rows->child : NULL; row; row = row->next) {
		if (strcmp(jt_text(jt_get(row, "cpu")), cpu) == 0 &&
		    strcmp(jt_text(jt_get(row, "phase")), phase) == 0) {
			snprintf(name, sizeof(name), "%s/%s", cpu, phase);
			check_row_field(s, directive, row, name, field, lo, hi);
			return;
		}
	}
	scenario_fail(s, directive, "no such CPU and phase in the proxy table");
}

static void check_value(const struct scenario *s, const char *directive, const char *arg)
{
	char key[64];
	double lo, hi;

	if (sscanf(arg, "%63s %lf %lf", key, &lo, &hi) != 3) {
		scenario_fail(s, directive, "expected KEY LO HI");
		return;
	}
	check_bounds(s, directive, key,
		     number_of(s, directive, jt_get(jt_get(s->json, "ticks"), key), key), lo, hi);
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
	} else if (strcmp(key, "proxy") == 0) {
		check_proxy(s, line, val);
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
	jt_free(s.json);
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
