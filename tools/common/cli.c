/* SPDX-License-Identifier: MIT */
/*
 * Command-line plumbing shared by the tools (cli.h).
 */
#include "cli.h"

#include <clockwork/clockwork.h>
#include <clockwork/sim.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_parse(int argc, char **argv, const struct cli *cli, FILE *out, cli_arg_fn fn, void *ctx)
{
	for (int i = 1; i < argc; i++) {
		int ret;

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cli->usage(out);
			return -1;
		}
		ret = fn(argc, argv, &i, ctx);
		if (ret < 0) {
			return cli_bad_arg(cli, "unknown argument '%s'%s", argv[i], "");
		}
		if (ret) {
			return ret;
		}
	}
	return 0;
}

const char *cli_opt_value(int argc, char **argv, int *i, const char *name)
{
	const char *arg = argv[*i];
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0) {
		return NULL;
	}
	if (arg[n] == '=') {
		return arg + n + 1;
	}
	if (arg[n] == '\0' && *i + 1 < argc) {
		return argv[++*i];
	}
	return arg[n] == '\0' ? "" : NULL;
}

int cli_bad_arg(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(cli->err, "%s: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(cli->err, fmt, ap);
	va_end(ap);
	fputs("\n", cli->err);
	cli->usage(cli->err);
	return CLI_EXIT_USAGE;
}

bool cli_uint(const char *s, int base, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9') {
		return false;
	}
	/* strtoull saturates at ULLONG_MAX on overflow: hi below it rejects that. */
	*out = strtoull(s, &end, base);
	return *end == '\0' && *out >= lo && *out <= hi;
}

int cli_time(const struct cli *cli, const char *name, const char *v, uint64_t *out)
{
	if (cw_sim_parse_duration_ns(v, out) != 0) {
		return cli_bad_arg(cli, "%s: expected a time such as %s (got '%s')", name,
				   cli->time_example, v);
	}
	return 0;
}

int cli_hz(const struct cli *cli, const char *v, int base, unsigned *hz)
{
	uint64_t n;

	if (!cli_uint(v, base, 100, 1000, &n) || (n != 100 && n != 250 && n != 300 && n != 1000)) {
		return cli_bad_arg(cli, "%s: expected 100, 250, 300 or 1000 (got '%s')", "--hz", v);
	}
	*hz = (unsigned)n;
	return 0;
}

int cli_string(const struct cli *cli, const char *name, const char *v, const char *what,
	       const char **out)
{
	*out = v;
	return *v ? 0 : cli_bad_arg(cli, "%s: expected %s", name, what);
}

int cli_load_machine(const char *prog, const char *path, struct cw_sim_machine_desc **desc,
		     FILE *err)
{
	char msg[CW_SIM_ERR_MAX] = "";
	const char *text;
	int ret;

	if (path) {
		ret = cw_sim_machine_desc_parse_file(path, desc, msg, sizeof(msg));
	} else {
		text = cw_sim_machine_default_text();
		ret = cw_sim_machine_desc_parse_mem(text, strlen(text), "default-soc.ini", desc,
						    msg, sizeof(msg));
	}
	if (ret) {
		fprintf(err, "%s: %s\n", prog, msg[0] ? msg : cw_strerror(ret));
		return CLI_EXIT_FAILURE;
	}
	return 0;
}
