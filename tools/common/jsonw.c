/* SPDX-License-Identifier: MIT */
/*
 * The tools' JSON writer (jsonw.h): commas, indentation, string escapes and
 * exact numbers, written as the caller goes.
 */
#include "jsonw.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/*
 * One writer owns its stream: the stdio calls without the stream lock
 * where glibc has them (a trace makes tens of millions of them).
 */
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
#define JSONW_PUTC(c, f)     putc_unlocked((c), (f))
#define JSONW_WRITE(p, n, f) fwrite_unlocked((p), 1, (n), (f))
#else
#define JSONW_PUTC(c, f)     putc((c), (f))
#define JSONW_WRITE(p, n, f) fwrite((p), 1, (n), (f))
#endif

void jsonw_init(struct jsonw *w, FILE *f, unsigned pretty_depth)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->pretty_depth = pretty_depth;
	/* The top level holds one value, like an array without commas. */
	w->is_array[0] = true;
}

/* The decimal digits of @v, right-aligned ending at @end; returns the first. */
static char *digits_of(unsigned __int128 v, char *end)
{
	char *p = end;

	do {
		*--p = (char)('0' + (unsigned)(v % 10));
		v /= 10;
	} while (v);
	return p;
}

/* @sign (if any) then @mag's digits: one fwrite, no format parsing (traces write millions). */
static void put_int(FILE *f, bool neg, unsigned __int128 mag)
{
	char buf[48], *end = buf + sizeof(buf), *p = digits_of(mag, end);

	if (neg) {
		*--p = '-';
	}
	JSONW_WRITE(p, (size_t)(end - p), f);
}

static void put_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;

	JSONW_PUTC('"', f);
	for (;; p++) {
		/* Plain characters go out in one piece: a trace writes millions of strings. */
		if (*p >= 0x20 && *p != '"' && *p != '\\') {
			continue;
		}
		if (p > run) {
			JSONW_WRITE(run, (size_t)(p - run), f);
		}
		run = p + 1;
		switch (*p) {
		case '\0':
			JSONW_PUTC('"', f);
			return;
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
			fprintf(f, "\\u%04x", *p);
		}
	}
}

/* The comma, line break and key before a value at the current depth. */
static void member(struct jsonw *w, const char *key)
{
	unsigned d = w->depth;

	if ((key != NULL) == w->is_array[d] || (d == 0 && w->has_member[0])) {
		w->misuse = true;
	}
	if (w->has_member[d]) {
		JSONW_PUTC(',', w->f);
	}
	if (d > 0 && d <= w->pretty_depth) {
		static const char indent[] =
			"\n                                                                ";

		JSONW_WRITE(indent, 1 + 2 * (d < 32 ? d : 32), w->f);
	} else if (w->has_member[d]) {
		JSONW_PUTC(' ', w->f);
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
	put_int(w->f, false, v);
}

void jsonw_i64(struct jsonw *w, const char *key, int64_t v)
{
	member(w, key);
	put_int(w->f, v < 0, v < 0 ? -(uint64_t)v : (uint64_t)v);
}

void jsonw_i128(struct jsonw *w, const char *key, __int128 v)
{
	member(w, key);
	put_int(w->f, v < 0, v < 0 ? -(unsigned __int128)v : (unsigned __int128)v);
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
	put_int(w->f, scaled < 0, mag / scale);
	if (decimals) {
		char buf[24], *end = buf + sizeof(buf), *p = digits_of(mag % scale, end);

		while (end - p < (ptrdiff_t)decimals) {
			*--p = '0';
		}
		*--p = '.';
		JSONW_WRITE(p, (size_t)(end - p), w->f);
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
