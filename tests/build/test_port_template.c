/* SPDX-License-Identifier: MIT */
/*
 * The port template (src/port/template/) is a working port that does
 * nothing. These tests keep it that way: a system created on it boots, reads
 * time and is destroyed, and a failed creation frees the port's state (the
 * ASan build's leak checker is what catches a leak there).
 */
#include "port/template/port_template.h"

#include <clockwork/clockwork.h>
#include <clockwork/config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static void test_template_system_boots_and_reads_time(void **state)
{
	struct cw_system_config cfg = { .nr_cpus = 2 };
	struct cw_system *sys = NULL;
	cw_ktime_t t0, t1;

	(void)state;
	assert_int_equal(cw_template_system_create(&cfg, &sys), 0);
	assert_non_null(sys);
	assert_int_equal(cw_system_nr_cpus(sys), 2);
	/* The port's context reaches the system, whatever the caller passed. */
	assert_non_null(cw_system_port_ctx(sys));
	assert_int_equal(cw_system_boot(sys), 0);

	t0 = cw_ktime_get(sys);
	t1 = cw_ktime_get(sys);
	assert_true(t1 >= t0);

	cw_system_destroy(sys);
}

static void test_template_system_null_config_takes_defaults(void **state)
{
	struct cw_system *sys = NULL;

	(void)state;
	assert_int_equal(cw_template_system_create(NULL, &sys), 0);
	assert_int_equal(cw_system_nr_cpus(sys), 1);
	assert_int_equal(cw_system_hz(sys), CW_CONFIG_DEFAULT_HZ);
	cw_system_destroy(sys);
}

static void test_template_system_bad_config_fails_without_leaking(void **state)
{
	/* 123 Hz is not one of the tick rates a system accepts. */
	struct cw_system_config cfg = { .hz = 123 };
	struct cw_system *sys = NULL;

	(void)state;
	assert_int_equal(cw_template_system_create(&cfg, &sys), CW_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_system_boots_and_reads_time),
		cmocka_unit_test(test_template_system_null_config_takes_defaults),
		cmocka_unit_test(test_template_system_bad_config_fails_without_leaking),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
