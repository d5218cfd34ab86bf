/* SPDX-License-Identifier: MIT */
/*
 * The tools' JSON writer (tools/common/jsonw.c): what it writes parses back
 * (tests/support/json_test.h) to the same values, numbers exactly, strings
 * with every escape; misuse is reported by jsonw_finish().
 */
#include "jsonw.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_test.h"

static void test_jsonw_round_trips_values(void **state)
{
	char *text = NULL, why[128];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct jsonw w;
	struct jt_node *doc;
	const struct jt_node *a;
	bool ok;

	(void)state;
	jsonw_init(&w, f, 1);
	jsonw_object_begin(&w, NULL);
	jsonw_string(&w, "s", "q\"b\\n\nt\tc\x01 \xc3\xa9");
	jsonw_u64(&w, "u_max", UINT64_MAX);
	jsonw_i64(&w, "i_min", INT64_MIN);
	jsonw_i128(&w, "big_ns", (__int128)INT64_MAX * 4 + 3);
	jsonw_i128(&w, "neg_ns", -((__int128)INT64_MAX * 4 + 3));
	jsonw_fixed(&w, "ppm", -12345, 3);
	jsonw_fixed(&w, "pct", 5, 1);
	jsonw_fixed(&w, "small", -5, 3);
	jsonw_double(&w, "d", 0.25);
	jsonw_double(&w, "nan", __builtin_nan(""));
	jsonw_bool(&w, "t", true);
	jsonw_null(&w, "n");
	jsonw_array_begin(&w, "a");
	jsonw_u64(&w, NULL, 1);
	jsonw_object_begin(&w, NULL);
	jsonw_object_end(&w);
	jsonw_array_begin(&w, NULL);
	jsonw_array_end(&w);
	jsonw_array_end(&w);
	jsonw_object_end(&w);
	assert_int_equal(jsonw_finish(&w), 0);
	fclose(f);

	doc = jt_parse(text, len, why, sizeof(why));
	if (!doc) {
		fail_msg("%s in:\n%s", why, text);
	}
	assert_string_equal(jt_get(doc, "s")->text, "q\"b\\n\nt\tc\x01 \xc3\xa9");
	assert_string_equal(jt_text(jt_get(doc, "u_max")), "18446744073709551615");
	assert_string_equal(jt_text(jt_get(doc, "i_min")), "-9223372036854775808");
	assert_true(jt_i128(jt_get(doc, "big_ns"), &ok) == (__int128)INT64_MAX * 4 + 3 && ok);
	assert_true(jt_i128(jt_get(doc, "neg_ns"), &ok) == -((__int128)INT64_MAX * 4 + 3) && ok);
	assert_string_equal(jt_text(jt_get(doc, "ppm")), "-12.345");
	assert_string_equal(jt_text(jt_get(doc, "pct")), "0.5");
	assert_string_equal(jt_text(jt_get(doc, "small")), "-0.005");
	assert_true(jt_num(jt_get(doc, "d")) == 0.25);
	assert_int_equal(jt_get(doc, "nan")->type, JT_NULL);
	assert_true(jt_get(doc, "t")->b);
	assert_int_equal(jt_get(doc, "n")->type, JT_NULL);
	a = jt_get(doc, "a");
	assert_int_equal(a->n, 3);
	assert_int_equal(jt_at(a, 1)->type, JT_OBJ);
	assert_int_equal(jt_at(a, 2)->type, JT_ARR);
	/* pretty_depth 1: one top-level member a line, nested ones inline. */
	assert_non_null(strstr(text, "\n  \"a\": [1, {}, []]"));
	jt_free(doc);
	free(text);
}

static void test_jsonw_reports_misuse(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct jsonw w;

	(void)state;
	/* A member without a key inside an object. */
	jsonw_init(&w, f, 0);
	jsonw_object_begin(&w, NULL);
	jsonw_u64(&w, NULL, 1);
	jsonw_object_end(&w);
	assert_int_equal(jsonw_finish(&w), -1);
	/* A container left open. */
	jsonw_init(&w, f, 0);
	jsonw_array_begin(&w, NULL);
	assert_int_equal(jsonw_finish(&w), -1);
	/* Closing an array as an object. */
	jsonw_init(&w, f, 0);
	jsonw_array_begin(&w, NULL);
	jsonw_object_end(&w);
	assert_int_equal(jsonw_finish(&w), -1);
	fclose(f);
	free(text);
}

/* The reader refuses what JSON forbids (it validates the tools' documents). */
static void test_json_reader_is_strict(void **state)
{
	static const char *const bad[] = {
		"{\"a\": 1,}", "[1 2]", "{\"a\" 1}", "01",  "1.", "-", "\"\x01\"",
		"\"\\x\"",     "[1] x", "{'a': 1}",  "nul", "[",  "",
	};
	char why[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct jt_node *n = jt_parse(bad[i], strlen(bad[i]), why, sizeof(why));

		if (n) {
			fail_msg("accepted '%s'", bad[i]);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonw_round_trips_values),
		cmocka_unit_test(test_jsonw_reports_misuse),
		cmocka_unit_test(test_json_reader_is_strict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
