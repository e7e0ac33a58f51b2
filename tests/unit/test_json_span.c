/* rt_json_span (runtime/json-span.c): where linux.seccomp's text is, or
 * why it cannot be told without a parse. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/json-span.h"

static const char *const seccomp_path[] = { "linux", "seccomp" };

/* rt_json_span on text for linux.seccomp; *span gets the value's text. */
static int span_of(const char *text, char *span, size_t size)
{
	size_t off = 0, len = 0;
	int r = rt_json_span(text, strlen(text), seccomp_path, 2, &off, &len);

	span[0] = '\0';
	if (r == 1) {
		assert_true(len < size);
		memcpy(span, text + off, len);
		span[len] = '\0';
	}
	return r;
}

static void test_found(void **state)
{
	char s[256];

	(void)state;
	assert_int_equal(
	    span_of("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"}}}", s, sizeof(s)), 1);
	assert_string_equal(s, "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
	/* whitespace around it is not part of it; strings with brackets,
	 * quotes and escapes inside do not end it early */
	assert_int_equal(
	    span_of(" {\n \"a\": [1, {\"linux\": 2}],\n \"linux\" : {\"x\": \"}\\\"{\", \"seccomp\" :"
		    " [ \"]\" , {\"y\": \"\\u007d\"} ]\n } }\n",
		    s, sizeof(s)),
	    1);
	assert_string_equal(s, "[ \"]\" , {\"y\": \"\\u007d\"} ]");
	/* scalars too (the parser, not the scanner, says they are wrong) */
	assert_int_equal(span_of("{\"linux\":{\"seccomp\":-1.5e+3}}", s, sizeof(s)), 1);
	assert_string_equal(s, "-1.5e+3");
	assert_int_equal(span_of("{\"linux\":{\"seccomp\":null}}", s, sizeof(s)), 1);
	assert_string_equal(s, "null");
}

/* Not there, or not unambiguously: 0, and the caller parses everything. */
static void test_absent_or_ambiguous(void **state)
{
	char s[64];

	(void)state;
	assert_int_equal(span_of("{}", s, sizeof(s)), 0);
	assert_int_equal(span_of("{\"linux\":{}}", s, sizeof(s)), 0);
	assert_int_equal(span_of("{\"linux\":[{\"seccomp\":{}}]}", s, sizeof(s)), 0);
	assert_int_equal(span_of("{\"linux\":\"seccomp\"}", s, sizeof(s)), 0);
	assert_int_equal(span_of("{\"seccomp\":{},\"x\":{\"linux\":{\"seccomp\":{}}}}", s, sizeof(s)), 0);
	assert_int_equal(span_of("[{\"linux\":{\"seccomp\":{}}}]", s, sizeof(s)), 0);
	/* repeated: at either level */
	assert_int_equal(span_of("{\"linux\":{\"seccomp\":{},\"seccomp\":{}}}", s, sizeof(s)), 0);
	assert_int_equal(span_of("{\"linux\":{\"seccomp\":{}},\"linux\":{}}", s, sizeof(s)), 0);
	/* a key on the path written with an escape could spell it */
	assert_int_equal(span_of("{\"linux\":{\"secc\\u006fmp\":{},\"seccomp\":{}}}", s, sizeof(s)), 0);
	assert_int_equal(span_of("{\"lin\\u0075x\":{\"seccomp\":{}}}", s, sizeof(s)), 0);
	assert_int_equal(span_of("{\"li\\nux\":1,\"linux\":{\"seccomp\":{}}}", s, sizeof(s)), 0);
	/* (conservative: any escaped key in an object on the path counts) */
	assert_int_equal(span_of("{\"a\\n\":1,\"linux\":{\"seccomp\":{}}}", s, sizeof(s)), 0);
	/* escaped keys in objects off the path do not matter */
	assert_int_equal(span_of("{\"x\":{\"a\\n\":{\"b\\\"\":1}},\"linux\":{\"seccomp\":{}}}", s, sizeof(s)),
			 1);
	assert_string_equal(s, "{}");
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"{\"linux\":{\"seccomp\":{}}",
		"{\"linux\":{\"seccomp\":{}}} x",
		"{\"linux\":{\"seccomp\":{},}}",
		"{\"linux\" {\"seccomp\":{}}}",
		"{\"linux\":{\"seccomp\":[1 2]}}",
		"{\"linux\":{\"seccomp\":01}}",
		"{\"linux\":{\"seccomp\":1.}}",
		"{\"linux\":{\"seccomp\":-}}",
		"{\"linux\":{\"seccomp\":1e}}",
		"{\"linux\":{\"seccomp\":tru}}",
		"{\"linux\":{\"seccomp\":\"\\x\"}}",
		"{\"linux\":{\"seccomp\":\"\\u12g4\"}}",
		"{\"linux\":{\"seccomp\":\"a\tb\"}}",
		"{\"linux\":{\"seccomp\":\"open}}",
		"{'linux':{}}",
	};
	char s[16];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (span_of(bad[i], s, sizeof(s)) != -EINVAL)
			fail_msg("accepted as JSON: %s", bad[i]);
	/* an embedded NUL is not whitespace */
	assert_int_equal(rt_json_span("{}\0", 3, seccomp_path, 2, &(size_t){ 0 }, &(size_t){ 0 }), -EINVAL);
	assert_int_equal(rt_json_span("{}", 2, seccomp_path, 0, &(size_t){ 0 }, &(size_t){ 0 }), -EINVAL);
}

/* Deep nesting: within jansson's limit it is scanned, beyond it refused
 * (jansson refuses it too), never a stack overflow. */
static void test_nesting(void **state)
{
	static char text[3 * 5000 + 64];
	size_t n = 0;

	(void)state;
	n += (size_t)sprintf(text + n, "{\"linux\":{\"seccomp\":");
	for (int i = 0; i < 2000; i++)
		text[n++] = '[';
	for (int i = 0; i < 2000; i++)
		text[n++] = ']';
	n += (size_t)sprintf(text + n, "}}");
	assert_int_equal(rt_json_span(text, n, seccomp_path, 2, &(size_t){ 0 }, &(size_t){ 0 }), 1);
	n = 0;
	for (int i = 0; i < 5000; i++)
		text[n++] = '[';
	for (int i = 0; i < 5000; i++)
		text[n++] = ']';
	assert_int_equal(rt_json_span(text, n, seccomp_path, 2, &(size_t){ 0 }, &(size_t){ 0 }), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found),
		cmocka_unit_test(test_absent_or_ambiguous),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_nesting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
