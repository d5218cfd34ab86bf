/* SPDX-License-Identifier: MIT */
/*
 * A small streaming JSON writer for the tools' machine-readable output
 * (cwsim --json, --trace). It writes straight to a FILE as the caller goes:
 * no tree, no allocation. The caller opens and closes objects and arrays
 * and adds members; the writer places the commas, escapes strings and
 * indents. Inside an object every value takes a key; inside an array (and
 * at the top level) the key is NULL.
 *
 * Numbers are written exactly: 64- and 128-bit integers as their decimal
 * digits, fixed-point values (a scaled integer and a number of decimals,
 * e.g. -12345 with 3 decimals is -12.345) without a detour through double.
 * A double that is not finite is written as null (JSON has no NaN).
 *
 * Layout: members at a depth up to @p pretty_depth (jsonw_init()) start on a
 * new line, indented by two blanks per level; deeper ones stay on their
 * parent's line. A report uses a large depth (one member a line); a trace
 * uses 1 (one event a line).
 *
 * Misuse (a key inside an array, none inside an object, closing what is not
 * open, nesting deeper than JSONW_MAX_DEPTH) is a bug in the tool: the
 * writer remembers it and jsonw_finish() reports it.
 */
#ifndef CLOCKWORK_TOOLS_COMMON_JSONW_H
#define CLOCKWORK_TOOLS_COMMON_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/** Deepest nesting of objects and arrays. */
#define JSONW_MAX_DEPTH 32

/** Writer state; initialise with jsonw_init(). Caller-owned; no allocation. */
struct jsonw {
	/** Where the text goes. */
	FILE *f;
	/** Members at this depth or shallower start on their own line. */
	unsigned pretty_depth;
	/** Open containers (0: top level). */
	unsigned depth;
	/** Per depth: the container is an array (else an object). */
	bool is_array[JSONW_MAX_DEPTH + 1];
	/** Per depth: a member was already written (the next needs a comma). */
	bool has_member[JSONW_MAX_DEPTH + 1];
	/** A call broke the rules (reported by jsonw_finish()). */
	bool misuse;
};

/** Start writing to @p f; see the file comment for @p pretty_depth. */
void jsonw_init(struct jsonw *w, FILE *f, unsigned pretty_depth);
/** Open an object (member @p key of the enclosing object, or NULL). */
void jsonw_object_begin(struct jsonw *w, const char *key);
/** Close the innermost object. */
void jsonw_object_end(struct jsonw *w);
/** Open an array (member @p key of the enclosing object, or NULL). */
void jsonw_array_begin(struct jsonw *w, const char *key);
/** Close the innermost array. */
void jsonw_array_end(struct jsonw *w);
/** A string value (escaped; NULL writes null). */
void jsonw_string(struct jsonw *w, const char *key, const char *s);
/** An unsigned integer. */
void jsonw_u64(struct jsonw *w, const char *key, uint64_t v);
/** A signed integer. */
void jsonw_i64(struct jsonw *w, const char *key, int64_t v);
/** A signed 128-bit integer (a clock's truth near KTIME_MAX plus TAI - UTC needs it). */
void jsonw_i128(struct jsonw *w, const char *key, __int128 v);
/** @p scaled / 10^@p decimals written exactly (decimals at most 18). */
void jsonw_fixed(struct jsonw *w, const char *key, int64_t scaled, unsigned decimals);
/** A double (17 significant digits; null if not finite). */
void jsonw_double(struct jsonw *w, const char *key, double v);
/** true or false. */
void jsonw_bool(struct jsonw *w, const char *key, bool v);
/** null. */
void jsonw_null(struct jsonw *w, const char *key);
/**
 * End the document: a final newline, then the verdict.
 * @return 0; -1 if a container is still open, a call broke the rules or the
 *         stream has an error (ferror()).
 */
int jsonw_finish(struct jsonw *w);

#endif /* CLOCKWORK_TOOLS_COMMON_JSONW_H */
