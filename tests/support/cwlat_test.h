/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the cwlat tests (sim and posix): run the tool
 * in-process with captured output, and make a scratch file for
 * --histogram in $TMPDIR (default /tmp). Header-only, every helper static.
 */
#ifndef CLOCKWORK_TESTS_SUPPORT_CWLAT_TEST_H
#define CLOCKWORK_TESTS_SUPPORT_CWLAT_TEST_H

#include "cwlat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#define CWLAT_TEST_MAX_ARGS 24

/** Output of one cwlat run. */
struct run {
	int status;
	char *out;
	char *err;
	size_t out_len;
	size_t err_len;
	struct cwlat_summary sum;
};

/* Run cwlat with a NULL-terminated argument vector (argv[0] excluded); echo
 * its output when @echo (the posix tests print what they measured). */
static inline struct run cwlat_run_args(const char *const *args, bool echo)
{
	char *argv[CWLAT_TEST_MAX_ARGS] = { "cwlat" };
	struct run r = { 0 };
	int argc = 1;
	FILE *out, *err;

	for (; *args; args++) {
		assert_true(argc < CWLAT_TEST_MAX_ARGS - 1);
		argv[argc++] = (char *)*args;
	}
	out = open_memstream(&r.out, &r.out_len);
	err = open_memstream(&r.err, &r.err_len);
	assert_non_null(out);
	assert_non_null(err);
	r.status = cwlat_run(argc, argv, out, err, &r.sum);
	fclose(out);
	fclose(err);
	if (echo) {
		printf("%s%s", r.out, r.err);
	}
	return r;
}

static inline void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Create an empty scratch file "$TMPDIR/<stem>-XXXXXX" and put its name in @path. */
static inline void cwlat_temp_file(char *path, size_t len, const char *stem)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, len, "%s/%s-XXXXXX", dir && *dir ? dir : "/tmp", stem);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
}

#endif /* CLOCKWORK_TESTS_SUPPORT_CWLAT_TEST_H */
