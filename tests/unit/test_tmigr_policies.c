// SPDX-License-Identifier: MIT
/*
 * The timer-migration wakeup study in cwsim (issue 11, section 3):
 * cwsim --tmigr-policies on the idle-server workload
 * (examples/workloads/idle-server.ini) and the study's machines
 * (examples/machines/tmigr/), its targets read from the JSON report; the
 * [idle-server] section's errors; and timer migration's checker inside
 * the invariant checker's verify (a corrupted hierarchy is a violation).
 * Everything runs in virtual time: deterministic, bit for bit.
 */
#include "cwsim.h"

#include <clockwork/check.h>
#include <clockwork/sim.h>
#include <clockwork/system.h>

#include "core/tmigr-internal.h"

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

#define MACHINES CW_SOURCE_DIR "/examples/machines/tmigr/"
#define WORKLOAD CW_SOURCE_DIR "/examples/workloads/idle-server.ini"

static const struct jt_node *policy_row(const struct cwsim_run *r, const char *policy)
{
	const struct jt_node *row = jt_row(jt_get(r->json, "tmigr_policies"), "policy", policy);

	if (!row) {
		fail_msg("no row for policy %s:\n%s\n%s", policy, r->out, r->err);
	}
	return row;
}

static double cell(const struct cwsim_run *r, const char *policy, const char *key)
{
	double v = jt_num(jt_get(policy_row(r, policy), key));

	if (v != v) {
		fail_msg("policy %s: no number '%s'", policy, key);
	}
	return v;
}

static struct cwsim_run run_ok(const char *machine, const char *policies, const char *duration)
{
	struct cwsim_run r =
		cwsim_run_args("--machine", machine, "--workload", WORKLOAD, "--tmigr-policies",
			       policies, "--duration", duration, "--quiet", NULL);

	if (r.status != CWSIM_EXIT_OK) {
		fail_msg("cwsim failed (%d):\n%s\n%s", r.status, r.out, r.err);
	}
	print_message("%s", r.out);
	return r;
}

/* The targets on the 8-CPU machine (2 nodes), 10 s, seed 1. */
static void test_targets_on_8_cpus(void **state)
{
	struct cwsim_run r = run_ok(MACHINES "idle-8.ini", "all", "10s");
	const char *const all[] = { "pull", "push", "pinned", "periodic" };

	(void)state;
	/* Idle CPUs take no wakeups for global timers under pull. */
	assert_true(cell(&r, "pull", "global_per_s") == 0);
	assert_true(cell(&r, "pull", "pulled_global_per_s") == 0);
	/* ... while they do without migration (the comparison is not empty). */
	assert_true(cell(&r, "pinned", "global_per_s") > 0);
	assert_true(cell(&r, "push", "global_per_s") > 0);
	/* Busy CPUs expired the timeouts instead. */
	assert_true(cell(&r, "pull", "remote_expiries") > 0);
	assert_true(cell(&r, "pinned", "remote_expiries") == 0);
	/* At least 10x fewer idle wakeups than periodic, fewer than push. */
	assert_true(cell(&r, "pull", "idle_wakeups_per_s") * 10 <=
		    cell(&r, "periodic", "idle_wakeups_per_s"));
	assert_true(cell(&r, "pull", "idle_wakeups_per_s") <
		    cell(&r, "push", "idle_wakeups_per_s"));
	/* Lateness p99 of the global timers no worse than push's. */
	assert_true(cell(&r, "pull", "lateness_p99_ns") <= cell(&r, "push", "lateness_p99_ns"));
	assert_true(cell(&r, "pull", "timeouts_expired") > 0);
	/* Push scans for a busy CPU at enqueue; nobody else does. */
	assert_true(cell(&r, "push", "cpus_scanned_per_enqueue") > 0);
	assert_true(cell(&r, "pull", "cpus_scanned_per_enqueue") == 0);
	/* Energy: the wakeups saved cost less. */
	assert_true(cell(&r, "pull", "energy_nj") < cell(&r, "periodic", "energy_nj"));
	for (unsigned i = 0; i < 4; i++) {
		assert_true(cell(&r, all[i], "check_violations") == 0);
	}
	assert_non_null(strstr(r.out, "timer-migration policies: machine idle-8, 8 CPUs"));
	cwsim_run_free(&r);
}

/*
 * 64 CPUs in 2 nodes, 5 s: the ordering of the policies and the lateness
 * target hold on a machine where the hierarchy has two levels.
 */
static void test_targets_on_64_cpus(void **state)
{
	struct cwsim_run r = run_ok(MACHINES "idle-64.ini", "all", "5s");

	(void)state;
	assert_true(cell(&r, "pull", "idle_wakeups_per_s") <
		    cell(&r, "push", "idle_wakeups_per_s"));
	assert_true(cell(&r, "push", "idle_wakeups_per_s") <=
		    cell(&r, "pinned", "idle_wakeups_per_s"));
	assert_true(cell(&r, "pull", "idle_wakeups_per_s") * 10 <=
		    cell(&r, "periodic", "idle_wakeups_per_s"));
	assert_true(cell(&r, "pull", "lateness_p99_ns") <= cell(&r, "push", "lateness_p99_ns"));
	/* Global-timer wakeups of idle CPUs: under pull a small fraction of pinned's. */
	assert_true(cell(&r, "pull", "global_per_s") * 10 <= cell(&r, "pinned", "global_per_s"));
	assert_true(cell(&r, "pull", "check_violations") == 0);
	cwsim_run_free(&r);
}

/* A policy's row does not depend on the others being run: same seed, same row. */
static void test_a_row_alone_is_the_same(void **state)
{
	struct cwsim_run all = run_ok(MACHINES "idle-8.ini", "all", "3s");
	struct cwsim_run one = run_ok(MACHINES "idle-8.ini", "push", "3s");
	const char *const keys[] = { "idle_wakeups_per_s", "global_per_s", "remote_expiries",
				     "lateness_p99_ns", "energy_nj" };

	(void)state;
	assert_null(jt_row(jt_get(one.json, "tmigr_policies"), "policy", "pull"));
	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		assert_true(cell(&all, "push", keys[i]) == cell(&one, "push", keys[i]));
	}
	cwsim_run_free(&all);
	cwsim_run_free(&one);
}

/* Isolated CPUs (4-7 of node 0) never run another CPU's timeouts. */
static void test_isolated_cpus_take_no_pulled_timers(void **state)
{
	struct cwsim_run r = run_ok(MACHINES "idle-64-isolated.ini", "pull", "4s");

	(void)state;
	assert_true(cell(&r, "pull", "isolated_pulled") == 0);
	assert_true(cell(&r, "pull", "pulled_expiries") > 0);
	cwsim_run_free(&r);
}

/*
 * Hotplug under the idle server: a CPU back online returns to its idle
 * loop (before, the workload restarted the [workload] busy/idle periods,
 * which the section leaves unset: 0 ns periods forever at one instant).
 */
static void test_hotplug_under_the_idle_server(void **state)
{
	static const char wl[] = "[workload]\nname = is-hotplug\n[idle-server]\n"
				 "[hotplug]\noffline = 2 1.2s\nonline = 2 1.6s\n"
				 "offline = 5 2s\n";
	char path[512];
	struct cwsim_run r;

	(void)state;
	cwsim_temp_file(path, sizeof(path), wl);
	r = cwsim_run_args("--machine", MACHINES "idle-8.ini", "--workload", path,
			   "--tmigr-policies", "pull,pinned", "--duration", "3s", NULL);
	unlink(path);
	if (r.status != CWSIM_EXIT_OK) {
		fail_msg("cwsim failed (%d):\n%s\n%s", r.status, r.out, r.err);
	}
	assert_true(cell(&r, "pull", "check_violations") == 0);
	assert_true(cell(&r, "pinned", "check_violations") == 0);
	assert_true(cell(&r, "pull", "idle_wakeups_per_s") > 0);
	cwsim_run_free(&r);
}

static double class_cell(const struct cwsim_run *r, const char *policy, unsigned klass,
			 const char *key)
{
	const struct jt_node *t = jt_get(r->json, "tmigr_policy_classes");

	for (size_t i = 0; jt_at(t, i); i++) {
		const struct jt_node *row = jt_at(t, i);

		if (strcmp(jt_text(jt_get(row, "policy")), policy) == 0 &&
		    jt_num(jt_get(row, "capacity_class")) == klass) {
			return jt_num(jt_get(row, key));
		}
	}
	fail_msg("no class %u row for %s", klass, policy);
	return 0;
}

/*
 * Capacity classes with the bursts on the big CPUs (burst_from): one
 * hierarchy lets the busy big CPUs pull the little ones' timeouts; one
 * hierarchy per class (--tmigr-per-class) leaves the little class with no
 * busy CPU, and its idle CPUs wake for its timers.
 */
static void test_capacity_classes_per_class_costs_the_little_cpus(void **state)
{
	const char *wl = CW_SOURCE_DIR "/examples/workloads/idle-server-big.ini";
	struct cwsim_run one =
		cwsim_run_args("--machine", MACHINES "idle-64-classes.ini", "--workload", wl,
			       "--tmigr-policies", "pull", "--duration", "4s", NULL);
	struct cwsim_run per = cwsim_run_args("--machine", MACHINES "idle-64-classes.ini",
					      "--workload", wl, "--tmigr-policies", "pull",
					      "--tmigr-per-class", "--duration", "4s", NULL);

	(void)state;
	assert_int_equal(one.status, CWSIM_EXIT_OK);
	assert_int_equal(per.status, CWSIM_EXIT_OK);
	print_message("one hierarchy: little CPUs %.1f/s for global timers; per class: %.1f/s\n",
		      class_cell(&one, "pull", 1, "global_wakeups_per_s"),
		      class_cell(&per, "pull", 1, "global_wakeups_per_s"));
	assert_true(class_cell(&one, "pull", 1, "global_wakeups_per_s") <= 0.5);
	assert_true(class_cell(&per, "pull", 1, "global_wakeups_per_s") >
		    10 * class_cell(&one, "pull", 1, "global_wakeups_per_s") + 1);
	/* The big CPUs' timers are pulled by the busy big CPUs either way. */
	assert_true(class_cell(&per, "pull", 0, "global_wakeups_per_s") <= 0.5);
	cwsim_run_free(&one);
	cwsim_run_free(&per);
}

static void test_needs_an_idle_server_workload(void **state)
{
	struct cwsim_run r = cwsim_run_args("--tmigr-policies", "all", "--duration", "1s", NULL);

	(void)state;
	assert_int_equal(r.status, CWSIM_EXIT_USAGE);
	assert_non_null(strstr(r.err, "[idle-server]"));
	cwsim_run_free(&r);
	r = cwsim_run_args("--tmigr-policies", "pull,bogus", NULL);
	assert_int_equal(r.status, CWSIM_EXIT_USAGE);
	assert_non_null(strstr(r.err, "--tmigr-policies: expected all or a list"));
	cwsim_run_free(&r);
}

static void test_idle_server_section_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "[workload]\n[idle-server]\nconnection = 4\n",
		  "w:3: expected a key of [idle-server]" },
		{ "[workload]\n[idle-server]\ntimeout = 0\n", "w:3: expected a time above 0" },
		{ "[workload]\n[idle-server]\nburst_cpus = 3/2\n",
		  "w:3: expected a share of the CPUs" },
		{ "[workload]\n[idle-server]\nplacement = far\n", "w:3: expected local or push" },
		{ "[workload]\n[idle-server]\npackets = 1s\npackets = 2s\n",
		  "w:4: key 'packets' given twice" },
		{ "[workload]\n[idle-server]\nburst_from = 3-1\n",
		  "w:3: expected a CPU list such as 0-7,32-39" },
		{ "[workload]\n[idle-server]\n[idle-server]\n",
		  "w:3: section [idle-server] given twice" },
	};
	struct cw_sim_workload_desc *w = NULL;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(cw_sim_workload_parse_mem(cases[i].text, strlen(cases[i].text),
							   "w", &w, err, sizeof(err)),
				 CW_EINVAL);
		if (!strstr(err, cases[i].msg)) {
			fail_msg("case %zu: got '%s', expected '%s'", i, err, cases[i].msg);
		}
	}
	/* Without busy and idle keys: the section drives the CPUs. */
	assert_int_equal(cw_sim_workload_parse_file(WORKLOAD, &w, err, sizeof(err)), 0);
	assert_int_equal(w->idle_server.connections, 4);
	assert_int_equal(w->idle_server.burst_num, 1);
	assert_int_equal(w->idle_server.burst_den, 16);
	cw_sim_workload_desc_free(w);
}

/*
 * The checker's verify runs timer migration's checker: a hierarchy whose
 * group state no longer matches its CPUs is a violation. (Before the hook,
 * the verify returned 0 here.)
 */
static void test_checker_reports_a_corrupted_hierarchy(void **state)
{
	struct cw_sim_machine_desc *desc = NULL;
	struct cw_system_config cfg = { .check = CW_CHECK_ON };
	struct cw_sim_workload_desc *w = NULL;
	struct cw_sim_machine *m = NULL;
	struct cw_sim *sim = NULL;
	struct cw_system *sys;
	char err[256], report[512];

	(void)state;
	assert_int_equal(
		cw_sim_machine_desc_parse_file(MACHINES "idle-8.ini", &desc, err, sizeof(err)), 0);
	assert_int_equal(cw_sim_workload_parse_file(WORKLOAD, &w, err, sizeof(err)), 0);
	assert_int_equal(cw_sim_create(1, &sim), 0);
	assert_int_equal(cw_sim_machine_create(sim, desc, &cfg, NULL, NULL, &m), 0);
	assert_int_equal(cw_sim_machine_boot(m), 0);
	sys = cw_sim_machine_system(m);
	cw_sim_run_until(sim, 1000000000u);
	assert_int_equal(cw_sim_machine_start_workload(m, w, err, sizeof(err)), 0);
	/* Healthy: a verify every 100 ms of the idle server passes. */
	for (int i = 0; i < 20; i++) {
		cw_sim_run_for(sim, 100000000u);
		assert_int_equal(cw_check_verify(sys), 0);
	}
	/* Flip CPU 3's active bit in its group behind the protocol's back. */
	assert_true(cw__tmigr_test_flip_active(sys, 3));
	assert_int_equal(cw_check_verify(sys), CW_ERANGE);
	assert_true(cw_check_report(sys, report, sizeof(report)) >= 1);
	print_message("%s\n", report);
	assert_non_null(strstr(report, "timer migration: "));
	/* Put it back: the hierarchy is sound again (the violation stays recorded). */
	assert_true(cw__tmigr_test_flip_active(sys, 3));
	cw_sim_machine_destroy(m);
	cw_sim_destroy(sim);
	cw_sim_machine_desc_free(desc);
	cw_sim_workload_desc_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets_on_8_cpus),
		cmocka_unit_test(test_targets_on_64_cpus),
		cmocka_unit_test(test_a_row_alone_is_the_same),
		cmocka_unit_test(test_isolated_cpus_take_no_pulled_timers),
		cmocka_unit_test(test_hotplug_under_the_idle_server),
		cmocka_unit_test(test_capacity_classes_per_class_costs_the_little_cpus),
		cmocka_unit_test(test_needs_an_idle_server_workload),
		cmocka_unit_test(test_idle_server_section_errors),
		cmocka_unit_test(test_checker_reports_a_corrupted_hierarchy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
