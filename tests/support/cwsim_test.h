/* SPDX-License-Identifier: MIT */
/*
 * cwsim run in-process from a test: cwsim_main() with an argument vector,
 * its stdout and stderr captured in memory, a scratch machine file under
 * $TMPDIR, and the reader of the final clock table. Shared by the cwsim,
 * start-state and machine-check tests. Include it after <cmocka.h>.
 */
#ifndef CLOCKWORK_TESTS_SUPPORT_CWSIM_TEST_H
#define CLOCKWORK_TESTS_SUPPORT_CWSIM_TEST_H

#include "cwsim.h"

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
};

/* Run cwsim with the NULL-terminated arguments @args (argv[0] excluded). */
static inline struct cwsim_run cwsim_run_argv(char *const *args)
{
	char *argv[CWSIM_TEST_MAX_ARGS] = { "cwsim" };
	struct cwsim_run r = { 0 };
	int argc = 1;
	FILE *out, *err;

	for (; args[argc - 1]; argc++) {
		assert_true(argc < CWSIM_TEST_MAX_ARGS - 1);
		argv[argc] = args[argc - 1];
	}
	out = open_memstream(&r.out, &r.out_len);
	err = open_memstream(&r.err, &r.err_len);
	assert_non_null(out);
	assert_non_null(err);
	r.status = cwsim_main(argc, argv, out, err);
	fclose(out);
	fclose(err);
	return r;
}

static inline void cwsim_run_free(struct cwsim_run *r)
{
	free(r->out);
	free(r->err);
}

/* The final table's "true" column (into @truth, 64 bytes) and error in ns for @clock. */
static inline void cwsim_table_row(const struct cwsim_run *r, const char *clock, char *truth,
				   long long *err_ns)
{
	char key[64], name[64], value[64];
	const char *line;

	snprintf(key, sizeof(key), "\n%s ", clock);
	line = strstr(r->out, key);
	if (!line) {
		fail_msg("no row for %s in:\n%s", clock, r->out);
	}
	assert_int_equal(sscanf(line + 1, "%63s %63s %63s %lld", name, value, truth, err_ns), 4);
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
