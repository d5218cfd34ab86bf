// SPDX-License-Identifier: MIT
/*
 * Timer migration in cwsim (issue 11, section 2): the boot line, and
 * --tmigr-tree's table (text and JSON) and tree, on the built-in machine and
 * on a two-node machine file with isolated CPUs (machine key isolated =),
 * and one tree per capacity class (capacity_class =, --tmigr-per-class).
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

static struct cwsim_run run(char *const *args)
{
	struct cwsim_run r = cwsim_run_argv(args);

	if (r.status != CWSIM_EXIT_OK) {
		fail_msg("cwsim failed (%d):\n%s\n%s", r.status, r.out, r.err);
	}
	return r;
}

static void test_boot_line_and_tree_on_the_default_machine(void **state)
{
	char *args[] = { "--duration", "1s", "--tmigr-tree", NULL };
	struct cwsim_run r;
	const struct jt_node *t, *row;

	(void)state;
	r = run(args);
	/* The boot log: Linux's line. */
	assert_non_null(strstr(
		r.out, "Timer migration: 1 hierarchy levels; 8 children per group; 1 crossnode"));
	/* The tree: one group holding the 4 CPUs. */
	assert_non_null(strstr(r.out, "L0 group 0 node 0 migrator "));
	assert_non_null(strstr(r.out, " cpus 0 1 2 3\n"));
	/* The table, also in JSON, with counters that moved (the CPUs idle). */
	t = jt_get(r.json, "tmigr");
	assert_non_null(t);
	row = jt_at(t, 0);
	assert_non_null(row);
	assert_int_equal((int)jt_num(jt_get(row, "levels")), 1);
	assert_int_equal((int)jt_num(jt_get(row, "children_per_group")), 8);
	assert_true(jt_num(jt_get(row, "deactivations")) > 0);
	cwsim_run_free(&r);
}

static void test_without_the_option_no_tree(void **state)
{
	char *args[] = { "--duration", "100ms", "--quiet", NULL };
	struct cwsim_run r;

	(void)state;
	r = run(args);
	assert_null(strstr(r.out, "L0 group"));
	assert_null(jt_get(r.json, "tmigr"));
	cwsim_run_free(&r);
}

static void test_two_nodes_with_isolated_cpus(void **state)
{
	static const char machine[] = "[machine]\nname = tmigr-2x12\ncpus = 24\n"
				      "[node 0]\ncpus = 0-11\nisolated = 10-11\n"
				      "[node 1]\ncpus = 12-23\n"
				      "[counter sys]\nwidth = 64\nfreq = 50MHz\nrating = 350\n"
				      "flags = continuous\n"
				      "[arch_timer local]\nfreq = 50MHz\nirq = 29\n";
	char path[512];
	char *args[] = {
		"--machine", path, "--duration", "200ms", "--quiet", "--tmigr-tree", NULL
	};
	struct cwsim_run r;
	const struct jt_node *row;

	(void)state;
	cwsim_temp_file(path, sizeof(path), machine);
	r = run(args);
	unlink(path);
	/* 10 and 12 CPUs per node: 2 levels per node, 1 cross-node level. */
	assert_non_null(strstr(r.out, "Timer migration: 3 hierarchy levels; 8 children per group; "
				      "crossnode level 2"));
	assert_non_null(strstr(r.out, "cpus 0 1 2 3 4 5 6 7\n"));
	assert_non_null(strstr(r.out, "cpus 8 9\n"));
	assert_non_null(strstr(r.out, "isolated: CPU 10\nisolated: CPU 11\n"));
	row = jt_at(jt_get(r.json, "tmigr"), 0);
	assert_non_null(row);
	assert_int_equal((int)jt_num(jt_get(row, "nodes")), 2);
	assert_int_equal((int)jt_num(jt_get(row, "isolated_cpus")), 2);
	cwsim_run_free(&r);
}

/* capacity_class keys and --tmigr-per-class: one tree per class. */
static void test_capacity_classes_give_one_tree_each_on_request(void **state)
{
	static const char machine[] = "[machine]\nname = tmigr-biglittle\ncpus = 8\n"
				      "[node 0]\ncpus = 0-7\ncapacity_class = 1 2-7\n"
				      "[counter sys]\nwidth = 64\nfreq = 50MHz\nrating = 350\n"
				      "flags = continuous\n"
				      "[arch_timer local]\nfreq = 50MHz\nirq = 29\n";
	char path[512];
	char *with[] = { "--machine", path,           "--duration",        "200ms",
			 "--quiet",   "--tmigr-tree", "--tmigr-per-class", NULL };
	char *without[] = { "--machine", path,           "--duration", "200ms",
			    "--quiet",   "--tmigr-tree", NULL };
	struct cwsim_run r;

	(void)state;
	cwsim_temp_file(path, sizeof(path), machine);
	r = run(with);
	assert_int_equal((int)jt_num(jt_get(jt_at(jt_get(r.json, "tmigr"), 0), "trees")), 2);
	assert_non_null(strstr(r.out, "capacity class 0:\nL0 group 0 node 0"));
	assert_non_null(strstr(r.out, "cpus 0 1\n"));
	assert_non_null(strstr(r.out, "cpus 2 3 4 5 6 7\n"));
	cwsim_run_free(&r);
	r = run(without);
	unlink(path);
	assert_int_equal((int)jt_num(jt_get(jt_at(jt_get(r.json, "tmigr"), 0), "trees")), 1);
	assert_non_null(strstr(r.out, "cpus 0 1 2 3 4 5 6 7\n"));
	cwsim_run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_line_and_tree_on_the_default_machine),
		cmocka_unit_test(test_without_the_option_no_tree),
		cmocka_unit_test(test_two_nodes_with_isolated_cpus),
		cmocka_unit_test(test_capacity_classes_give_one_tree_each_on_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
