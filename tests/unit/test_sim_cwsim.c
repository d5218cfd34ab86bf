/* SPDX-License-Identifier: MIT */
/*
 * cwsim run in-process (cwsim_main() with an argument vector, output
 * captured in memory): the default machine catches its drifting counter and
 * switches away from it, every clock id ends within a justified error
 * bound, runs are byte-for-byte reproducible, scripted suspend and override
 * behave, the watchdog verdicts on a 1 % and a 100 ppm TSC are right, and bad
 * machine files and bad arguments give the documented messages and exit
 * statuses.
 */
#include "cwsim.h"

#include <clockwork/sim.h>

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

#ifndef CW_SOURCE_DIR
#error "CW_SOURCE_DIR must name the source tree"
#endif


/* cwsim with the NULL-terminated arguments after argv[0] (cwsim_test.h). */
#define cwsim(...) cwsim_run_args(__VA_ARGS__)

static void example_path(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s/%s", CW_SOURCE_DIR, dir, name);
}

/* The error in ns that the final table gives for @clock. */
static long long table_error_ns(const struct cwsim_run *r, const char *clock)
{
	char truth[64];
	long long err_ns = 0;

	cwsim_table_row(r, clock, truth, &err_ns);
	return err_ns;
}

static const char *const clocks[] = {
	"REALTIME",      "REALTIME_COARSE",      "MONOTONIC", "MONOTONIC_COARSE",
	"MONOTONIC_RAW", "MONOTONIC_RAW_COARSE", "BOOTTIME",  "BOOTTIME_COARSE",
	"TAI",           "TAI_COARSE",
};

/*
 * Every clock's error is within [lo_ns, hi_ns]; a coarse clock may also lag
 * by up to three ticks (3 ms at the default HZ): it holds the value of the
 * last update, an update that finds less than one tick's worth of cycles
 * since the last one (a jittery read can) leaves it unchanged, the tick at
 * the very end of the run is still in flight (interrupt latency), and the
 * CPU holding the do_timer duty may be waking from idle (the new holder
 * catches the missed jiffies up at its next tick). These runs keep the tick
 * in idle (--nohz off): with NO_HZ a coarse clock also lags by however long
 * every CPU slept, by design.
 */
#define TICK_NS (3 * 1000000LL)

static void assert_all_errors_within(const struct cwsim_run *r, long long lo_ns, long long hi_ns)
{
	for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		long long e = table_error_ns(r, clocks[i]);
		long long lo = strstr(clocks[i], "COARSE") ? lo_ns - TICK_NS : lo_ns;

		if (e < lo || e > hi_ns) {
			fail_msg("%s error %lld ns outside [%lld, %lld]\n%s", clocks[i], e, lo_ns,
				 hi_ns, r->out);
		}
	}
}

/* The row of the clocksource table for @name. */
static void clocksource_row(const struct cwsim_run *r, const char *name, char *row, size_t len)
{
	char key[64];
	const char *line, *end;

	snprintf(key, sizeof(key), "\n%s ", name);
	line = strstr(r->out, "\nclocksource ");
	assert_non_null(line);
	line = strstr(line, key);
	if (!line) {
		fail_msg("no clocksource row %s", name);
	}
	end = strchr(line + 1, '\n');
	snprintf(row, len, "%.*s", (int)(end ? end - line - 1 : (long)strlen(line + 1)), line + 1);
}

/* The log stamp (s) of the first line containing @needle; -1 if there is none. */
static double stamp_of(const struct cwsim_run *r, const char *needle)
{
	const char *line = strstr(r->out, needle);

	if (!line) {
		return -1;
	}
	while (line > r->out && line[-1] != '\n') {
		line--;
	}
	return line[0] == '[' ? strtod(line + 1, NULL) : -1;
}

static void test_cwsim_default_run_catches_the_drifting_counter(void **state)
{
	/*
	 * The checker is off here: from 2.3 s until the watchdog catches it at
	 * 2.5 s, cpu_cycles runs 3 % fast, so hrtimers programmed on the (true
	 * rate) clock event devices fire up to 3 % of their interval late in
	 * its MONOTONIC, which the checker rightly reports (see
	 * test_cwsim_check_verdict_and_strict_mode). This test is about the
	 * watchdog and the clock errors.
	 */
	struct cwsim_run r = cwsim("--nohz", "off", "--check", "off", NULL);
	const char *first, *marked, *second;
	char row[256];

	(void)state;
	assert_int_equal(r.status, CWSIM_EXIT_OK);
	assert_int_equal(r.err_len, 0);
	assert_non_null(strstr(r.out, "sim: machine 'default-soc': 4 CPUs, 1 NUMA node"));
	assert_non_null(strstr(r.out, "clocksource: timer32: mask: 0xffffffff max_cycles: 0x"));
	first = strstr(r.out, "clocksource: Switched to clocksource cpu_cycles");
	marked = strstr(r.out, "clocksource: timekeeping watchdog on CPU0: Marking "
			       "clocksource 'cpu_cycles' as unstable");
	/*
	 * The fifth watchdog run (CPU0 again after CPU0-3). The watchdog is a
	 * wheel timer: it runs at the jiffy of its expiry rounded up to the
	 * wheel's bucket (8 jiffies at 0.5 s), and jiffies follow MONOTONIC,
	 * which runs 3 % fast on cpu_cycles from 2.3 s: at 2.498212 s of
	 * virtual time (a port event at exactly 2.5 s before).
	 */
	assert_true(stamp_of(&r, "watchdog on CPU0: Marking") > 2.49 &&
		    stamp_of(&r, "watchdog on CPU0: Marking") < 2.51);
	second = strstr(r.out, "clocksource: Switched to clocksource sys_counter");
	assert_non_null(first);
	assert_non_null(marked);
	assert_non_null(second);
	assert_true(first < marked && marked < second);
	/*
	 * Error bound. cpu_cycles counts exactly until 2.3 s, then 3 % fast
	 * until the watchdog's check at 2.498212 s switches away from it: the
	 * clocks gain 0.198212 s * 3 % = 5.946 ms, and a switch never jumps, so
	 * they keep it. sys_counter then runs 10 ppm fast for 7.5 s: +75 us.
	 * Jitter adds at most 3 ns. Expected +6.021 ms; allow +-5 us (coarse:
	 * one tick more).
	 */
	assert_all_errors_within(&r, 6013000, 6023000);
	/*
	 * About 602 ppm of the 10 s; the last ns depends on where the final
	 * tick fell and on the read jitter drawn before it (the SH-TMU
	 * broadcast device's 768-cycle min_delta, its Linux driver's, and
	 * issue 15's arm without a clock read each moved it: +601.76 before;
	 * the broadcast re-programmed at deep idle entries when its programming
	 * is stale, tick-broadcast.c "Drift", draws more read jitter: +602.20
	 * before, the watchdog at 2.498233 s).
	 */
	assert_non_null(strstr(r.out, "+602.13"));
	clocksource_row(&r, "cpu_cycles", row, sizeof(row));
	assert_non_null(strstr(row, " 0 "));
	assert_non_null(strstr(row, "unstable"));
	clocksource_row(&r, "sys_counter", row, sizeof(row));
	assert_non_null(strstr(row, " yes     yes "));
	/* timer32 wrapped twice (at 1.07 s and 9.66 s) during the run. */
	clocksource_row(&r, "timer32", row, sizeof(row));
	assert_non_null(strstr(row, " 2"));
	cwsim_run_free(&r);
}

/* The number of violations on the report's "check:" line, or -1 when the checker is off. */
static long long check_violations(const struct cwsim_run *r)
{
	const char *line = strstr(r->out, "\ncheck: ");
	long long n = -1;

	if (!line) {
		fail_msg("no check line in:\n%s", r->out);
	}
	if (strncmp(line, "\ncheck: off", 11) != 0) {
		assert_int_equal(sscanf(line, "\ncheck: %lld violations", &n), 1);
	}
	return n;
}

/*
 * The invariant checker watches every run: its verdict closes the report,
 * the first violation goes to stderr, and --check strict turns a
 * violation into exit 1 (scenarios run strict).
 */
static void test_cwsim_check_verdict_and_strict_mode(void **state)
{
	struct cwsim_run r = cwsim("--quiet", "--check", "strict", NULL);
	long long n;

	(void)state;
	/* The default run breaks no promise. */
	assert_int_equal(r.status, CWSIM_EXIT_OK);
	assert_int_equal(check_violations(&r), 0);
	assert_non_null(strstr(r.out, " hrtimer and "));
	assert_int_equal(r.err_len, 0);
	cwsim_run_free(&r);
	r = cwsim("--quiet", "--check", "off", NULL);
	assert_int_equal(check_violations(&r), -1);
	cwsim_run_free(&r);
	r = cwsim("--quiet", "--check", "maybe", NULL);
	assert_int_equal(r.status, CWSIM_EXIT_USAGE);
	cwsim_run_free(&r);
	/*
	 * default-soc's cycle counter runs 3 % fast from 2.3 s until the
	 * watchdog drops it; with the tick kept in idle every device is
	 * programmed about a tick ahead and timers land 3 % of that late in
	 * its MONOTONIC. The sim tells the checker the counter's drift, so that
	 * is no violation (it was 243 with seed 1 before).
	 */
	r = cwsim("--quiet", "--nohz", "off", "--check", "strict", NULL);
	n = check_violations(&r);
	printf("# default-soc --nohz off: %lld checker violations\n", n);
	assert_int_equal(n, 0);
	assert_int_equal(r.status, CWSIM_EXIT_OK);
	cwsim_run_free(&r);
	/* A planted fault: "on" warns and exits 0, strict fails the run. */
	r = cwsim("--quiet", "--duration", "1s", "--check-fault", "mono-back", NULL);
	n = check_violations(&r);
	printf("# --check-fault mono-back: %lld checker violations\n", n);
	assert_true(n > 0);
	assert_int_equal(r.status, CWSIM_EXIT_OK);
	assert_non_null(strstr(r.err, "cwsim: warning: check: "));
	assert_non_null(strstr(r.err, "MONOTONIC stepped back"));
	cwsim_run_free(&r);
	r = cwsim("--quiet", "--duration", "1s", "--check-fault", "drop-irqs", "--check", "strict",
		  NULL);
	assert_true(check_violations(&r) > 0);
	assert_int_equal(r.status, CWSIM_EXIT_FAILURE);
	assert_non_null(strstr(r.err, "cwsim: check: "));
	assert_non_null(strstr(r.err, " violations; the first: check: "));
	cwsim_run_free(&r);
	r = cwsim("--quiet", "--check-fault", "late", NULL);
	assert_int_equal(r.status, CWSIM_EXIT_USAGE);
	cwsim_run_free(&r);
	r = cwsim("--quiet", "--check", "off", "--check-fault", "early", NULL);
	assert_int_equal(r.status, CWSIM_EXIT_USAGE);
	cwsim_run_free(&r);
}

static void test_cwsim_same_seed_gives_identical_output(void **state)
{
	struct cwsim_run a = cwsim("--seed", "77", NULL);
	struct cwsim_run b = cwsim("--seed", "77", NULL);
	struct cwsim_run c = cwsim("--seed=78", NULL);

	(void)state;
	assert_int_equal(a.status, 0);
	assert_int_equal(a.out_len, b.out_len);
	assert_memory_equal(a.out, b.out, a.out_len);
	/* The seed drives the read jitter, which shows in the watchdog's report. */
	assert_true(a.out_len != c.out_len || memcmp(a.out, c.out, a.out_len) != 0);
	cwsim_run_free(&a);
	cwsim_run_free(&b);
	cwsim_run_free(&c);
}

static void test_cwsim_quiet_prints_only_the_tables(void **state)
{
	struct cwsim_run r = cwsim("--quiet", "--duration", "1s", "--nohz", "off", NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_null(strstr(r.out, "\n["));
	assert_true(r.out[0] != '[');
	assert_non_null(strstr(r.out, "\nMONOTONIC "));
	assert_non_null(strstr(r.out, "\nclocksource "));
	/* In 1 s the drift (from 2.3 s) never happens and cpu_cycles, exact
	 * but for its 3-cycle (3 ns) read jitter, keeps time. */
	assert_all_errors_within(&r, -10, 10);
	cwsim_run_free(&r);
}

static void test_cwsim_suspend_keeps_monotonic_and_injects_boottime(void **state)
{
	struct cwsim_run r = cwsim("--quiet", "--suspend-at", "3s", "--suspend-for", "2s", "--nohz",
				   "off", NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\nMONOTONIC                         8.0"));
	assert_non_null(strstr(r.out, "\nBOOTTIME                         10.0"));
	/*
	 * As the default run (cpu_cycles 3 % fast until the watchdog timer's
	 * run at 2.498 s: +5.943 ms), but sys_counter runs 5.5 s awake (10 ppm:
	 * 55 us) and the RTC reports the 2 s asleep exactly: +5.998 ms for
	 * every clock.
	 */
	assert_all_errors_within(&r, 5993000, 6003000);
	cwsim_run_free(&r);
}

static void test_cwsim_override_to_wrapping_counter_keeps_time(void **state)
{
	struct cwsim_run r =
		cwsim("--override", "timer32", "--override-at", "1s", "--nohz", "off", NULL);
	char row[256];

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(
		strstr(r.out, "[    1.000000] clocksource: Switched to clocksource timer32"));
	assert_non_null(strstr(r.out, "sim: override to clocksource 'timer32': accepted"));
	clocksource_row(&r, "timer32", row, sizeof(row));
	assert_non_null(strstr(row, " yes "));
	assert_non_null(strstr(row, " 2"));
	/*
	 * Exact until 1 s (cpu_cycles had not drifted yet), then timer32 runs
	 * -30 ppm for 9 s across two wraps: -270 us. Jitter: 2 cycles = 4 ns.
	 */
	assert_all_errors_within(&r, -270010, -269990);
	cwsim_run_free(&r);
}

static void test_cwsim_override_at_boot_and_unknown_name(void **state)
{
	struct cwsim_run r = cwsim("--quiet", "--override", "timer32", "--duration", "2s", "--nohz",
				   "off", NULL);
	struct cwsim_run bad = cwsim("--override", "nope", NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	/* -30 ppm from boot for 2 s: -60 us. */
	assert_all_errors_within(&r, -60010, -59990);
	assert_int_equal(bad.status, CWSIM_EXIT_USAGE);
	assert_non_null(strstr(bad.err,
			       "cwsim: --override: machine 'default-soc' has no "
			       "clocksource 'nope' (it has: sys_counter timer32 cpu_cycles "
			       "jiffies)"));
	cwsim_run_free(&r);
	cwsim_run_free(&bad);
}

static void test_cwsim_watchdog_catches_1pct_within_two_intervals(void **state)
{
	char path[512];
	struct cwsim_run r;
	const char *mark;

	(void)state;
	example_path(path, sizeof(path), "tests/data/machines", "tsc-1pct.ini");
	r = cwsim("--machine", path, "--duration", "3s", NULL);
	assert_int_equal(r.status, 0);
	mark = strstr(r.out, "Marking clocksource 'tsc' as unstable");
	assert_non_null(mark);
	/*
	 * Stamped within the first two 0.5 s intervals. A counters-only machine
	 * has no tick: the port's stand-in advances jiffies and expires the
	 * watchdog timer, at its expiry rounded up to the wheel bucket (8
	 * jiffies at HZ=1000): at most 1.008 s.
	 */
	assert_true(stamp_of(&r, "Marking clocksource 'tsc' as unstable") >= 0.5 &&
		    stamp_of(&r, "Marking clocksource 'tsc' as unstable") <= 1.008);
	assert_non_null(strstr(r.out, "Switched to clocksource hpet"));
	cwsim_run_free(&r);
}

static void test_cwsim_watchdog_never_flags_100ppm(void **state)
{
	char path[512], row[256];
	struct cwsim_run r;

	(void)state;
	example_path(path, sizeof(path), "tests/data/machines", "tsc-100ppm.ini");
	r = cwsim("--machine", path, "--duration", "60s", "--quiet", "--nohz", "off", NULL);
	assert_int_equal(r.status, 0);
	clocksource_row(&r, "tsc", row, sizeof(row));
	assert_null(strstr(row, "unstable"));
	assert_non_null(strstr(row, "valid_for_hres"));
	assert_non_null(strstr(row, " yes "));
	/* 100 ppm for 60 s: +6 ms, every clock. */
	assert_all_errors_within(&r, 5999990, 6000010);
	cwsim_run_free(&r);
}

static void test_cwsim_bad_machine_file_names_file_and_line(void **state)
{
	char path[512], want[600];
	struct cwsim_run r;

	(void)state;
	example_path(path, sizeof(path), "tests/data/machines", "bad-width.ini");
	r = cwsim("--machine", path, NULL);
	assert_int_equal(r.status, CWSIM_EXIT_FAILURE);
	snprintf(want, sizeof(want), "cwsim: %s:10: expected a width in bits, 16..64 (got '8')\n",
		 path);
	assert_string_equal(r.err, want);
	assert_int_equal(r.out_len, 0);
	cwsim_run_free(&r);
	r = cwsim("--machine", "/nonexistent/machine.ini", NULL);
	assert_int_equal(r.status, CWSIM_EXIT_FAILURE);
	assert_non_null(strstr(r.err, "/nonexistent/machine.ini: cannot open machine file"));
	cwsim_run_free(&r);
}

/*
 * Busy and idle periods of length 0 never let virtual time advance: cwsim
 * hung on them. It now refuses the file with its line (under a time limit,
 * so the old behaviour fails the test instead of hanging it).
 */
static void test_cwsim_zero_length_workload_is_refused_not_run(void **state)
{
	char path[256], want[512];
	struct cwsim_run r;

	(void)state;
	alarm(60);
	cwsim_temp_file(path, sizeof(path),
			"[workload]\nname = zero\nbusy = fixed 0ns\nidle = fixed 0ns\n");
	r = cwsim("--workload", path, "--duration", "1s", "--quiet", NULL);
	alarm(0);
	unlink(path);
	assert_int_equal(r.status, CWSIM_EXIT_FAILURE);
	snprintf(
		want, sizeof(want),
		"cwsim: %s:4: expected busy or idle periods longer than 0 on every CPU (got busy = "
		"fixed 0ns at line 3 and idle = fixed 0ns at line 4: the CPU would switch between "
		"them forever without virtual time advancing)\n",
		path);
	assert_string_equal(r.err, want);
	assert_int_equal(r.out_len, 0);
	cwsim_run_free(&r);
}

/*
 * A suspend that lasts past the end of the run left the machine asleep when
 * the report read the clocks: cwsim printed an 8 s "error" for BOOTTIME,
 * REALTIME and TAI. It is refused now; a suspend that ends exactly at the
 * end of the run is fine and reports no error.
 */
static void test_cwsim_suspend_past_the_end_is_refused(void **state)
{
	struct cwsim_run r = cwsim("--quiet", "--suspend-at", "2s", "--suspend-for", "20s",
				   "--duration", "10s", NULL);

	(void)state;
	assert_int_equal(r.status, CWSIM_EXIT_USAGE);
	assert_non_null(strstr(r.err, "cwsim: --suspend-at/--suspend-for: expected a suspend that "
				      "ends by the end of the run (got 2s + 20s = 22s, after "
				      "--duration 10s)\n"));
	assert_null(strstr(r.out, "BOOTTIME"));
	cwsim_run_free(&r);
	r = cwsim("--quiet", "--suspend-at", "2s", "--suspend-for", "8s", "--duration", "10s",
		  "--nohz", "off", NULL);
	assert_int_equal(r.status, CWSIM_EXIT_OK);
	/* MONOTONIC stops for the 8 s of suspend, BOOTTIME does not. */
	{
		char truth[64];
		long long err;

		cwsim_table_row(&r, "MONOTONIC", truth, &err);
		assert_string_equal(truth, "2.000000000");
		assert_true(err >= -10 && err <= 10);
		cwsim_table_row(&r, "BOOTTIME", truth, &err);
		assert_string_equal(truth, "10.000000000");
		assert_true(err >= -10 && err <= 10);
	}
	/*
	 * Nothing like 8 s: the drift (from 2.3 s) never happens, so the clocks
	 * are exact but for cpu_cycles' 3 ns read jitter, either way (the
	 * watchdog timer's reads moved, so the jitter draws did: -1 ns now).
	 */
	assert_all_errors_within(&r, -10, 6100000);
	cwsim_run_free(&r);
}

/* Hotplug events after the end of the run are pointed out (file:line) and the run goes on. */
static void test_cwsim_warns_about_hotplug_after_the_end(void **state)
{
	char path[256], want[512];
	struct cwsim_run r;

	(void)state;
	cwsim_temp_file(path, sizeof(path),
			"[workload]\nbusy = fixed 1ms\nidle = fixed 1ms\n[hotplug]\n"
			"offline = 1 500ms\nonline = 1 2.5s\n");
	r = cwsim("--workload", path, "--duration", "2s", "--quiet", NULL);
	unlink(path);
	assert_int_equal(r.status, CWSIM_EXIT_OK);
	snprintf(want, sizeof(want),
		 "cwsim: %s:6: warning: online of CPU1 at 2.5s is after the end of the run "
		 "(--duration 2s): it never happens\n",
		 path);
	assert_string_equal(r.err, want);
	assert_non_null(strstr(r.out, "MONOTONIC"));
	cwsim_run_free(&r);
}

static void test_cwsim_bad_arguments_exit_2_with_usage(void **state)
{
	static const char *const cases[][3] = {
		{ "--bogus", NULL, "unknown argument '--bogus'" },
		{ "--duration", "10",
		  "--duration: expected a time such as 10s or 250ms (got '10')" },
		{ "--duration", "0s", "--duration: expected a time above 0" },
		{ "--seed", "-3", "--seed: expected an unsigned 64-bit number (got '-3')" },
		{ "--hz", "123", "--hz: expected 100, 250, 300 or 1000 (got '123')" },
		{ "--suspend-at", "1s", "--suspend-at and --suspend-for go together" },
		{ "--override-at", "1s", "--override-at needs --override NAME" },
		{ "--machine", NULL, "--machine: expected a file name" },
		{ "--nohz", "maybe", "--nohz: expected on or off (got 'maybe')" },
		{ "--highres", "1", "--highres: expected on or off (got '1')" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cwsim_run r = cwsim(cases[i][0], cases[i][1], NULL);

		if (r.status != CWSIM_EXIT_USAGE || !strstr(r.err, cases[i][2]) ||
		    !strstr(r.err, "usage: cwsim")) {
			fail_msg("case %zu: status %d, err:\n%s", i, r.status, r.err);
		}
		cwsim_run_free(&r);
	}
}

static void test_cwsim_help_prints_usage_and_exits_0(void **state)
{
	struct cwsim_run r = cwsim("--help", NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: cwsim [options]"));
	assert_non_null(strstr(r.out, "--suspend-at"));
	assert_int_equal(r.err_len, 0);
	cwsim_run_free(&r);
}

static void test_cwsim_dump_machine_round_trips(void **state)
{
	struct cwsim_run r = cwsim("--dump-machine", NULL);
	struct cw_sim_machine_desc *m = NULL;
	char err[CW_SIM_ERR_MAX];

	(void)state;
	assert_int_equal(r.status, 0);
	assert_int_equal(
		cw_sim_machine_desc_parse_mem(r.out, r.out_len, "dump", &m, err, sizeof(err)), 0);
	assert_string_equal(m->name, "default-soc");
	assert_int_equal(m->nr_counters, 3);
	assert_non_null(strstr(r.out, "drift_at = 2.3s 30000ppm\n"));
	cw_sim_machine_desc_free(m);
	cwsim_run_free(&r);
}

static void test_cwsim_every_example_machine_runs(void **state)
{
	static const char *const files[] = {
		"default-soc.ini",    "minimal.ini",    "x86-tsc-hpet.ini",
		"cortex-a9-quad.ini", "numa-2node.ini",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[512];
		struct cwsim_run r;

		example_path(path, sizeof(path), "examples/machines", files[i]);
		r = cwsim("--machine", path, "--duration", "2s", "--hz", "250", NULL);
		if (r.status != 0) {
			fail_msg("%s: status %d\n%s", files[i], r.status, r.err);
		}
		assert_non_null(strstr(r.out, "sim: run finished: 2.000000000 s simulated"));
		cwsim_run_free(&r);
	}
}

/* The unsigned number in word @col (0-based, blank separated) of the text row starting with @row.
 */
static unsigned long long text_cell(const char *out, const char *row, int col)
{
	const char *line = strstr(out, row);
	char buf[512], *save = NULL, *w;

	if (!line) {
		fail_msg("no text row '%s'", row);
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(line + 1, "\n"), line + 1);
	w = strtok_r(buf, " ", &save);
	for (int i = 0; w && i < col; i++) {
		w = strtok_r(NULL, " ", &save);
	}
	assert_non_null(w);
	return strtoull(w, NULL, 10);
}

/*
 * --json: every table cwsim prints is in the document, with the units in
 * the key names, and says what the text says (one cell per table compared).
 */
static void test_cwsim_json_has_every_table_with_units(void **state)
{
	struct cwsim_run r = cwsim("--quiet", "--duration", "1s", NULL);
	const struct jt_node *run, *cpu1, *nohz2, *dev, *cs, *mono, *ticks;
	bool ok;

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(r.json);
	run = jt_get(r.json, "run");
	assert_string_equal(jt_text(jt_get(run, "machine")), "default-soc");
	assert_string_equal(jt_text(jt_get(run, "duration_ns")), "1000000000");
	assert_string_equal(jt_text(jt_get(run, "simulated_ns")), "1000000000");
	assert_int_equal(jt_get(run, "interrupted")->type, JT_BOOL);
	assert_false(jt_get(run, "interrupted")->b);
	assert_true(jt_num(jt_get(run, "events")) > 1000);

	assert_int_equal(jt_get(r.json, "clocks")->n, 10);
	mono = jt_row(jt_get(r.json, "clocks"), "clock", "MONOTONIC");
	assert_non_null(mono);
	assert_true(jt_i128(jt_get(mono, "true_ns"), &ok) == 1000000000 && ok);
	assert_non_null(jt_get(mono, "value_ns"));
	assert_non_null(jt_get(mono, "error_ppm"));

	cs = jt_row(jt_get(r.json, "clocksources"), "clocksource", "timer32");
	assert_non_null(cs);
	assert_string_equal(jt_text(jt_get(cs, "freq_hz")), "500000000");
	assert_int_equal(jt_get(cs, "flags")->type, JT_ARR);
	assert_string_equal(jt_text(jt_at(jt_get(cs, "flags"), 0)), "continuous");

	/* Same numbers as the text tables. */
	cpu1 = jt_row(jt_get(r.json, "cpus"), "cpu", "1");
	assert_non_null(cpu1);
	assert_true(jt_num(jt_get(cpu1, "ticks")) == (double)text_cell(r.out, "\n1    yes", 5));
	assert_non_null(jt_get(cpu1, "idle_pct"));
	nohz2 = jt_row(jt_get(r.json, "nohz"), "cpu", "2");
	assert_non_null(nohz2);
	assert_int_equal(jt_get(nohz2, "hres")->type, JT_BOOL);
	dev = jt_at(jt_get(r.json, "clockevents"), 0);
	assert_non_null(jt_get(dev, "lost_deep_idle"));
	ticks = jt_get(r.json, "ticks");
	assert_true(jt_num(jt_get(ticks, "jiffies")) == 1000);
	assert_true(jt_num(jt_get(ticks, "expected_jiffies")) == 1000);
	assert_non_null(jt_get(jt_get(r.json, "hrtimer_programs"), "programs_per_expiry"));
	assert_true(jt_num(jt_get(jt_get(r.json, "memory"), "core_state_per_cpu_bytes")) > 0);
	assert_true(jt_get(jt_get(r.json, "check"), "enabled")->b);
	assert_true(jt_num(jt_get(jt_get(r.json, "check"), "violations")) == 0);
	cwsim_run_free(&r);
}

/* --json to a place that cannot be written fails before the run, with the path. */
static void test_cwsim_json_unwritable_fails(void **state)
{
	struct cwsim_run r = cwsim("--quiet", "--json", "/nonexistent/dir/r.json", NULL);

	(void)state;
	assert_int_equal(r.status, CWSIM_EXIT_FAILURE);
	assert_non_null(strstr(r.err, "cwsim: --json: cannot create '/nonexistent/dir/r.json'"));
	assert_null(strstr(r.out, "\nclock "));
	cwsim_run_free(&r);
}

static void test_cwsim_version(void **state)
{
	struct cwsim_run r = cwsim("--version", NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "cwsim (clockwork) "));
	assert_non_null(strchr(r.out, '.'));
	assert_null(r.json);
	cwsim_run_free(&r);
}

/* --machine x86-tsc-hpet and --workload busy find the examples by name. */
static void test_cwsim_examples_by_name(void **state)
{
	struct cwsim_run r = cwsim("--quiet", "--machine", "x86-tsc-hpet", "--workload", "busy",
				   "--duration", "100ms", NULL);
	struct cwsim_run bad;

	(void)state;
	if (r.status != 0) {
		fail_msg("status %d: %s", r.status, r.err);
	}
	assert_string_equal(jt_text(jt_get(jt_get(r.json, "run"), "machine")), "x86-tsc-hpet");
	assert_non_null(strstr(jt_text(jt_get(jt_get(r.json, "run"), "machine_file")),
			       "/machines/x86-tsc-hpet.ini"));
	assert_non_null(strstr(jt_text(jt_get(jt_get(r.json, "run"), "workload_file")),
			       "/workloads/busy.ini"));
	cwsim_run_free(&r);

	bad = cwsim("--machine", "no-such-machine", NULL);
	assert_int_equal(bad.status, CWSIM_EXIT_FAILURE);
	assert_non_null(strstr(bad.err, "cwsim: no file 'no-such-machine' and no example machine "
					"named 'no-such-machine' (searched "));
	assert_non_null(strstr(bad.err, "/examples/machines)"));
	cwsim_run_free(&bad);
	/* A path is a path: no search. */
	bad = cwsim("--machine", "/nonexistent/x86-tsc-hpet", NULL);
	assert_int_equal(bad.status, CWSIM_EXIT_FAILURE);
	assert_non_null(strstr(bad.err, "/nonexistent/x86-tsc-hpet: cannot open machine file"));
	cwsim_run_free(&bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cwsim_default_run_catches_the_drifting_counter),
		cmocka_unit_test(test_cwsim_check_verdict_and_strict_mode),
		cmocka_unit_test(test_cwsim_same_seed_gives_identical_output),
		cmocka_unit_test(test_cwsim_quiet_prints_only_the_tables),
		cmocka_unit_test(test_cwsim_suspend_keeps_monotonic_and_injects_boottime),
		cmocka_unit_test(test_cwsim_override_to_wrapping_counter_keeps_time),
		cmocka_unit_test(test_cwsim_override_at_boot_and_unknown_name),
		cmocka_unit_test(test_cwsim_watchdog_catches_1pct_within_two_intervals),
		cmocka_unit_test(test_cwsim_watchdog_never_flags_100ppm),
		cmocka_unit_test(test_cwsim_bad_machine_file_names_file_and_line),
		cmocka_unit_test(test_cwsim_bad_arguments_exit_2_with_usage),
		cmocka_unit_test(test_cwsim_suspend_past_the_end_is_refused),
		cmocka_unit_test(test_cwsim_warns_about_hotplug_after_the_end),
		cmocka_unit_test(test_cwsim_zero_length_workload_is_refused_not_run),
		cmocka_unit_test(test_cwsim_help_prints_usage_and_exits_0),
		cmocka_unit_test(test_cwsim_dump_machine_round_trips),
		cmocka_unit_test(test_cwsim_every_example_machine_runs),
		cmocka_unit_test(test_cwsim_json_has_every_table_with_units),
		cmocka_unit_test(test_cwsim_json_unwritable_fails),
		cmocka_unit_test(test_cwsim_version),
		cmocka_unit_test(test_cwsim_examples_by_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
