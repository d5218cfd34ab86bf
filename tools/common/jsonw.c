/* SPDX-License-Identifier: MIT */
/*
 * The tools' JSON writer (jsonw.h): commas, indentation, string escapes and
 * exact numbers, written as the caller goes.
 */
#include "jsonw.h"

#include <math.h>
#include <string.h>

void jsonw_init(struct jsonw *w, FILE *f, unsigned pretty_depth)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->pretty_depth = pretty_depth;
	/* The top level holds one value, like an array without commas. */
	w->is_array[0] = true;
}

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20) {
				fprintf(f, "\\u%04x", *p);
			} else {
				fputc(*p, f);
			}
		}
	}
	fputc('"', f);
}

/* The comma, line break and key before a value at the current depth. */
static void member(struct jsonw *w, const char *key)
{
	unsigned d = w->depth;

	if ((key != NULL) == w->is_array[d] || (d == 0 && w->has_member[0])) {
		w->misuse = true;
	}
	if (w->has_member[d]) {
		fputc(',', w->f);
	}
	if (d > 0 && d <= w->pretty_depth) {
		fputc('\n', w->f);
		for (unsigned i = 0; i < d; i++) {
			fputs("  ", w->f);
		}
	} else if (w->has_member[d]) {
		fputc(' ', w->f);
	}
	w->has_member[d] = true;
	if (key) {
		put_string(w->f, key);
		fputs(": ", w->f);
	}
}

static void open_container(struct jsonw *w, const char *key, bool array)
{
	member(w, key);
	if (w->depth >= JSONW_MAX_DEPTH) {
		w->misuse = true;
		return;
	}
	fputc(array ? '[' : '{', w->f);
	w->depth++;
	w->is_array[w->depth] = array;
	w->has_member[w->depth] = false;
}

static void close_container(struct jsonw *w, bool array)
{
	unsigned d = w->depth;

	if (d == 0 || w->is_array[d] != array) {
		w->misuse = true;
		return;
	}
	if (w->has_member[d] && d <= w->pretty_depth) {
		fputc('\n', w->f);
		for (unsigned i = 1; i < d; i++) {
			fputs("  ", w->f);
		}
	}
	fputc(array ? ']' : '}', w->f);
	w->depth--;
}

void jsonw_object_begin(struct jsonw *w, const char *key)
{
	open_container(w, key, false);
}

void jsonw_object_end(struct jsonw *w)
{
	close_container(w, false);
}

void jsonw_array_begin(struct jsonw *w, const char *key)
{
	open_container(w, key, true);
}

void jsonw_array_end(struct jsonw *w)
{
	close_container(w, true);
}

void jsonw_string(struct jsonw *w, const char *key, const char *s)
{
	member(w, key);
	if (s) {
		put_string(w->f, s);
	} else {
		fputs("null", w->f);
	}
}

void jsonw_u64(struct jsonw *w, const char *key, uint64_t v)
{
	member(w, key);
	fprintf(w->f, "%llu", (unsigned long long)v);
}

void jsonw_i64(struct jsonw *w, const char *key, int64_t v)
{
	member(w, key);
	fprintf(w->f, "%lld", (long long)v);
}

void jsonw_i128(struct jsonw *w, const char *key, __int128 v)
{
	unsigned __int128 mag = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
	char digits[48];
	size_t n = sizeof(digits) - 1;

	digits[n] = '\0';
	do {
		digits[--n] = (char)('0' + (unsigned)(mag % 10));
		mag /= 10;
	} while (mag);
	member(w, key);
	fprintf(w->f, "%s%s", v < 0 ? "-" : "", digits + n);
}

void jsonw_fixed(struct jsonw *w, const char *key, int64_t scaled, unsigned decimals)
{
	uint64_t mag = scaled < 0 ? -(uint64_t)scaled : (uint64_t)scaled, scale = 1;

	if (decimals > 18) {
		w->misuse = true;
		decimals = 18;
	}
	for (unsigned i = 0; i < decimals; i++) {
		scale *= 10;
	}
	member(w, key);
	fprintf(w->f, "%s%llu", scaled < 0 ? "-" : "", (unsigned long long)(mag / scale));
	if (decimals) {
		fprintf(w->f, ".%0*llu", (int)decimals, (unsigned long long)(mag % scale));
	}
}

void jsonw_double(struct jsonw *w, const char *key, double v)
{
	member(w, key);
	if (isfinite(v)) {
		fprintf(w->f, "%.17g", v);
	} else {
		fputs("null", w->f);
	}
}

void jsonw_bool(struct jsonw *w, const char *key, bool v)
{
	member(w, key);
	fputs(v ? "true" : "false", w->f);
}

void jsonw_null(struct jsonw *w, const char *key)
{
	member(w, key);
	fputs("null", w->f);
}

int jsonw_finish(struct jsonw *w)
{
	fputc('\n', w->f);
	return w->depth != 0 || w->misuse || ferror(w->f) ? -1 : 0;
}
