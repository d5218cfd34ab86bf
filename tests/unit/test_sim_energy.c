/* SPDX-License-Identifier: MIT */
/*
 * Energy: the [idle] power figures parse (units, errors with file:line,
 * round trip through the formatter) and cwsim's energy table adds them up
 * exactly: a CPU that never idles draws active_power for the whole run;
 * each CPU's total is its active, idle and wakeup parts, the wakeup part
 * wakeup_energy per wakeup; and NO_HZ idle, which saves wakeups, saves
 * energy on idle CPUs.
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

static const char machine[] = "[machine]\nname = pw\ncpus = 2\n"
			      "[counter tsc]\nwidth = 64\nfreq = 1GHz\nrating = 300\n"
			      "flags = continuous\n"
			      "[hpet hpet]\nfreq = 14.31818MHz\nirq = 2\n"
			      "[lapic lapic]\nfreq = 100MHz\nirq = 236\n"
			      "[idle]\nstate = c1 shallow 2us 500mW\nstate = c6 deep 100us 20mW\n"
			      "active_power = 2W\nwakeup_energy = 10uJ\n";

static void test_power_figures_parse(void **state)
{
	static const struct {
		const char *idle;
		const char *message;
	} bad[] = {
		{ "state = c1 shallow 2us 5furlongs\n",
		  "m.ini:2: expected a power such as 1.2W or 350mW with a unit (uW, mW, W) "
		  "(got '5furlongs')" },
		{ "active_power = 1.0000005mW\n",
		  "m.ini:2: expected a power such as 1.2W or 350mW in whole uW (got '1.0000005mW')" },
		{ "wakeup_energy = 3\n", "m.ini:2: expected an energy such as 20uJ or 1.5mJ with a "
					 "unit (nJ, uJ, mJ, J) (got '3')" },
		{ "state = c1 shallow 2us 1W 2W\n", "m.ini:2: expected 'state = NAME shallow|deep "
						    "EXIT_LATENCY [POWER]'" },
	};
	struct cw_sim_machine_desc *d = NULL, *again = NULL;
	char err[CW_SIM_ERR_MAX], *text;
	size_t len;

	(void)state;
	assert_int_equal(cw_sim_machine_desc_parse_mem(machine, strlen(machine), "m.ini", &d, err,
						       sizeof(err)),
			 0);
	assert_int_equal(d->idle_states[0].power_uw, 500000);
	assert_int_equal(d->idle_states[1].power_uw, 20000);
	assert_int_equal(d->active_power_uw, 2000000);
	assert_int_equal(d->wakeup_energy_nj, 10000);
	len = cw_sim_machine_desc_format(d, NULL, 0);
	text = malloc(len + 1);
	assert_non_null(text);
	cw_sim_machine_desc_format(d, text, len + 1);
	assert_int_equal(
		cw_sim_machine_desc_parse_mem(text, len, "again.ini", &again, err, sizeof(err)), 0);
	assert_int_equal(again->idle_states[1].power_uw, 20000);
	assert_int_equal(again->active_power_uw, 2000000);
	assert_int_equal(again->wakeup_energy_nj, 10000);
	free(text);
	cw_sim_machine_desc_free(again);
	cw_sim_machine_desc_free(d);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char file[256];

		snprintf(file, sizeof(file), "[idle]\n%s", bad[i].idle);
		assert_int_not_equal(cw_sim_machine_desc_parse_mem(file, strlen(file), "m.ini", &d,
								   err, sizeof(err)),
				     0);
		if (!strstr(err, bad[i].message)) {
			fail_msg("case %zu: got '%s'", i, err);
		}
	}
}

/* Run cwsim on the power machine with @a1 @a2 (NULL-terminated list). */
static struct cwsim_run run(const char *path, const char *a1, const char *a2, const char *a3)
{
	char *args[12] = { "--machine", (char *)path, "--quiet",  "--duration",
			   "1s",        (char *)a1,   (char *)a2, (char *)a3 };

	return cwsim_run_argv(args);
}

static double cpu_field(const struct cwsim_run *r, unsigned cpu, const char *key)
{
	char c[8];

	snprintf(c, sizeof(c), "%u", cpu);
	return jt_num(jt_get(jt_row(jt_get(r->json, "energy"), "cpu", c), key));
}

static void test_energy_adds_up(void **state)
{
	char path[256];
	struct cwsim_run busy, nohz, ticking;

	(void)state;
	cwsim_temp_file(path, sizeof(path), machine);
	/* Never idle: 2 W for 1 s is 2 J on each CPU, nothing else. */
	busy = run(path, "--workload", "none", NULL);
	assert_int_equal(busy.status, 0);
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		assert_true(cpu_field(&busy, cpu, "active_energy_nj") == 2e9);
		assert_true(cpu_field(&busy, cpu, "idle_energy_nj") == 0);
		assert_true(cpu_field(&busy, cpu, "energy_nj") == 2e9);
		assert_true(cpu_field(&busy, cpu, "average_power_uw") == 2e6);
	}
	assert_non_null(strstr(busy.out, "\nenergy: 4000.000 mJ in total over 2 CPUs"));

	/* The default workload: parts add up, wakeups cost 10 uJ each. */
	nohz = run(path, NULL, NULL, NULL);
	ticking = run(path, "--nohz", "off", NULL);
	assert_int_equal(nohz.status, 0);
	assert_int_equal(ticking.status, 0);
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		double w = cpu_field(&nohz, cpu, "wakeups");

		assert_true(w > 0);
		assert_true(cpu_field(&nohz, cpu, "wakeup_energy_nj") == 10000 * w);
		assert_true(cpu_field(&nohz, cpu, "energy_nj") ==
			    cpu_field(&nohz, cpu, "active_energy_nj") +
				    cpu_field(&nohz, cpu, "idle_energy_nj") + 10000 * w);
		assert_true(cpu_field(&nohz, cpu, "idle_energy_nj") > 0);
	}
	/* Stopping the tick in idle saves wakeups, and so energy. */
	print_message("energy over 1 s: NO_HZ %.0f nJ for %.0f wakeups, ticking %.0f nJ for %.0f\n",
		      jt_num(jt_get(jt_get(nohz.json, "energy_total"), "energy_nj")),
		      jt_num(jt_get(jt_get(nohz.json, "energy_total"), "wakeups")),
		      jt_num(jt_get(jt_get(ticking.json, "energy_total"), "energy_nj")),
		      jt_num(jt_get(jt_get(ticking.json, "energy_total"), "wakeups")));
	assert_true(jt_num(jt_get(jt_get(nohz.json, "energy_total"), "wakeups")) <
		    jt_num(jt_get(jt_get(ticking.json, "energy_total"), "wakeups")));
	assert_true(jt_num(jt_get(jt_get(nohz.json, "energy_total"), "energy_nj")) <
		    jt_num(jt_get(jt_get(ticking.json, "energy_total"), "energy_nj")));
	cwsim_run_free(&busy);
	cwsim_run_free(&nohz);
	cwsim_run_free(&ticking);
	unlink(path);

	/* No power figure, no energy table. */
	busy = cwsim_run_argv((char *[]){ "--quiet", "--duration", "100ms", NULL });
	assert_null(jt_get(busy.json, "energy"));
	assert_null(strstr(busy.out, "\nenergy"));
	cwsim_run_free(&busy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_figures_parse),
		cmocka_unit_test(test_energy_adds_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
