/* SPDX-License-Identifier: MIT */
/*
 * The machine-file key reference (cwsim --machine-keys): for each section
 * of the schema, in the parser's order, a Markdown table of its keys with
 * type, allowed values, default and meaning, after a table of the value
 * types (cw_sim_machine_value_type()); then the defaults "by kind"
 * of the timer sections, as the parser fills them in. Nothing here knows a
 * key or a default: the keys come from cw_sim_machine_key(), the timer
 * defaults from parsing a section that gives only what is required, so the
 * docs cannot list a key, range or default the parser does not have.
 */
#include "machine_keys.h"

#include <clockwork/sim.h>

#include <stdio.h>
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

/* Timer keys of a kind that applies to some kinds only (bit mask), 0 if none. */
static unsigned key_kinds(const char *name)
{
	struct cw_sim_machine_key_info k;

	for (size_t i = 0; cw_sim_machine_key(i, &k) == 0; i++) {
		if (strcmp(k.section, "timer") == 0 && strcmp(k.name, name) == 0) {
			return k.timer_kinds;
		}
	}
	return 0;
}

/* One row: what the parser fills in for a [KIND t] that gives only freq and irq. */
static int timer_defaults_row(FILE *out, enum cw_sim_timer_kind kind)
{
	const char *name = cw_sim_timer_kind_name(kind);
	unsigned channel_kinds = key_kinds("channels");
	struct cw_sim_machine_desc *m = NULL;
	char text[160], err[CW_SIM_ERR_MAX];
	const struct cw_sim_timer_desc *t;
	int n;

	n = snprintf(text, sizeof(text),
		     "[machine]\nname = k\ncpus = 1\n[%s t]\nfreq = 1MHz\nirq = 1\n", name);
	if (n < 0 || (size_t)n >= sizeof(text) ||
	    cw_sim_machine_desc_parse_mem(text, (size_t)n, "defaults", &m, err, sizeof(err)) != 0) {
		fprintf(stderr, "cwsim: the defaults of [%s]: %s\n", name, m ? "" : err);
		cw_sim_machine_desc_free(m);
		return -1;
	}
	t = &m->timers[0];
	fprintf(out, "| `[%s NAME]` | `%s` | %u | %d | %llu | 0x%llx | %s | ", name, t->compatible,
		t->width_bits, t->rating, (unsigned long long)t->min_delta_ticks,
		(unsigned long long)t->max_delta_ticks, t->c3stop ? "yes" : "no");
	if (!channel_kinds || (channel_kinds & (1u << kind))) {
		fprintf(out, "%u |\n", t->channels);
	} else {
		fputs("n/a |\n", out);
	}
	cw_sim_machine_desc_free(m);
	return 0;
}

int cwsim_machine_keys(FILE *out)
{
	struct cw_sim_machine_value_type_info vt;
	struct cw_sim_machine_key_info k;
	const char *section = "";

	fputs("**Values**\n\n| type | syntax | examples |\n|---|---|---|\n", out);
	for (size_t i = 0; cw_sim_machine_value_type(i, &vt) == 0; i++) {
		fputs("| ", out);
		cell(out, vt.name);
		fputs(" | ", out);
		cell(out, vt.syntax);
		fputs(" | ", out);
		cell(out, vt.examples);
		fputs(" |\n", out);
	}
	for (size_t i = 0; cw_sim_machine_key(i, &k) == 0; i++) {
		if (strcmp(k.section, section) != 0) {
			section = k.section;
			if (strcmp(section, "timer") == 0) {
				fprintf(out,
					"%s**Timer sections** (every kind: `[global_timer NAME]`, "
					"`[arch_timer NAME]`, `[tmu NAME]`, `[hpet NAME]`, "
					"`[lapic NAME]`, `[pit NAME]`)\n\n",
					"\n");
			} else {
				fprintf(out, "\n**`[%s]`**\n\n", section);
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
	fputs("\n**Timer defaults by kind** (what the parser fills in for a timer section that "
	      "gives only `freq` and `irq`)\n\n"
	      "| section | compatible | width | rating | min_delta | max_delta | c3stop | "
	      "channels |\n"
	      "|---|---|---|---|---|---|---|---|\n",
	      out);
	for (unsigned kind = 0; kind < CW_SIM_TIMER_NR_KINDS; kind++) {
		if (timer_defaults_row(out, (enum cw_sim_timer_kind)kind) != 0) {
			return -1;
		}
	}
	return ferror(out) ? -1 : 0;
}
