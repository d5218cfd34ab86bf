/* SPDX-License-Identifier: MIT */
/*
 * Physical checks of machines (cw_sim_machine_desc_check()): hardware that
 * cannot serve at the run's HZ is an error, hardware that works but is
 * probably a mistake is a warning, each with the file and line of its
 * section and an exact text; the verdict follows the HZ (a timer fine at
 * HZ=1000 cannot hold HZ=100's period); cw_sim_machine_create() refuses the
 * errors and logs the findings; cwsim stops on errors (exit 1) and prints
 * warnings. Before these checks every machine below booted silently (a
 * 1 Hz tick device never ticked, a 16-bit counter at 4 GHz lost time).
 */
#include "cwsim.h"

#include <clockwork/sim.h>
#include <clockwork/system.h>

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

/** Findings of one check, one per line. */
struct findings {
	char text[4096];
	unsigned errors;
	unsigned warnings;
};

static void collect(void *arg, bool error, const char *msg)
{
	struct findings *f = arg;
	size_t len = strlen(f->text);

	snprintf(f->text + len, sizeof(f->text) - len, "%s\n", msg);
	if (error) {
		f->errors++;
	} else {
		f->warnings++;
	}
}

static struct cw_sim_machine_desc *parse(const char *text)
{
	struct cw_sim_machine_desc *m = NULL;
	char err[CW_SIM_ERR_MAX];

	if (cw_sim_machine_desc_parse_mem(text, strlen(text), "hw.ini", &m, err, sizeof(err))) {
		fail_msg("does not parse: %s\n%s", err, text);
	}
	return m;
}

/* Check @text at @hz for @run_ns; returns the findings and asserts the return value. */
static struct findings check(const char *text, unsigned hz, uint64_t run_ns, int want)
{
	struct cw_sim_machine_desc *m = parse(text);
	struct findings f = { .text = "" };
	int ret = cw_sim_machine_desc_check(m, hz, run_ns, collect, &f);

	cw_sim_machine_desc_free(m);
	if (ret != want) {
		fail_msg("check returned %d, wanted %d; findings:\n%s", ret, want, f.text);
	}
	return f;
}

static void assert_finding(const struct findings *f, const char *want)
{
	if (!strstr(f->text, want)) {
		fail_msg("no finding\n  %s\nin:\n%s", want, f->text);
	}
}

/* A one-CPU machine with a sane counter (lines 1-8); sections follow from line 9. */
#define MACH                                                                                       \
	"[machine]\nname = hw\ncpus = 1\n[counter ok]\nwidth = 64\nfreq = 24MHz\nrating = 300\n"   \
	"flags = continuous\n"

static void test_sane_machines_have_no_findings(void **state)
{
	struct findings f;

	(void)state;
	f = check(MACH "[tmu t]\nfreq = 1MHz\nirq = 40\n", 1000, 10000000000ull, 0);
	assert_int_equal(f.errors + f.warnings, 0);
	f = check(cw_sim_machine_default_text(), 100, 0, 0);
	assert_int_equal(f.errors + f.warnings, 0);
}

static void test_tick_device_too_slow_for_hz_is_an_error(void **state)
{
	struct findings f;

	(void)state;
	/* The 1 Hz tick device: one cycle is a second. */
	f = check(MACH "[tmu t]\nfreq = 1Hz\nirq = 40\n", 1000, 0, CW_EINVAL);
	assert_int_equal(f.errors, 1);
	assert_finding(&f, "hw.ini:9: expected a timer that can interrupt once per tick at HZ=1000 "
			   "(a tick is 1000000 ns) in [tmu t] (got min_delta 1 cycles at 1 Hz = "
			   "1000000000 ns: too slow for HZ)\n");
	/* A shortest delay of 2000 cycles at 1 MHz is 2 ms: fine at HZ=250, not at 1000. */
	f = check(MACH "[lapic l]\nfreq = 1MHz\nirq = 236\nmin_delta = 2000\n", 1000, 0, CW_EINVAL);
	assert_finding(&f, "hw.ini:9: expected a timer that can interrupt once per tick at HZ=1000 "
			   "(a tick is 1000000 ns) in [lapic l] (got min_delta 2000 cycles at "
			   "1000000 Hz = 2000000 ns: too slow for HZ)\n");
	check(MACH "[lapic l]\nfreq = 1MHz\nirq = 236\nmin_delta = 2000\n", 250, 0, 0);
}

static void test_periodic_timer_that_cannot_hold_the_period_is_an_error(void **state)
{
	struct findings f;

	(void)state;
	/* 16 bits at 32 MHz: 1 ms is 32000 cycles (fits), 10 ms is 320000 (does not). */
	f = check(MACH "[pit p]\nfreq = 32MHz\nirq = 0\n", 1000, 0, 0);
	assert_int_equal(f.errors + f.warnings, 0);
	f = check(MACH "[pit p]\nfreq = 32MHz\nirq = 0\n", 100, 0, CW_EINVAL);
	assert_finding(&f, "hw.ini:9: expected a periodic timer that holds the tick period at "
			   "HZ=100 in [pit p] (got 32000000 Hz / 100 = 320000 cycles, max_delta "
			   "65535 cycles)\n");
	/* 1.5 kHz rounds to a period of 2 cycles at HZ=1000: ticks at 750 Hz. */
	f = check(MACH "[tmu t]\nfreq = 1.5kHz\nirq = 40\n", 1000, 0, 0);
	assert_int_equal(f.warnings, 1);
	assert_finding(&f, "hw.ini:9: warning: [tmu t] ticks periodically every 2 cycles at 1500 "
			   "Hz, 333333 ppm off 1/HZ at HZ=1000: jiffies run that much fast or slow "
			   "while it ticks periodically\n");
	/* Exactly HZ with max_delta 1: one cycle per tick, nothing to say. */
	f = check(MACH "[tmu t]\nfreq = 1kHz\nirq = 40\nmin_delta = 1\nmax_delta = 1\n", 1000, 0,
		  0);
	assert_int_equal(f.errors + f.warnings, 0);
	f = check(MACH "[hpet h]\nfreq = 10kHz\nirq = 2\nmin_delta = 1\nmax_delta = 9\n", 1000, 0,
		  CW_EINVAL);
	assert_finding(&f, "hw.ini:9: expected a periodic timer that holds the tick period at "
			   "HZ=1000 in [hpet h] (got 10000 Hz / 1000 = 10 cycles, max_delta 9 "
			   "cycles)\n");
}

static void test_oneshot_timer_with_max_delta_below_a_tick_is_a_warning(void **state)
{
	struct findings f;

	(void)state;
	/* 24 MHz, max_delta 12000 cycles = 500 us: two interrupts per 1 ms tick. */
	f = check(MACH "[arch_timer a]\nfreq = 24MHz\nirq = 30\nmax_delta = 12000\n", 1000, 0, 0);
	assert_int_equal(f.errors, 0);
	assert_int_equal(f.warnings, 1);
	assert_finding(&f, "hw.ini:9: warning: [arch_timer a] can be programmed at most 500000 ns "
			   "ahead (max_delta 12000 cycles), less than a tick at HZ=1000 (1000000 "
			   "ns): each tick takes 2 interrupts in oneshot mode\n");
}

static void test_counter_that_wraps_faster_than_the_timekeeper_is_an_error(void **state)
{
	struct findings f;

	(void)state;
	/* The 16-bit counter at 4 GHz wraps every 16.4 us. */
	f = check("[machine]\nname = hw\ncpus = 1\n[counter fast]\nwidth = 16\nfreq = 4GHz\n"
		  "rating = 300\n",
		  1000, 0, CW_EINVAL);
	assert_int_equal(f.errors, 1);
	assert_finding(&f, "hw.ini:4: expected a counter that wraps more slowly than the "
			   "timekeeper can accumulate in [counter fast]: it reads the counter once "
			   "per tick (1000000 ns at HZ=1000) and needs each read within half a "
			   "wrap, so a wrap period of at least 2000000 ns (got 16 bits at "
			   "4000000000 Hz: a wrap every 16384 ns)\n");
	/* 16 bits at 20 MHz wrap every 3.3 ms: fine at HZ=1000, not at HZ=300 (3.3 ms ticks). */
	check("[machine]\nname = hw\ncpus = 1\n[counter c]\nwidth = 16\nfreq = 20MHz\nrating = 1\n",
	      1000, 0, 0);
	f = check("[machine]\nname = hw\ncpus = 1\n[counter c]\nwidth = 16\nfreq = 20MHz\n"
		  "rating = 1\n",
		  300, 0, CW_EINVAL);
	assert_finding(&f, "(3333333 ns at HZ=300)");
	/* Verified counters: wrapping within the watchdog interval is a warning. */
	f = check("[machine]\nname = hw\ncpus = 1\n[counter c]\nwidth = 16\nfreq = 1MHz\n"
		  "rating = 300\n[counter tsc]\nwidth = 64\nfreq = 1GHz\nrating = 400\n"
		  "flags = must_verify\n",
		  1000, 0, 0);
	assert_int_equal(f.warnings, 1);
	assert_finding(&f,
		       "hw.ini:4: warning: [counter c] wraps every 65536000 ns, within the "
		       "watchdog interval (500000000 ns): as the watchdog or a verified counter "
		       "its checks would misread the wraps\n");
}

static void test_latencies_longer_than_a_tick_or_the_run_are_warnings(void **state)
{
	struct findings f;

	(void)state;
	f = check(MACH "[irq]\nlatency = 2ms\nipi_latency = 1s\n[idle]\nstate = c9 deep 5ms\n",
		  1000, 500000000, 0);
	assert_int_equal(f.errors, 0);
	assert_int_equal(f.warnings, 3);
	assert_finding(&f, "hw.ini:10: warning: [irq] latency of 2000000 ns is longer than a tick "
			   "at HZ=1000 (1000000 ns): every tick is handled after the next one is "
			   "due\n");
	assert_finding(&f, "hw.ini:11: warning: [irq] ipi_latency of 1000000000 ns is as long as "
			   "the whole run (500000000 ns): nothing it delays happens before the "
			   "end\n");
	assert_finding(&f,
		       "hw.ini:13: warning: idle state c9: exit latency of 5000000 ns is longer "
		       "than a tick");
}

static void test_absurd_values_are_parse_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ MACH "[irq]\nlatency = 86400s\n",
		  "hw.ini:10: expected an interrupt latency of at most 1s (real hardware takes ns "
		  "to ms) (got '86400s')" },
		{ MACH "[irq]\nipi_latency = 1.000000001s\n",
		  "hw.ini:10: expected an IPI latency of at most 1s" },
		{ MACH "[idle]\nstate = c6 deep 2s\n",
		  "hw.ini:10: expected an idle exit latency of at most 1s (real hardware takes ns to "
		  "ms) (got '2s')" },
		{ MACH "[tmu t]\nfreq = 101GHz\nirq = 40\n",
		  "hw.ini:10: expected a frequency above 0 Hz and at most 100GHz (got '101GHz')" },
		{ MACH "[tmu t]\nfreq = -1MHz\nirq = 40\n",
		  "hw.ini:10: expected a frequency such as 24MHz or 3.579545 MHz (got '-1MHz')" },
		{ MACH "[tmu t]\nfreq = 0Hz\nirq = 40\n",
		  "hw.ini:10: expected a frequency above 0 Hz and at most 100GHz (got '0Hz')" },
		{ MACH "[tmu t]\nfreq = 1MHz\nirq = 40\nwidth = 65\n",
		  "hw.ini:12: expected a width in bits, 16..64 (got '65')" },
		{ MACH "[tmu t]\nfreq = 1MHz\nirq = 40\nwidth = 0\n",
		  "hw.ini:12: expected a width in bits, 16..64 (got '0')" },
		{ MACH "[counter c]\nwidth = -8\n", "hw.ini:10: expected a width in bits, 16..64" },
		{ MACH "[counter c]\nwidth = 32\nfreq = 200GHz\n",
		  "hw.ini:11: expected a frequency above 0 Hz and at most 100GHz (got '200GHz')" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cw_sim_machine_desc *m = NULL;
		char err[CW_SIM_ERR_MAX] = "";
		int ret = cw_sim_machine_desc_parse_mem(cases[i].text, strlen(cases[i].text),
							"hw.ini", &m, err, sizeof(err));

		if (ret != CW_EINVAL || strncmp(err, cases[i].msg, strlen(cases[i].msg)) != 0) {
			fail_msg("case %zu: ret %d\n  %s\nwanted\n  %s", i, ret, err, cases[i].msg);
		}
	}
}

/* Log lines of a machine being built. */
static void log_line(void *arg, int level, const char *line)
{
	struct findings *f = arg;
	size_t len = strlen(f->text);

	(void)level;
	snprintf(f->text + len, sizeof(f->text) - len, "%s\n", line);
}

static void test_machine_create_refuses_errors_and_logs_warnings(void **state)
{
	struct cw_system_config cfg = { .hz = 100 };
	struct cw_sim_machine_desc *d = parse(MACH "[pit p]\nfreq = 32MHz\nirq = 0\n");
	struct cw_sim_machine *m = (void *)1;
	struct findings f = { .text = "" };
	struct cw_sim *sim = NULL;

	(void)state;
	assert_int_equal(cw_sim_create(1, &sim), 0);
	/* HZ=100: the PIT cannot hold 10 ms in 16 bits. */
	assert_int_equal(cw_sim_machine_create(sim, d, &cfg, log_line, &f, &m), CW_EINVAL);
	assert_finding(&f, "sim: hw.ini:9: expected a periodic timer that holds the tick period at "
			   "HZ=100 in [pit p]");
	/* HZ=1000 from the caller: fine. */
	cfg.hz = 1000;
	f.text[0] = '\0';
	assert_int_equal(cw_sim_machine_create(sim, d, &cfg, log_line, &f, &m), 0);
	assert_null(strstr(f.text, "hw.ini:"));
	cw_sim_machine_destroy(m);
	cw_sim_machine_desc_free(d);
	/* A warning is logged and the machine is built. */
	d = parse(MACH "[irq]\nlatency = 3ms\n");
	f.text[0] = '\0';
	assert_int_equal(cw_sim_machine_create(sim, d, &cfg, log_line, &f, &m), 0);
	assert_finding(&f, "sim: hw.ini:10: warning: [irq] latency of 3000000 ns is longer than a "
			   "tick at HZ=1000");
	cw_sim_machine_destroy(m);
	cw_sim_machine_desc_free(d);
	cw_sim_destroy(sim);
	assert_int_equal(cw_sim_machine_desc_check(NULL, 0, 0, NULL, NULL), CW_EINVAL);
}

/* ---------------------------------------------------------------------- */
/* cwsim */

/* Run cwsim on a scratch machine file holding @machine_text, plus one option @a1 @a2. */
static struct cwsim_run cwsim_with(const char *machine_text, const char *a1, const char *a2)
{
	char path[256];
	char *args[8] = {
		"--machine", path, "--quiet", "--duration", "1s", (char *)a1, (char *)a2
	};
	struct cwsim_run r;

	cwsim_temp_file(path, sizeof(path), machine_text);
	r = cwsim_run_argv(args);
	unlink(path);
	return r;
}

static void test_cwsim_stops_on_impossible_hardware_and_prints_warnings(void **state)
{
	struct cwsim_run r;

	(void)state;
	/* Before: exit 0 and a run whose tick device never ticked. */
	r = cwsim_with(MACH "[tmu t]\nfreq = 1Hz\nirq = 40\n", NULL, NULL);
	assert_int_equal(r.status, CWSIM_EXIT_FAILURE);
	assert_non_null(strstr(r.err, ":9: expected a timer that can interrupt once per tick at "
				      "HZ=1000"));
	assert_int_equal(r.out_len, 0);
	cwsim_run_free(&r);
	/* --hz decides: the 16-bit 32 MHz PIT is fine at 1000, not at 100. */
	r = cwsim_with(MACH "[pit p]\nfreq = 32MHz\nirq = 0\n", "--hz", "100");
	assert_int_equal(r.status, CWSIM_EXIT_FAILURE);
	assert_non_null(strstr(r.err, "in [pit p] (got 32000000 Hz / 100 = 320000 cycles"));
	cwsim_run_free(&r);
	/* Warnings go to stderr and the run goes on. */
	r = cwsim_with(MACH "[tmu t]\nfreq = 1MHz\nirq = 40\n[irq]\nlatency = 1s\n", NULL, NULL);
	assert_int_equal(r.status, CWSIM_EXIT_OK);
	assert_non_null(strstr(r.err, ":13: warning: [irq] latency of 1000000000 ns is as long as "
				      "the whole run (1000000000 ns)"));
	assert_non_null(strstr(r.out, "MONOTONIC"));
	cwsim_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sane_machines_have_no_findings),
		cmocka_unit_test(test_tick_device_too_slow_for_hz_is_an_error),
		cmocka_unit_test(test_periodic_timer_that_cannot_hold_the_period_is_an_error),
		cmocka_unit_test(test_oneshot_timer_with_max_delta_below_a_tick_is_a_warning),
		cmocka_unit_test(test_counter_that_wraps_faster_than_the_timekeeper_is_an_error),
		cmocka_unit_test(test_latencies_longer_than_a_tick_or_the_run_are_warnings),
		cmocka_unit_test(test_absurd_values_are_parse_errors),
		cmocka_unit_test(test_machine_create_refuses_errors_and_logs_warnings),
		cmocka_unit_test(test_cwsim_stops_on_impossible_hardware_and_prints_warnings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
