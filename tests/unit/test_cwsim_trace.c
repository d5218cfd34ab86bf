/* SPDX-License-Identifier: MIT */
/*
 * cwsim --trace, checked with the tests' own strict JSON reader (Debian
 * ships no Perfetto trace processor): the file is a valid trace-event
 * document with one named track per CPU plus "system"; each event has the
 * fields Perfetto needs; the counts agree with what the report counted
 * (hrtimer expiries, device programmings, ticks and tick stops per CPU);
 * spans on one CPU do not overlap where the model forbids it; the
 * clocksource switch is on the system track at the time the log says;
 * filters keep only what they name; the trace is reproducible; and tracing
 * does not change the run.
 */
#include "cwsim.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cwsim_test.h"

#define MAX_ARGS 24
#define NR_CPUS  4

static struct cwsim_run cwsim(const char *first, ...)
{
	char *args[MAX_ARGS] = { 0 };
	int n = 0;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *)) {
		assert_true(n < MAX_ARGS - 1);
		args[n++] = (char *)a;
	}
	va_end(ap);
	return cwsim_run_argv(args);
}

/** A parsed trace file. */
struct trace {
	char *text;
	size_t len;
	struct jt_node *doc;
	const struct jt_node *events;
};

static void trace_load(struct trace *t, const char *path)
{
	char why[128];

	cwsim_read_file(path, &t->text, &t->len);
	t->doc = jt_parse(t->text, t->len, why, sizeof(why));
	if (!t->doc) {
		fail_msg("invalid trace JSON: %s", why);
	}
	assert_string_equal(jt_text(jt_get(t->doc, "displayTimeUnit")), "ns");
	t->events = jt_get(t->doc, "traceEvents");
	assert_non_null(t->events);
	assert_int_equal(t->events->type, JT_ARR);
}

static void trace_free(struct trace *t)
{
	jt_free(t->doc);
	free(t->text);
}

/* Events named @name on track @tid (-1: any). */
static unsigned count(const struct trace *t, const char *name, long tid)
{
	unsigned n = 0;

	for (const struct jt_node *e = t->events->child; e; e = e->next) {
		if (strcmp(jt_text(jt_get(e, "name")), name) == 0 &&
		    (tid < 0 || jt_num(jt_get(e, "tid")) == (double)tid)) {
			n++;
		}
	}
	return n;
}

/* Sum of @key over the rows of report table @table. */
static double table_sum(const struct cwsim_run *r, const char *table, const char *key)
{
	double sum = 0;

	for (const struct jt_node *row = jt_get(r->json, table)->child; row; row = row->next) {
		sum += jt_num(jt_get(row, key));
	}
	return sum;
}

/* Every event has what Perfetto's JSON importer needs. */
static void check_shape(const struct trace *t)
{
	unsigned names = 0;

	for (const struct jt_node *e = t->events->child; e; e = e->next) {
		const char *ph = jt_text(jt_get(e, "ph"));

		assert_int_equal(e->type, JT_OBJ);
		assert_true(jt_text(jt_get(e, "name"))[0] != '\0');
		assert_true(jt_num(jt_get(e, "pid")) == 1);
		if (strcmp(ph, "M") == 0) {
			if (strcmp(jt_text(jt_get(e, "name")), "thread_name") == 0) {
				names++;
			}
			continue;
		}
		assert_true(strcmp(ph, "i") == 0 || strcmp(ph, "X") == 0);
		assert_true(jt_num(jt_get(e, "ts")) >= 0);
		assert_true(jt_num(jt_get(e, "tid")) <= NR_CPUS);
		assert_true(jt_text(jt_get(e, "cat"))[0] != '\0');
		assert_int_equal(jt_get(e, "args")->type, JT_OBJ);
		if (strcmp(ph, "X") == 0) {
			assert_true(jt_num(jt_get(e, "dur")) >= 0);
		} else {
			assert_string_equal(jt_text(jt_get(e, "s")), "t");
		}
	}
	assert_int_equal(names, NR_CPUS + 1);
}

/* Spans named @name on CPU @tid never overlap (sorted by start, each ends before the next). */
static void check_no_overlap(const struct trace *t, const char *name, unsigned tid)
{
	double starts[20000], ends[20000];
	size_t n = 0;

	for (const struct jt_node *e = t->events->child; e; e = e->next) {
		if (strcmp(jt_text(jt_get(e, "name")), name) == 0 &&
		    jt_num(jt_get(e, "tid")) == (double)tid) {
			assert_true(n < 20000);
			starts[n] = jt_num(jt_get(e, "ts"));
			ends[n] = starts[n] + jt_num(jt_get(e, "dur"));
			n++;
		}
	}
	assert_true(n > 0);
	/* Written when they end, so in order of their ends: starts must follow ends. */
	for (size_t i = 1; i < n; i++) {
		/* 0.1 ns of slack: ts + dur is summed in doubles. */
		if (starts[i] + 1e-4 < ends[i - 1]) {
			fail_msg("%s spans overlap on CPU %u: [%f, %f] then [%f, %f]", name, tid,
				 starts[i - 1], ends[i - 1], starts[i], ends[i]);
		}
	}
}

static void test_trace_matches_the_report(void **state)
{
	char path[512];
	struct cwsim_run r;
	struct trace t = { 0 };

	(void)state;
	cwsim_temp_file(path, sizeof(path), "");
	r = cwsim("--quiet", "--duration", "3s", "--trace", path, NULL);
	if (r.status != 0) {
		fail_msg("status %d: %s", r.status, r.err);
	}
	trace_load(&t, path);
	check_shape(&t);
	print_message("trace of 3 s of default-soc: %zu bytes\n", t.len);
	/* Every class is there, under its Linux tracepoint name. */
	static const char *const names[] = {
		"irq_handler_entry",  "ipi_raise",     "ipi_entry",
		"cpu_idle",           "tick",          "tick_stop",
		"clockevent_program", "hrtimer_start", "hrtimer_expire_entry",
		"hrtimer_cancel",     "timer_start",   "timer_expire_entry",
		"clocksource_switch",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (count(&t, names[i], -1) == 0) {
			fail_msg("no %s event", names[i]);
		}
	}
	/* The trace counts what the report counts. */
	assert_true(count(&t, "hrtimer_expire_entry", -1) ==
		    table_sum(&r, "nohz", "hrtimer_expired"));
	assert_true(count(&t, "clockevent_program", -1) ==
		    table_sum(&r, "clockevents", "programs"));
	assert_true(count(&t, "timer_expire_entry", -1) ==
		    jt_num(jt_get(jt_get(r.json, "check"), "wheel_expiries")));
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		char c[8];
		const struct jt_node *row, *nohz;

		snprintf(c, sizeof(c), "%u", cpu);
		row = jt_row(jt_get(r.json, "cpus"), "cpu", c);
		nohz = jt_row(jt_get(r.json, "nohz"), "cpu", c);
		assert_true(count(&t, "tick", cpu) == jt_num(jt_get(row, "ticks")));
		assert_true(count(&t, "tick_stop", cpu) == jt_num(jt_get(nohz, "idle_sleeps")));
		assert_true(count(&t, "cpu_idle", cpu) > 0);
		check_no_overlap(&t, "cpu_idle", cpu);
		check_no_overlap(&t, "irq_handler_entry", cpu);
	}
	/* The watchdog's switch away from the drifting counter, on the system track, exactly then.
	 */
	for (const struct jt_node *e = t.events->child; e; e = e->next) {
		if (strcmp(jt_text(jt_get(e, "name")), "clocksource_switch") == 0 &&
		    strcmp(jt_text(jt_get(jt_get(e, "args"), "clocksource")), "sys_counter") == 0) {
			assert_true(jt_num(jt_get(e, "tid")) == NR_CPUS);
			/* The log stamps it [    2.498115] (whole microseconds). */
			assert_true(jt_num(jt_get(e, "ts")) >= 2498115.0 &&
				    jt_num(jt_get(e, "ts")) < 2498116.0);
		}
	}
	assert_int_equal(count(&t, "clocksource_switch", NR_CPUS), 2);
	trace_free(&t);
	cwsim_run_free(&r);
	unlink(path);
}

/* Tracing changes nothing in the run: same text (but the trace line), same report. */
static void test_trace_does_not_change_the_run(void **state)
{
	char path[512], path2[512];
	struct cwsim_run plain, traced, again;
	const char *line;
	char *a, *b;
	size_t alen, blen;

	(void)state;
	cwsim_temp_file(path, sizeof(path), "");
	cwsim_temp_file(path2, sizeof(path2), "");
	plain = cwsim("--duration", "3s", NULL);
	traced = cwsim("--duration", "3s", "--trace", path, NULL);
	again = cwsim("--duration", "3s", "--trace", path2, NULL);
	assert_int_equal(plain.status, 0);
	assert_int_equal(traced.status, 0);
	line = strstr(traced.out, "trace: ");
	assert_non_null(line);
	assert_int_equal((size_t)(line - traced.out), plain.out_len);
	assert_memory_equal(plain.out, traced.out, plain.out_len);
	assert_true(jt_num(jt_get(jt_get(plain.json, "run"), "events")) ==
		    jt_num(jt_get(jt_get(traced.json, "run"), "events")));
	assert_string_equal(
		jt_text(jt_get(jt_row(jt_get(plain.json, "clocks"), "clock", "MONOTONIC"),
			       "value_ns")),
		jt_text(jt_get(jt_row(jt_get(traced.json, "clocks"), "clock", "MONOTONIC"),
			       "value_ns")));
	/* And it is reproducible byte for byte. */
	cwsim_read_file(path, &a, &alen);
	cwsim_read_file(path2, &b, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
	cwsim_run_free(&plain);
	cwsim_run_free(&traced);
	cwsim_run_free(&again);
	unlink(path);
	unlink(path2);
}

/* --trace-events and the window keep only what they name, spans clipped to the window. */
static void test_trace_filters(void **state)
{
	char path[512];
	struct cwsim_run r;
	struct trace t = { 0 };
	unsigned kept = 0;

	(void)state;
	cwsim_temp_file(path, sizeof(path), "");
	r = cwsim("--quiet", "--duration", "2s", "--trace", path, "--trace-events", "idle,hrtimer",
		  "--trace-from", "0.5s", "--trace-to", "750ms", NULL);
	assert_int_equal(r.status, 0);
	trace_load(&t, path);
	check_shape(&t);
	for (const struct jt_node *e = t.events->child; e; e = e->next) {
		const char *cat = jt_text(jt_get(e, "cat"));
		double ts = jt_num(jt_get(e, "ts")), dur = jt_num(jt_get(e, "dur"));

		if (strcmp(jt_text(jt_get(e, "ph")), "M") == 0) {
			continue;
		}
		kept++;
		if (strcmp(cat, "idle") != 0 && strcmp(cat, "hrtimer") != 0) {
			fail_msg("event of class %s kept", cat);
		}
		assert_true(ts >= 500000.0 && ts <= 750000.0);
		if (dur == dur) {
			assert_true(ts + dur <= 750000.0);
		}
	}
	assert_true(kept > 100);
	assert_true(count(&t, "cpu_idle", -1) > 0 && count(&t, "hrtimer_start", -1) > 0);
	trace_free(&t);
	cwsim_run_free(&r);

	r = cwsim("--trace", path, "--trace-events", "irq,bogus", NULL);
	assert_int_equal(r.status, CWSIM_EXIT_USAGE);
	assert_non_null(strstr(r.err,
			       "--trace-events: expected a list of irq, ipi, idle, tick, "
			       "clockevent, hrtimer, timer, clocksource or all (got 'bogus')"));
	cwsim_run_free(&r);
	r = cwsim("--trace", path, "--trace-from", "2s", "--trace-to", "1s", NULL);
	assert_int_equal(r.status, CWSIM_EXIT_USAGE);
	cwsim_run_free(&r);
	r = cwsim("--trace", "/nonexistent/dir/t.json", NULL);
	assert_int_equal(r.status, CWSIM_EXIT_FAILURE);
	assert_non_null(strstr(r.err, "cwsim: --trace: cannot create '/nonexistent/dir/t.json'"));
	cwsim_run_free(&r);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace_matches_the_report),
		cmocka_unit_test(test_trace_does_not_change_the_run),
		cmocka_unit_test(test_trace_filters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
