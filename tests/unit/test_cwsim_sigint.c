/* SPDX-License-Identifier: MIT */
/*
 * cwsim's long runs, as a user meets them: the real binary in a child
 * process, a day of simulated time asked for, the progress line forced on
 * (stderr is a file here, not a terminal), and SIGINT once the line has
 * appeared. The run must stop where it is and still write every report:
 * the text tables, a valid --json document that says it was interrupted
 * and how far it got, and exit 130. Every wait is bounded.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "json_test.h"

#ifndef CWSIM_BINARY
#error "CWSIM_BINARY must name the cwsim executable"
#endif

/** Longest wait for the progress line, then for the exit (s). */
#define WAIT_S 60

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The whole file (NUL-terminated; "" if missing); its length to *len. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	*len = 0;
	if (!f) {
		return strdup("");
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc((size_t)(n > 0 ? n : 0) + 1, 1);
	assert_non_null(buf);
	*len = fread(buf, 1, (size_t)(n > 0 ? n : 0), f);
	fclose(f);
	return buf;
}

static void scratch(char *path, size_t len, const char *what)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	/* The six X are mkstemp()'s template (the binary runs in a child: no cwsim_test.h here). */
	snprintf(path, len, "%s/cwsim-%s-XXXXXX", dir && *dir ? dir : "/tmp", what);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
}

static void test_sigint_stops_the_run_and_writes_every_report(void **state)
{
	char out_path[512], err_path[512], json_path[512], why[128];
	char *out, *err, *json;
	size_t out_len, err_len, json_len;
	const struct jt_node *run;
	struct jt_node *doc;
	int status = 0, waited_ms = 0;
	pid_t pid;

	(void)state;
	scratch(out_path, sizeof(out_path), "out");
	scratch(err_path, sizeof(err_path), "err");
	scratch(json_path, sizeof(json_path), "json");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (!freopen(out_path, "w", stdout) || !freopen(err_path, "w", stderr)) {
			_exit(99);
		}
		execl(CWSIM_BINARY, "cwsim", "--quiet", "--duration", "86400s", "--progress", "on",
		      "--json", json_path, (char *)NULL);
		_exit(98);
	}
	/* The progress line shows after a second of wall time: wait for it. */
	for (;;) {
		err = slurp(err_path, &err_len);
		if (strstr(err, "ETA ")) {
			free(err);
			break;
		}
		free(err);
		if (waited_ms > WAIT_S * 1000 || waitpid(pid, &status, WNOHANG) != 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("no progress line within %d s (or cwsim exited early)", WAIT_S);
		}
		sleep_ms(20);
		waited_ms += 20;
	}
	assert_int_equal(kill(pid, SIGINT), 0);
	for (waited_ms = 0; waitpid(pid, &status, WNOHANG) == 0; waited_ms += 20) {
		if (waited_ms > WAIT_S * 1000) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("cwsim did not stop within %d s of SIGINT", WAIT_S);
		}
		sleep_ms(20);
	}
	out = slurp(out_path, &out_len);
	err = slurp(err_path, &err_len);
	json = slurp(json_path, &json_len);
	print_message("cwsim stderr: %s", err);
	/* It exited (not killed by the signal) with 130, after the reports. */
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 130);
	assert_non_null(strstr(err, " s of 86400 s simulated ("));
	assert_non_null(strstr(err, " sim s per wall s, ETA "));
	assert_non_null(strstr(err, "(interrupted)\n"));
	assert_non_null(strstr(out, "\nclock "));
	assert_non_null(strstr(out, "\ncheck: 0 violations"));
	doc = jt_parse(json, json_len, why, sizeof(why));
	if (!doc) {
		fail_msg("invalid JSON after SIGINT: %s", why);
	}
	run = jt_get(doc, "run");
	assert_true(jt_get(run, "interrupted")->b);
	/* Stopped early, after a second or more of wall time of simulating. */
	assert_true(jt_num(jt_get(run, "simulated_ns")) > 1e6);
	assert_true(jt_num(jt_get(run, "simulated_ns")) < 86400e9);
	assert_string_equal(jt_text(jt_get(run, "duration_ns")), "86400000000000");
	/* The tables describe the instant it stopped: MONOTONIC's truth is simulated_ns. */
	assert_string_equal(
		jt_text(jt_get(jt_row(jt_get(doc, "clocks"), "clock", "MONOTONIC"), "true_ns")),
		jt_text(jt_get(run, "simulated_ns")));
	assert_true(jt_num(jt_get(jt_get(doc, "check"), "violations")) == 0);
	jt_free(doc);
	free(out);
	free(err);
	free(json);
	unlink(out_path);
	unlink(err_path);
	unlink(json_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigint_stops_the_run_and_writes_every_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
