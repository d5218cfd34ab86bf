/* SPDX-License-Identifier: MIT */
/*
 * Command-line plumbing shared by the tools (cwsim, cwlat): the argument
 * loop with --help, option values, argument errors followed by the tool's
 * usage, numbers, times and names, and loading a machine description.
 * Every message starts with the tool's name ("cwsim: ...").
 */
#ifndef CLOCKWORK_TOOLS_COMMON_CLI_H
#define CLOCKWORK_TOOLS_COMMON_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct cw_sim_machine_desc;

/** Exit status of a failed run (every tool's *_EXIT_FAILURE). */
#define CLI_EXIT_FAILURE 1
/** Exit status of bad arguments (every tool's *_EXIT_USAGE). */
#define CLI_EXIT_USAGE   2

/** A tool's command line: who it is and where its errors go. */
struct cli {
	/** Tool name, the prefix of every message. */
	const char *prog;
	/** Print the tool's usage text to @p f. */
	void (*usage)(FILE *f);
	/** Where errors (and the usage after one) go. */
	FILE *err;
	/** Examples of a time in messages ("10s or 250ms"). */
	const char *time_example;
};

/**
 * Handle argv[*i] (advancing *i past a value it takes).
 * @return 0, a CLI_EXIT_* status (message written), or -1 if the argument is unknown.
 */
typedef int (*cli_arg_fn)(int argc, char **argv, int *i, void *ctx);

/**
 * Run @p fn on every argument after argv[0]. "--help" or "-h" prints the
 * usage to @p out and stops with -1; an argument @p fn does not know is an
 * error ("unknown argument").
 * @return 0, -1 (help printed) or the first error status.
 */
int cli_parse(int argc, char **argv, const struct cli *cli, FILE *out, cli_arg_fn fn, void *ctx);

/**
 * The value of option @p name at argv[*i]: "--name=value" or "--name value"
 * (then *i moves to the value; "" when the value is missing), or NULL when
 * argv[*i] is not that option.
 */
const char *cli_opt_value(int argc, char **argv, int *i, const char *name);

/** Print "PROG: message" and the usage to cli->err. @return CLI_EXIT_USAGE. */
int cli_bad_arg(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * A whole-string unsigned number in [@p lo, @p hi] (strtoull @p base: 10, or 0
 * to accept 0x and 0 prefixes too). @p *out is written even when it is out of range.
 */
bool cli_uint(const char *s, int base, uint64_t lo, uint64_t hi, uint64_t *out);

/** Option @p name as a time with a unit (10s, 250us). @return 0 or CLI_EXIT_USAGE. */
int cli_time(const struct cli *cli, const char *name, const char *v, uint64_t *out);

/** --hz: 100, 250, 300 or 1000 (@p base as for cli_uint()). @return 0 or CLI_EXIT_USAGE. */
int cli_hz(const struct cli *cli, const char *v, int base, unsigned *hz);

/**
 * Option @p name with a non-empty value, stored in @p *out (even when empty);
 * @p what says what was expected ("a file name"). @return 0 or CLI_EXIT_USAGE.
 */
int cli_string(const struct cli *cli, const char *name, const char *v, const char *what,
	       const char **out);

/**
 * Parse the machine file @p path, or the built-in default-soc when NULL,
 * into @p desc; a failure is reported to @p err as "PROG: message".
 * @return 0 or CLI_EXIT_FAILURE.
 */
int cli_load_machine(const char *prog, const char *path, struct cw_sim_machine_desc **desc,
		     FILE *err);

#endif /* CLOCKWORK_TOOLS_COMMON_CLI_H */
