/* SPDX-License-Identifier: MIT */
/*
 * cwsim --step: a scripted session in-process (--step-input), one JSON
 * answer per command; a named periodic hrtimer's expiries come with the
 * answers, never early and within the machine's interrupt latency; bad
 * commands get an error and the session goes on; time never moves back or
 * past --duration; the log and tables go to stderr, the JSON report to its
 * file; and a recorded session (--step-record) replays to the same bytes.
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

static const char session[] =
	"{\"cmd\":\"arm\",\"name\":\"ctl\",\"cpu\":1,\"in_ns\":1000000,\"period_ns\":1000000}\n"
	"{\"cmd\":\"next_event\"}\n"
	"{\"cmd\":\"advance\",\"by_ns\":3500000}\n"
	"{\"cmd\":\"dump\"}\n"
	"{\"cmd\":\"advance\",\"to_ns\":1000}\n"
	"not json\n"
	"{\"cmd\":\"fly\"}\n"
	"\n"
	"{\"cmd\":\"step\"}\n"
	"{\"cmd\":\"clock_step\",\"realtime_ns\":2000000000000000000}\n"
	"{\"cmd\":\"now\"}\n"
	"{\"cmd\":\"cancel\",\"name\":\"ctl\"}\n"
	"{\"cmd\":\"advance\",\"by_ns\":3000000}\n"
	"{\"cmd\":\"advance\",\"to_ns\":20000000000}\n"
	"{\"cmd\":\"quit\"}\n"
	"{\"cmd\":\"now\"}\n";

/* Line @i (0-based) of @text, parsed. */
static struct jt_node *answer(const char *text, unsigned i)
{
	char why[128];
	struct jt_node *n;
	size_t len;

	while (i-- && text) {
		text = strchr(text, '\n');
		text = text ? text + 1 : NULL;
	}
	assert_non_null(text);
	len = strcspn(text, "\n");
	n = jt_parse(text, len, why, sizeof(why));
	if (!n) {
		fail_msg("answer is not JSON (%s): %.*s", why, (int)len, text);
	}
	return n;
}

static unsigned lines(const char *text)
{
	unsigned n = 0;

	for (; *text; text++) {
		n += *text == '\n';
	}
	return n;
}

static void test_step_session(void **state)
{
	char in[512], rec[512];
	struct cwsim_run r, replay;
	struct jt_node *a;
	const struct jt_node *fired;

	(void)state;
	cwsim_temp_file(in, sizeof(in), session);
	cwsim_temp_file(rec, sizeof(rec), "");
	r = cwsim_run_argv((char *[]){ "--step", "--step-input", in, "--step-record", rec,
				       "--workload", "none", "--duration", "1s", NULL });
	if (r.status != 0) {
		fail_msg("status %d: %s", r.status, r.err);
	}
	/* One answer per non-empty command line up to quit (the "now" after it is never read). */
	assert_int_equal(lines(r.out), 14);
	a = answer(r.out, 0);
	assert_true(jt_get(a, "ok")->b);
	jt_free(a);
	a = answer(r.out, 1);
	assert_true(jt_num(jt_get(jt_get(a, "result"), "next_event_ns")) > 0);
	jt_free(a);
	/* Three expiries of the 1 ms timer, each after its expiry, within a microsecond or two. */
	a = answer(r.out, 2);
	assert_string_equal(jt_text(jt_get(a, "now_ns")), "3500000");
	fired = jt_get(a, "fired");
	assert_int_equal(fired->n, 3);
	for (unsigned i = 0; i < 3; i++) {
		const struct jt_node *f = jt_at(fired, i);
		double at = jt_num(jt_get(f, "at_ns")), exp = jt_num(jt_get(f, "expires_ns"));

		assert_string_equal(jt_text(jt_get(f, "name")), "ctl");
		assert_true(exp >= 1e6 * (i + 1) && exp < 1e6 * (i + 1) + 100);
		assert_true(at >= exp && at - exp < 10000);
	}
	jt_free(a);
	/* dump: the named timer is armed, on CPU 1, next at 4 ms. */
	a = answer(r.out, 3);
	assert_true(jt_row(jt_get(jt_get(a, "result"), "timers"), "function", "timer_fn") != NULL);
	jt_free(a);
	/* Errors: back in time, not JSON, unknown; the session goes on. */
	for (unsigned i = 4; i <= 6; i++) {
		a = answer(r.out, i);
		assert_false(jt_get(a, "ok")->b);
		assert_true(jt_text(jt_get(a, "error"))[0] != '\0');
		assert_string_equal(jt_text(jt_get(a, "now_ns")), "3500000");
		jt_free(a);
	}
	/* A clock step moves REALTIME, not MONOTONIC. */
	a = answer(r.out, 9);
	assert_true(jt_num(jt_get(jt_get(a, "result"), "realtime_ns")) >= 2e18);
	assert_true(jt_num(jt_get(jt_get(a, "result"), "monotonic_ns")) < 1e8);
	jt_free(a);
	/* Cancelled: nothing fires in the next 3 ms. */
	a = answer(r.out, 11);
	assert_true(jt_get(a, "ok")->b);
	jt_free(a);
	/* Past --duration: refused. */
	a = answer(r.out, 12);
	assert_false(jt_get(a, "ok")->b);
	assert_non_null(strstr(jt_text(jt_get(a, "error")), "--duration"));
	jt_free(a);
	/* The report is about the instant reached, on stderr and in the JSON. */
	assert_non_null(strstr(r.err, "\nMONOTONIC "));
	a = answer(r.out, 13);
	assert_true(jt_num(jt_get(jt_get(r.json, "run"), "simulated_ns")) ==
		    jt_num(jt_get(a, "now_ns")));
	jt_free(a);

	/* The record replays to the same answers. */
	replay = cwsim_run_argv((char *[]){ "--step", "--step-input", rec, "--workload", "none",
					    "--duration", "1s", NULL });
	assert_int_equal(replay.status, 0);
	assert_int_equal(replay.out_len, r.out_len);
	assert_memory_equal(replay.out, r.out, r.out_len);
	cwsim_run_free(&replay);
	cwsim_run_free(&r);
	unlink(in);
	unlink(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step_session),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
