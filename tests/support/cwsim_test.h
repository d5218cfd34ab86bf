/* SPDX-License-Identifier: MIT */
/*
 * cwsim run in-process from a test: cwsim_main() with an argument vector,
 * its stdout and stderr captured in memory, its --json report (every run
 * writes one to a scratch file; a run that completes must leave a valid
 * document, which is parsed into r.json), a scratch machine file under
 * $TMPDIR, and the reader of the final clock table (from the JSON report,
 * not the text). Shared by the cwsim, start-state and machine-check tests.
 * Include it after <cmocka.h>.
 */
#ifndef CLOCKWORK_TESTS_SUPPORT_CWSIM_TEST_H
#define CLOCKWORK_TESTS_SUPPORT_CWSIM_TEST_H

#include "cwsim.h"
#include "json_test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/** Most arguments one run takes, argv[0] included. */
#define CWSIM_TEST_MAX_ARGS 32

/** Exit status and captured output of one cwsim run. */
struct cwsim_run {
	int status;
	char *out;
	char *err;
	size_t out_len;
	size_t err_len;
	/** The --json report (NULL if the run wrote none: bad arguments, --help...). */
	struct jt_node *json;
};

static inline void cwsim_temp_file(char *path, size_t len, const char *text);

/* The whole of file @path (NUL-terminated) into *@text; its length to *@len. */
static inline void cwsim_read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	*text = malloc((size_t)n + 1);
	assert_non_null(*text);
	assert_int_equal(fread(*text, 1, (size_t)n, f), (size_t)n);
	(*text)[n] = '\0';
	*len = (size_t)n;
	fclose(f);
}

/* Run cwsim with the NULL-terminated arguments @args (argv[0] excluded). */
static inline struct cwsim_run cwsim_run_argv(char *const *args)
{
	char *argv[CWSIM_TEST_MAX_ARGS] = { "cwsim" };
	struct cwsim_run r = { 0 };
	char json_path[512], *json, why[128];
	size_t json_len;
	int argc = 1;
	FILE *out, *err;

	/* First, so that a test's last argument can still lack its value. */
	cwsim_temp_file(json_path, sizeof(json_path), "");
	argv[argc++] = "--json";
	argv[argc++] = json_path;
	for (const char *const *a = (const char *const *)args; *a; a++) {
		assert_true(argc < CWSIM_TEST_MAX_ARGS - 1);
		argv[argc++] = (char *)*a;
	}
	out = open_memstream(&r.out, &r.out_len);
	err = open_memstream(&r.err, &r.err_len);
	assert_non_null(out);
	assert_non_null(err);
	r.status = cwsim_main(argc, argv, out, err);
	fclose(out);
	fclose(err);
	cwsim_read_file(json_path, &json, &json_len);
	unlink(json_path);
	if (json_len > 0) {
		r.json = jt_parse(json, json_len, why, sizeof(why));
		if (!r.json) {
			fail_msg("cwsim --json wrote an invalid document: %s:\n%s", why, json);
		}
	} else if (r.status == CWSIM_EXIT_OK && strstr(r.out, "\nclock ")) {
		fail_msg("cwsim printed its tables but wrote no --json report");
	}
	free(json);
	return r;
}

/* Run cwsim with the arguments after argv[0], a NULL-terminated list. */
static inline struct cwsim_run cwsim_run_args(const char *first, ...)
{
	char *args[CWSIM_TEST_MAX_ARGS] = { 0 };
	int n = 0;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *)) {
		assert_true(n < CWSIM_TEST_MAX_ARGS - 1);
		args[n++] = (char *)a;
	}
	va_end(ap);
	return cwsim_run_argv(args);
}

static inline void cwsim_run_free(struct cwsim_run *r)
{
	free(r->out);
	free(r->err);
	jt_free(r->json);
}

/*
 * The clock table's true value of @clock as seconds with 9 decimals (into
 * @truth, 64 bytes) and its error in ns, read from the JSON report.
 */
static inline void cwsim_table_row(const struct cwsim_run *r, const char *clock, char *truth,
				   long long *err_ns)
{
	const struct jt_node *row = jt_row(jt_get(r->json, "clocks"), "clock", clock);
	unsigned __int128 mag;
	__int128 t, e;
	bool ok_t, ok_e;

	if (!row) {
		fail_msg("no clock %s in the JSON report; text:\n%s", clock, r->out);
	}
	t = jt_i128(jt_get(row, "true_ns"), &ok_t);
	e = jt_i128(jt_get(row, "error_ns"), &ok_e);
	assert_true(ok_t && ok_e && e >= INT64_MIN && e <= INT64_MAX);
	mag = (unsigned __int128)(t < 0 ? -t : t);
	snprintf(truth, 64, "%s%llu.%09llu", t < 0 ? "-" : "",
		 (unsigned long long)(mag / 1000000000), (unsigned long long)(mag % 1000000000));
	*err_ns = (long long)e;
}

/* Write @text to a new scratch file under $TMPDIR (else /tmp); its name goes to @path. */
static inline void cwsim_temp_file(char *path, size_t len, const char *text)
{
	const char *dir = getenv("TMPDIR");
	FILE *f;
	int fd;

	/* The six X are mkstemp()'s template; a path cut by len makes mkstemp fail (asserted). */
	snprintf(path, len, "%s/cwsim-test-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

#endif /* CLOCKWORK_TESTS_SUPPORT_CWSIM_TEST_H */
