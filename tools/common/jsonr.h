/* SPDX-License-Identifier: MIT */
/*
 * A strict JSON reader: parses a whole document (RFC 8259: no trailing
 * commas, no comments, escapes and number syntax checked, nothing after the
 * value) into a tree walked with jt_get()/jt_at()/jt_row(). Numbers keep
 * their literal text, so a caller compares 64- and 128-bit values exactly
 * (jt_i128()) or as doubles (jt_num()). Header-only; every function is
 * static inline. cwsim --step reads its commands with it; the tests read
 * and validate cwsim's documents (--json, --trace) with it
 * (tests/support/json_test.h).
 */
#ifndef CLOCKWORK_TOOLS_COMMON_JSONR_H
#define CLOCKWORK_TOOLS_COMMON_JSONR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** Kinds of value. */
enum jt_type {
	JT_NULL,
	JT_BOOL,
	JT_NUM,
	JT_STR,
	JT_ARR,
	JT_OBJ
};

/** One value; members of an object or array are a list through @next. */
struct jt_node {
	enum jt_type type;
	/** Member name inside an object (else NULL). */
	char *key;
	/** JT_STR: the decoded string; JT_NUM: the number's literal text. */
	char *text;
	/** JT_BOOL. */
	bool b;
	/** JT_ARR, JT_OBJ: first member and count. */
	struct jt_node *child;
	size_t n;
	struct jt_node *next;
};

/** Parser state. */
struct jt_parser {
	const char *s;
	const char *end;
	const char *err;
	size_t depth;
};

static inline void jt_free(struct jt_node *n)
{
	while (n) {
		struct jt_node *next = n->next;

		jt_free(n->child);
		free(n->key);
		free(n->text);
		free(n);
		n = next;
	}
}

static inline void jt_ws(struct jt_parser *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')) {
		p->s++;
	}
}

static inline bool jt_fail(struct jt_parser *p, const char *why)
{
	if (!p->err) {
		p->err = why;
	}
	return false;
}

static inline int jt_hex(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* A string at p->s (the opening quote); the decoded bytes (UTF-8) go to *out. */
static inline bool jt_string(struct jt_parser *p, char **out)
{
	size_t cap = 16, len = 0;
	char *buf = malloc(cap);

	p->s++;
	while (buf) {
		unsigned cp;

		if (p->s >= p->end) {
			free(buf);
			return jt_fail(p, "unterminated string");
		}
		if (len + 5 > cap) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb) {
				break;
			}
			buf = nb;
		}
		if (*p->s == '"') {
			p->s++;
			buf[len] = '\0';
			*out = buf;
			return true;
		}
		if ((unsigned char)*p->s < 0x20) {
			free(buf);
			return jt_fail(p, "control character in string");
		}
		if (*p->s != '\\') {
			buf[len++] = *p->s++;
			continue;
		}
		p->s++;
		if (p->s >= p->end) {
			break;
		}
		switch (*p->s++) {
		case '"':
			buf[len++] = '"';
			break;
		case '\\':
			buf[len++] = '\\';
			break;
		case '/':
			buf[len++] = '/';
			break;
		case 'b':
			buf[len++] = '\b';
			break;
		case 'f':
			buf[len++] = '\f';
			break;
		case 'n':
			buf[len++] = '\n';
			break;
		case 'r':
			buf[len++] = '\r';
			break;
		case 't':
			buf[len++] = '\t';
			break;
		case 'u':
			cp = 0;
			for (int i = 0; i < 4; i++) {
				int h = p->s < p->end ? jt_hex(*p->s++) : -1;

				if (h < 0) {
					free(buf);
					return jt_fail(p, "bad \\u escape");
				}
				cp = cp << 4 | (unsigned)h;
			}
			/* Surrogates are kept as their 3-byte forms: the tests' documents have
			 * none. */
			if (cp < 0x80) {
				buf[len++] = (char)cp;
			} else if (cp < 0x800) {
				buf[len++] = (char)(0xc0 | cp >> 6);
				buf[len++] = (char)(0x80 | (cp & 0x3f));
			} else {
				buf[len++] = (char)(0xe0 | cp >> 12);
				buf[len++] = (char)(0x80 | (cp >> 6 & 0x3f));
				buf[len++] = (char)(0x80 | (cp & 0x3f));
			}
			break;
		default:
			free(buf);
			return jt_fail(p, "bad escape");
		}
	}
	free(buf);
	return jt_fail(p, "out of memory or truncated escape");
}

static inline bool jt_digits(struct jt_parser *p)
{
	const char *s = p->s;

	while (p->s < p->end && *p->s >= '0' && *p->s <= '9') {
		p->s++;
	}
	return p->s > s;
}

/* A number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static inline bool jt_number(struct jt_parser *p, char **out)
{
	const char *s = p->s;

	if (*p->s == '-') {
		p->s++;
	}
	if (p->s < p->end && *p->s == '0') {
		p->s++;
	} else if (!jt_digits(p)) {
		return jt_fail(p, "bad number");
	}
	if (p->s < p->end && *p->s == '.') {
		p->s++;
		if (!jt_digits(p)) {
			return jt_fail(p, "bad fraction");
		}
	}
	if (p->s < p->end && (*p->s == 'e' || *p->s == 'E')) {
		p->s++;
		if (p->s < p->end && (*p->s == '+' || *p->s == '-')) {
			p->s++;
		}
		if (!jt_digits(p)) {
			return jt_fail(p, "bad exponent");
		}
	}
	*out = strndup(s, (size_t)(p->s - s));
	return *out != NULL;
}

static inline bool jt_word(struct jt_parser *p, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(p->end - p->s) < n || strncmp(p->s, w, n) != 0) {
		return jt_fail(p, "unexpected character");
	}
	p->s += n;
	return true;
}

static inline struct jt_node *jt_value(struct jt_parser *p);

/* Members of an array or object, after its opening bracket. */
static inline bool jt_members(struct jt_parser *p, struct jt_node *n, bool object)
{
	struct jt_node **tail = &n->child;
	char close = object ? '}' : ']';

	jt_ws(p);
	if (p->s < p->end && *p->s == close) {
		p->s++;
		return true;
	}
	for (;;) {
		char *key = NULL;
		struct jt_node *v;

		jt_ws(p);
		if (object) {
			if (p->s >= p->end || *p->s != '"' || !jt_string(p, &key)) {
				return jt_fail(p, "expected a member name");
			}
			jt_ws(p);
			if (p->s >= p->end || *p->s != ':') {
				free(key);
				return jt_fail(p, "expected ':'");
			}
			p->s++;
		}
		v = jt_value(p);
		if (!v) {
			free(key);
			return false;
		}
		v->key = key;
		*tail = v;
		tail = &v->next;
		n->n++;
		jt_ws(p);
		if (p->s < p->end && *p->s == ',') {
			p->s++;
			continue;
		}
		if (p->s < p->end && *p->s == close) {
			p->s++;
			return true;
		}
		return jt_fail(p, "expected ',' or the closing bracket");
	}
}

static inline struct jt_node *jt_value(struct jt_parser *p)
{
	struct jt_node *n = calloc(1, sizeof(*n));
	bool ok;

	if (!n) {
		jt_fail(p, "out of memory");
		return NULL;
	}
	jt_ws(p);
	if (p->s >= p->end) {
		ok = jt_fail(p, "unexpected end");
	} else if (++p->depth > 256) {
		ok = jt_fail(p, "nested too deep");
	} else if (*p->s == '{' || *p->s == '[') {
		n->type = *p->s == '{' ? JT_OBJ : JT_ARR;
		p->s++;
		ok = jt_members(p, n, n->type == JT_OBJ);
	} else if (*p->s == '"') {
		n->type = JT_STR;
		ok = jt_string(p, &n->text);
	} else if (*p->s == '-' || (*p->s >= '0' && *p->s <= '9')) {
		n->type = JT_NUM;
		ok = jt_number(p, &n->text);
	} else if (*p->s == 't' || *p->s == 'f') {
		n->type = JT_BOOL;
		n->b = *p->s == 't';
		ok = jt_word(p, n->b ? "true" : "false");
	} else {
		n->type = JT_NULL;
		ok = jt_word(p, "null");
	}
	p->depth--;
	if (!ok) {
		jt_free(n);
		return NULL;
	}
	return n;
}

/**
 * Parse @p len bytes at @p text as one JSON document. @return the tree
 * (jt_free() it), or NULL with the reason and byte offset in @p why.
 */
static inline struct jt_node *jt_parse(const char *text, size_t len, char *why, size_t why_len)
{
	struct jt_parser p = { .s = text, .end = text + len };
	struct jt_node *n = jt_value(&p);

	if (n) {
		jt_ws(&p);
		if (p.s != p.end) {
			jt_free(n);
			n = NULL;
			jt_fail(&p, "text after the document");
		}
	}
	if (!n) {
		snprintf(why, why_len, "%s at byte %zu", p.err ? p.err : "?", (size_t)(p.s - text));
	}
	return n;
}

/** Member @p key of object @p o, or NULL. */
static inline const struct jt_node *jt_get(const struct jt_node *o, const char *key)
{
	for (const struct jt_node *c = o && o->type == JT_OBJ ? o->child : NULL; c; c = c->next) {
		if (strcmp(c->key, key) == 0) {
			return c;
		}
	}
	return NULL;
}

/** Element @p i of array @p a, or NULL. */
static inline const struct jt_node *jt_at(const struct jt_node *a, size_t i)
{
	const struct jt_node *c = a && a->type == JT_ARR ? a->child : NULL;

	while (c && i--) {
		c = c->next;
	}
	return c;
}

/** The literal of a number or the text of a string member as text ("" otherwise). */
static inline const char *jt_text(const struct jt_node *n)
{
	return n && (n->type == JT_NUM || n->type == JT_STR) ? n->text : "";
}

/**
 * The row of table @p a (an array of objects) whose member @p key is the
 * string or number @p want. @return the row, or NULL.
 */
static inline const struct jt_node *jt_row(const struct jt_node *a, const char *key,
					   const char *want)
{
	for (const struct jt_node *r = a && a->type == JT_ARR ? a->child : NULL; r; r = r->next) {
		if (strcmp(jt_text(jt_get(r, key)), want) == 0) {
			return r;
		}
	}
	return NULL;
}

/** A number as a double (NAN for anything else). */
static inline double jt_num(const struct jt_node *n)
{
	return n && n->type == JT_NUM ? strtod(n->text, NULL) : __builtin_nan("");
}

/** An integer number exactly (@p ok false if it is not one or does not fit). */
static inline __int128 jt_i128(const struct jt_node *n, bool *ok)
{
	const char *s = n && n->type == JT_NUM ? n->text : "x";
	bool neg = *s == '-';
	__int128 v = 0;

	*ok = true;
	for (s += neg; *s; s++) {
		if (*s < '0' || *s > '9' || v > ((__int128)1 << 120)) {
			*ok = false;
			return 0;
		}
		v = v * 10 + (*s - '0');
	}
	return neg ? -v : v;
}

#endif /* CLOCKWORK_TOOLS_COMMON_JSONR_H */
