/* SPDX-License-Identifier: MIT */
/*
 * cwsim's report: every table is written once, through this interface, and
 * comes out twice: as the text table on the tool's output and, with --json
 * FILE, as a member of the JSON document.
 *
 * A table is a list of columns (text header and width, JSON key with the
 * unit in its name) and rows of cells; each cell carries its text and its
 * JSON value. In the JSON document a table is an array of row objects under
 * the table's key:
 *
 *   "nohz": [ { "cpu": 0, "idle_calls": 12, ... }, ... ]
 *
 * A summary that is not a table (a line such as "jiffies: ...") is printed
 * with fprintf(rep->out, ...) and its JSON object written with the jsonw
 * calls on rep->json, which is NULL without --json:
 *
 *   if (rep->json) {
 *           jsonw_object_begin(rep->json, "migration_totals");
 *           jsonw_u64(rep->json, "pulls", n);
 *           jsonw_object_end(rep->json);
 *   }
 *
 * Adding a table to cwsim: write a function in your own file under
 * tools/cwsim/ (add it to CWSIM_SOURCES in tools/cwsim/CMakeLists.txt) that
 * takes the report and what it reads (struct cw_system *, the machine) and
 * writes its table(s) with the calls below, then call it once from run() in
 * cwsim_run.c. Key names: lower case, '_' between words, the unit last
 * (_ns, _hz, _pct, _ppm, _bytes, _jiffies); plain counts carry no unit.
 */
#ifndef CLOCKWORK_TOOLS_CWSIM_REPORT_H
#define CLOCKWORK_TOOLS_CWSIM_REPORT_H

#include "jsonw.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** One column of a table. */
struct cwsim_col {
	/** Text header. */
	const char *head;
	/** JSON key of the cells, unit in the name ("freq_hz"). */
	const char *key;
	/** Text width; negative: left-aligned in -width characters. */
	int width;
	/** Blanks before the column in the text (0: one; the first column: none). */
	unsigned gap;
};

/** The report of one run: where text and JSON go, and the table being written. */
struct cwsim_report {
	/** Text output. */
	FILE *out;
	/** JSON writer, inside the document's top object; NULL without --json. */
	struct jsonw *json;
	/* private: the current table */
	const struct cwsim_col *cols;
	size_t nr_cols;
	size_t col;
};

/**
 * Start table @p key: print a blank line and the text header, open the JSON
 * array. The rows follow as cells, column by column; a row ends after its
 * last column's cell.
 */
void cwsim_table_begin(struct cwsim_report *rep, const char *key, const struct cwsim_col *cols,
		       size_t nr_cols);
/** End the table (after the last row's last cell). */
void cwsim_table_end(struct cwsim_report *rep);

/** A string cell; NULL prints "-" and is null in JSON. */
void cwsim_cell_str(struct cwsim_report *rep, const char *s);
/** An unsigned number. */
void cwsim_cell_u64(struct cwsim_report *rep, uint64_t v);
/** A signed number. */
void cwsim_cell_i64(struct cwsim_report *rep, int64_t v);
/** yes/no in the text, true/false in JSON. */
void cwsim_cell_bool(struct cwsim_report *rep, bool v);
/** @p text in the text table; the integer @p v in JSON. */
void cwsim_cell_i128_as(struct cwsim_report *rep, const char *text, __int128 v);
/** @p text in the text table; @p scaled / 10^@p decimals in JSON. */
void cwsim_cell_fixed_as(struct cwsim_report *rep, const char *text, int64_t scaled,
			 unsigned decimals);
/** @p text in the text table; null in JSON. */
void cwsim_cell_null_as(struct cwsim_report *rep, const char *text);
/** A comma-separated list (or "-" for none): as is in the text, an array of strings in JSON. */
void cwsim_cell_list(struct cwsim_report *rep, const char *csv);

#endif /* CLOCKWORK_TOOLS_CWSIM_REPORT_H */
