/* SPDX-License-Identifier: MIT */
/*
 * Scenario runner: each tests/scenarios/<behaviour>/ directory holds an
 * optional machine.ini and an "expect" file; the runner runs cwsim
 * in-process on the machine (the built-in default without one) and checks
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
	"default-soc-catches-drifting-counter", "watchdog-marks-1pct-tsc-unstable",
	"watchdog-never-flags-100ppm-tsc",      "acpi-pm-wraps-keep-time",
	"nonstop-tsc-measures-suspend",
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
	char machine[600];
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
	for (char *a = strtok_r(args, " \t", &save); a; a = strtok_r(NULL, " \t", &save)) {
		assert_true(argc < MAX_ARGS - 1);
		argv[argc++] = a;
	}
	argv[argc++] = "--seed";
	argv[argc++] = "1";
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
