/* SPDX-License-Identifier: MIT */
/*
 * The knobs of the generated clockwork/config.h reach the code: a system
 * whose config leaves hz and log_lines at 0 gets CW_CONFIG_DEFAULT_HZ and a
 * log ring of CW_CONFIG_LOG_LINES lines, each cut at CW_CONFIG_LOG_LINE_MAX
 * bytes (NUL included). The assertions use the macros, so they hold for any
 * configured value (make cross and CMAKE_ARGS may change them).
 */
#include <clockwork/clockwork.h>
#include <clockwork/config.h>
#include <clockwork/port.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static struct cw_system *make_system(void)
{
	struct cw_system_config cfg;
	struct cw_system *sys = NULL;

	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(cw_system_create(&cfg, &sys), 0);
	return sys;
}

static void test_default_hz_is_the_knob(void **state)
{
	struct cw_system *sys = make_system();

	(void)state;
	assert_int_equal(cw_system_hz(sys), CW_CONFIG_DEFAULT_HZ);
	cw_system_destroy(sys);
}

/* Line i of the test's own lines (after whatever the system logged itself). */
static void test_log_ring_keeps_the_knob_lines(void **state)
{
	struct cw_system *sys = make_system();
	uint64_t base = cw_log_count(sys), n = CW_CONFIG_LOG_LINES + 5;
	char line[CW_CONFIG_LOG_LINE_MAX], want[32];

	(void)state;
	for (uint64_t i = 0; i < n; i++) {
		cw_log(sys, CW_LOG_ERR, "knob-line %llu", (unsigned long long)i);
	}
	assert_int_equal(cw_log_count(sys), base + n);
	/* The oldest 5 of ours (and everything before them) have left the ring... */
	assert_int_equal(cw_log_get(sys, base + 4, line, sizeof(line)), CW_ERANGE);
	/* ...the CW_CONFIG_LOG_LINES newest are all there. */
	for (uint64_t i = 5; i < n; i++) {
		assert_int_equal(cw_log_get(sys, base + i, line, sizeof(line)), 0);
		snprintf(want, sizeof(want), "knob-line %llu", (unsigned long long)i);
		assert_non_null(strstr(line, want));
	}
	cw_system_destroy(sys);
}

static void test_log_lines_are_cut_at_the_knob(void **state)
{
	struct cw_system *sys = make_system();
	char big[2 * CW_CONFIG_LOG_LINE_MAX], out[4 * CW_CONFIG_LOG_LINE_MAX];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cw_log(sys, CW_LOG_ERR, "%s", big);
	assert_int_equal(cw_log_get(sys, cw_log_count(sys) - 1, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), CW_CONFIG_LOG_LINE_MAX - 1);
	cw_system_destroy(sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_hz_is_the_knob),
		cmocka_unit_test(test_log_ring_keeps_the_knob_lines),
		cmocka_unit_test(test_log_lines_are_cut_at_the_knob),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
