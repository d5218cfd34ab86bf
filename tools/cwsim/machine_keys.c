/* SPDX-License-Identifier: MIT */
/*
 * The machine-file key reference (cwsim --machine-keys): for each section
 * of the schema, in the parser's order, a Markdown table of its keys with
 * type, allowed values, default and meaning. Nothing here knows a key:
 * everything comes from cw_sim_machine_key(), so the docs cannot list a
 * key, range or default the parser does not have.
 */
#include "machine_keys.h"

#include <clockwork/sim.h>

#include <string.h>

/* @s with '|' escaped, as a Markdown table cell needs. */
static void cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|') {
			fputc('\\', out);
		}
		fputc(*s, out);
	}
}

/* "`[tmu]`, `[hpet]` only: " for a timer key of some kinds. */
static void kinds_prefix(FILE *out, unsigned kinds)
{
	const char *sep = "";

	if (!kinds) {
		return;
	}
	for (unsigned k = 0; k < CW_SIM_TIMER_NR_KINDS; k++) {
		if (kinds & (1u << k)) {
			fprintf(out, "%s`[%s]`", sep,
				cw_sim_timer_kind_name((enum cw_sim_timer_kind)k));
			sep = ", ";
		}
	}
	fputs(" only: ", out);
}

int cwsim_machine_keys(FILE *out)
{
	struct cw_sim_machine_key_info k;
	const char *section = "";

	for (size_t i = 0; cw_sim_machine_key(i, &k) == 0; i++) {
		if (strcmp(k.section, section) != 0) {
			section = k.section;
			if (strcmp(section, "timer") == 0) {
				fprintf(out,
					"%s**Timer sections** (every kind: `[global_timer NAME]`, "
					"`[arch_timer NAME]`, `[tmu NAME]`, `[hpet NAME]`, "
					"`[lapic NAME]`, `[pit NAME]`)\n\n",
					i ? "\n" : "");
			} else {
				fprintf(out, "%s**`[%s]`**\n\n", i ? "\n" : "", section);
			}
			fputs("| key | type | values | default | meaning |\n"
			      "|---|---|---|---|---|\n",
			      out);
		}
		fprintf(out, "| `%s` | ", k.name);
		cell(out, k.type);
		fputs(k.repeatable ? ", repeatable | " : " | ", out);
		cell(out, k.range);
		fputs(" | ", out);
		if (k.required) {
			fputs("required", out);
		} else {
			cell(out, k.default_text);
		}
		fputs(" | ", out);
		kinds_prefix(out, k.timer_kinds);
		cell(out, k.help);
		fputs(" |\n", out);
	}
	return ferror(out) ? -1 : 0;
}
