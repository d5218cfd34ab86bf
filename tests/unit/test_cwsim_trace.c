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

/** An idle period's start (kind 0) or end (kind 1) on a CPU. */
struct edge {
	double tid;
	int kind;
	double ts;
};

static int edge_cmp(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;

	if (x->tid != y->tid) {
		return x->tid < y->tid ? -1 : 1;
	}
	if (x->kind != y->kind) {
		return x->kind - y->kind;
	}
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/* An edge of @kind on @tid within 0.1 ns of @ts (binary search in the sorted @edges). */
static bool edge_near(const struct edge *edges, size_t nr, double tid, int kind, double ts)
{
	struct edge key = { tid, kind, ts - 1e-4 };
	size_t lo = 0, hi = nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (edge_cmp(&edges[mid], &key) < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo < nr && edges[lo].tid == tid && edges[lo].kind == kind &&
	       edges[lo].ts < ts + 1e-4;
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
		"irq_handler_entry",  "ipi_raise",      "ipi_entry",
		"cpu_idle",           "tick",           "tick_stop",
		"clockevent_program", "hrtimer_start",  "hrtimer_expire_entry",
		"hrtimer_cancel",     "timer_start",    "timer_expire_entry",
		"clocksource_switch", "tmigr_cpu_idle", "tmigr_cpu_active",
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
	/*
	 * The watchdog's switch away from the drifting counter, on the system
	 * track, when the log of the same run says (it stamps whole microseconds).
	 */
	{
		struct cwsim_run again = cwsim("--duration", "3s", NULL);
		const char *line =
			strstr(again.out, "] clocksource: Switched to clocksource sys_counter");
		double stamp_us;
		bool seen = false;

		assert_non_null(line);
		while (line > again.out && line[-1] != '\n') {
			line--;
		}
		assert_int_equal(sscanf(line, "[ %lf]", &stamp_us), 1);
		stamp_us *= 1e6;
		for (const struct jt_node *e = t.events->child; e; e = e->next) {
			if (strcmp(jt_text(jt_get(e, "name")), "clocksource_switch") == 0 &&
			    strcmp(jt_text(jt_get(jt_get(e, "args"), "clocksource")),
				   "sys_counter") == 0) {
				assert_true(jt_num(jt_get(e, "tid")) == NR_CPUS);
				assert_true(jt_num(jt_get(e, "ts")) >= stamp_us - 0.5 &&
					    jt_num(jt_get(e, "ts")) < stamp_us + 1.0);
				seen = true;
			}
		}
		assert_true(seen);
		cwsim_run_free(&again);
	}
	assert_int_equal(count(&t, "clocksource_switch", NR_CPUS), 2);
	/*
	 * Timer migration: a CPU's hand-over to the hierarchy (tmigr_cpu_idle)
	 * is at the start of one of its idle periods, its return
	 * (tmigr_cpu_active) at the end of one.
	 */
	{
		size_t nr = 0, cap = count(&t, "cpu_idle", -1) * 2;
		struct edge *edges = calloc(cap ? cap : 1, sizeof(*edges));
		unsigned idle = 0, active = 0;

		assert_non_null(edges);
		for (const struct jt_node *e = t.events->child; e; e = e->next) {
			if (strcmp(jt_text(jt_get(e, "name")), "cpu_idle") == 0) {
				double ts = jt_num(jt_get(e, "ts")), tid = jt_num(jt_get(e, "tid"));

				edges[nr++] = (struct edge){ tid, 0, ts };
				edges[nr++] =
					(struct edge){ tid, 1, ts + jt_num(jt_get(e, "dur")) };
			}
		}
		qsort(edges, nr, sizeof(*edges), edge_cmp);
		for (const struct jt_node *e = t.events->child; e; e = e->next) {
			const char *name = jt_text(jt_get(e, "name"));
			bool is_idle = strcmp(name, "tmigr_cpu_idle") == 0;

			if (!is_idle && strcmp(name, "tmigr_cpu_active") != 0) {
				continue;
			}
			if (!edge_near(edges, nr, jt_num(jt_get(e, "tid")), is_idle ? 0 : 1,
				       jt_num(jt_get(e, "ts")))) {
				fail_msg("%s at %s us on CPU %s is at no idle edge", name,
					 jt_text(jt_get(e, "ts")), jt_text(jt_get(e, "tid")));
			}
			idle += is_idle;
			active += !is_idle;
		}
		free(edges);
		assert_true(idle > 0 && active > 0);
	}
	/* A per-CPU line's interrupt is named after that CPU's device (local.N on CPU N). */
	for (const struct jt_node *e = t.events->child; e; e = e->next) {
		const char *dev = jt_text(jt_get(jt_get(e, "args"), "name"));

		if (strcmp(jt_text(jt_get(e, "name")), "irq_handler_entry") == 0 &&
		    strncmp(dev, "local.", 6) == 0) {
			assert_true(strtod(dev + 6, NULL) == jt_num(jt_get(e, "tid")));
		}
	}
	/* Callbacks by name (the executable's symbols): the tick's and the watchdog's. */
	{
		bool tick = false, watchdog = false;

		for (const struct jt_node *e = t.events->child; e; e = e->next) {
			const char *fn = jt_text(jt_get(jt_get(e, "args"), "function"));

			tick |= strcmp(fn, "sched_timer_fn") == 0;
			watchdog |= strcmp(fn, "watchdog_timer_fn") == 0;
		}
		assert_true(tick && watchdog);
	}
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
	assert_non_null(strstr(
		r.err, "--trace-events: expected a list of irq, ipi, idle, tick, "
		       "clockevent, hrtimer, timer, clocksource, tmigr or all (got 'bogus')"));
	cwsim_run_free(&r);
	r = cwsim("--trace", path, "--trace-from", "2s", "--trace-to", "1s", NULL);
	assert_int_equal(r.status, CWSIM_EXIT_USAGE);
	cwsim_run_free(&r);
	r = cwsim("--duration", "1s", "--dump-timers-at", "2s", NULL);
	assert_int_equal(r.status, CWSIM_EXIT_USAGE);
	assert_non_null(strstr(r.err, "--dump-timers-at: expected a time within the run (got 2s, "
				      "after --duration 1s)"));
	cwsim_run_free(&r);
	r = cwsim("--trace", "/nonexistent/dir/t.json", NULL);
	assert_int_equal(r.status, CWSIM_EXIT_FAILURE);
	assert_non_null(strstr(r.err, "cwsim: --trace: cannot create '/nonexistent/dir/t.json'"));
	cwsim_run_free(&r);
	unlink(path);
}

/* The ids of the timers the trace says are armed just after @at_us (replaying start/cancel/expire).
 */
static unsigned armed_in_trace(const struct trace *t, double at_us, bool armed[], unsigned max)
{
	unsigned n = 0;

	memset(armed, 0, max * sizeof(armed[0]));
	for (const struct jt_node *e = t->events->child; e; e = e->next) {
		const char *name = jt_text(jt_get(e, "name"));
		const struct jt_node *args = jt_get(e, "args");
		double id;

		if (jt_num(jt_get(e, "ts")) > at_us || strncmp(name, "hrtimer_", 8) != 0) {
			continue;
		}
		id = jt_num(jt_get(args, "hrtimer"));
		assert_true(id >= 1 && id < max);
		armed[(unsigned)id] = strcmp(name, "hrtimer_start") == 0;
	}
	for (unsigned i = 0; i < max; i++) {
		n += armed[i];
	}
	return n;
}

/*
 * --dump-timers-at: the run stops at each instant (given out of order),
 * prints a /proc/timer_list-like dump and goes on; the JSON report has the
 * same lists; the hrtimers listed are exactly those the trace shows armed
 * then, callbacks named; nothing else in the output changes.
 */
static void test_dump_timers_at(void **state)
{
	char path[512];
	struct cwsim_run plain, r;
	struct trace t = { 0 };
	const struct jt_node *lists;
	const char *first, *second;
	bool armed[4096];

	(void)state;
	cwsim_temp_file(path, sizeof(path), "");
	plain = cwsim("--quiet", "--duration", "3s", NULL);
	r = cwsim("--quiet", "--duration", "3s", "--dump-timers-at", "2.5s", "--dump-timers-at",
		  "1s", "--trace", path, "--trace-events", "hrtimer", NULL);
	if (r.status != 0) {
		fail_msg("status %d: %s", r.status, r.err);
	}
	first = strstr(r.out, "\ntimer list at 1.000000000 s (virtual time): ");
	second = strstr(r.out, "\ntimer list at 2.500000000 s (virtual time): ");
	assert_non_null(first);
	assert_non_null(second);
	assert_true(first < second);
	assert_non_null(
		strstr(first, "\ncpu: 0 (online), tick device local.0, tick mode oneshot\n"));
	assert_non_null(strstr(first, ", sched_timer_fn, clock MONOTONIC: expires at "));
	assert_non_null(strstr(first, ", watchdog_timer_fn: expires at jiffies "));
	assert_non_null(strstr(first, "\nclock event devices\n  local.0: "));
	assert_non_null(strstr(first, "tmu0.0: oneshot (broadcast)"));

	lists = jt_get(r.json, "timer_lists");
	assert_int_equal(lists->n, 2);
	assert_string_equal(jt_text(jt_get(jt_at(lists, 0), "at_ns")), "1000000000");
	assert_string_equal(jt_text(jt_get(jt_at(lists, 1), "at_ns")), "2500000000");
	trace_load(&t, path);
	for (size_t i = 0; i < 2; i++) {
		const struct jt_node *timers = jt_get(jt_at(lists, i), "timers");
		double at_ns = jt_num(jt_get(jt_at(lists, i), "at_ns"));
		unsigned hr = 0;

		for (const struct jt_node *tm = timers->child; tm; tm = tm->next) {
			if (strcmp(jt_text(jt_get(tm, "kind")), "hrtimer") != 0) {
				continue;
			}
			hr++;
			/* Listed as armed: the trace agrees. */
			assert_true(armed_in_trace(&t, at_ns / 1000.0, armed, 4096) > 0);
			assert_true(armed[(unsigned)jt_num(jt_get(tm, "id"))]);
			assert_true(jt_get(tm, "function")->type == JT_STR);
		}
		/* And nothing the trace shows armed is missing. */
		assert_int_equal(hr, armed_in_trace(&t, at_ns / 1000.0, armed, 4096));
		assert_true(hr >= 1);
	}
	/* Without the dumps (and the trace line) the output is the plain run's. */
	{
		char *copy = strdup(r.out), *cut;

		assert_non_null(copy);
		/* A dump runs from its "\ntimer list at" to the next dump or the clock table. */
		while ((cut = strstr(copy, "\ntimer list at ")) != NULL) {
			char *end = strstr(cut + 1, "\ntimer list at ");

			if (!end) {
				end = strstr(cut + 1, "\nclock  ");
			}
			assert_non_null(end);
			memmove(cut, end, strlen(end) + 1);
		}
		cut = strstr(copy, "trace: ");
		assert_non_null(cut);
		*cut = '\0';
		assert_string_equal(copy, plain.out);
		free(copy);
	}
	trace_free(&t);
	cwsim_run_free(&plain);
	cwsim_run_free(&r);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace_matches_the_report),
		cmocka_unit_test(test_trace_does_not_change_the_run),
		cmocka_unit_test(test_trace_filters),
		cmocka_unit_test(test_dump_timers_at),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
