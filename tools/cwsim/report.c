/* SPDX-License-Identifier: MIT */
/*
 * cwsim's report tables (report.h): each cell goes to the text table, padded
 * to its column, and to the JSON row object under its column's key.
 */
#include "report.h"

#include <string.h>

/* The text of one cell, padded and separated as its column says. */
static void put_text(struct cwsim_report *rep, const char *text)
{
	const struct cwsim_col *c = &rep->cols[rep->col];

	if (rep->col > 0) {
		fprintf(rep->out, "%*s", c->gap ? (int)c->gap : 1, "");
	}
	fprintf(rep->out, "%*s", c->width, text);
}

/* The JSON key of the current cell; a row's first cell opens its object. */
static const char *cell_key(struct cwsim_report *rep)
{
	if (rep->json && rep->col == 0) {
		jsonw_object_begin(rep->json, NULL);
	}
	return rep->cols[rep->col].key;
}

/* After a cell: next column, or the end of the row. */
static void next_cell(struct cwsim_report *rep)
{
	if (++rep->col < rep->nr_cols) {
		return;
	}
	fputc('\n', rep->out);
	if (rep->json) {
		jsonw_object_end(rep->json);
	}
	rep->col = 0;
}

void cwsim_table_begin(struct cwsim_report *rep, const char *key, const struct cwsim_col *cols,
		       size_t nr_cols)
{
	rep->cols = cols;
	rep->nr_cols = nr_cols;
	rep->col = 0;
	fputc('\n', rep->out);
	for (size_t i = 0; i < nr_cols; i++) {
		if (i > 0) {
			fprintf(rep->out, "%*s", cols[i].gap ? (int)cols[i].gap : 1, "");
		}
		fprintf(rep->out, "%*s", cols[i].width, cols[i].head);
	}
	fputc('\n', rep->out);
	if (rep->json) {
		jsonw_array_begin(rep->json, key);
	}
}

void cwsim_table_end(struct cwsim_report *rep)
{
	if (rep->json) {
		if (rep->col != 0) {
			/* A short row: close it so the document stays whole (misuse shows in the
			 * text). */
			jsonw_object_end(rep->json);
		}
		jsonw_array_end(rep->json);
	}
	rep->cols = NULL;
	rep->nr_cols = 0;
	rep->col = 0;
}

void cwsim_cell_str(struct cwsim_report *rep, const char *s)
{
	const char *key = cell_key(rep);

	put_text(rep, s ? s : "-");
	if (rep->json) {
		jsonw_string(rep->json, key, s);
	}
	next_cell(rep);
}

void cwsim_cell_u64(struct cwsim_report *rep, uint64_t v)
{
	const char *key = cell_key(rep);
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	put_text(rep, buf);
	if (rep->json) {
		jsonw_u64(rep->json, key, v);
	}
	next_cell(rep);
}

void cwsim_cell_i64(struct cwsim_report *rep, int64_t v)
{
	const char *key = cell_key(rep);
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	put_text(rep, buf);
	if (rep->json) {
		jsonw_i64(rep->json, key, v);
	}
	next_cell(rep);
}

void cwsim_cell_bool(struct cwsim_report *rep, bool v)
{
	const char *key = cell_key(rep);

	put_text(rep, v ? "yes" : "no");
	if (rep->json) {
		jsonw_bool(rep->json, key, v);
	}
	next_cell(rep);
}

void cwsim_cell_i128_as(struct cwsim_report *rep, const char *text, __int128 v)
{
	const char *key = cell_key(rep);

	put_text(rep, text);
	if (rep->json) {
		jsonw_i128(rep->json, key, v);
	}
	next_cell(rep);
}

void cwsim_cell_fixed_as(struct cwsim_report *rep, const char *text, int64_t scaled,
			 unsigned decimals)
{
	const char *key = cell_key(rep);

	put_text(rep, text);
	if (rep->json) {
		jsonw_fixed(rep->json, key, scaled, decimals);
	}
	next_cell(rep);
}

void cwsim_cell_null_as(struct cwsim_report *rep, const char *text)
{
	const char *key = cell_key(rep);

	put_text(rep, text);
	if (rep->json) {
		jsonw_null(rep->json, key);
	}
	next_cell(rep);
}

void cwsim_cell_list(struct cwsim_report *rep, const char *csv)
{
	const char *key = cell_key(rep);

	put_text(rep, csv);
	if (rep->json) {
		jsonw_array_begin(rep->json, key);
		for (const char *p = csv; strcmp(csv, "-") != 0 && *p;) {
			size_t n = strcspn(p, ",");
			char item[64];

			snprintf(item, sizeof(item), "%.*s", (int)n, p);
			jsonw_string(rep->json, NULL, item);
			p += n + (p[n] == ',');
		}
		jsonw_array_end(rep->json);
	}
	next_cell(rep);
}
