/* The pure helpers of the image store (image/names.c): references, digests,
 * layer entry names, whiteout names, container ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "image/digest.h"
#include "image/names.h"

static void test_ref_ok(void **state)
{
	static const struct {
		const char *in, *name, *tag;
	} t[] = {
		{ "busybox", "busybox", "latest" },
		{ "busybox:1.36", "busybox", "1.36" },
		{ "docker.io/library/alpine:3", "docker.io/library/alpine", "3" },
		{ "localhost:5000/a/b", "localhost:5000/a/b", "latest" },
		{ "localhost:5000/a/b:V_1.0-rc", "localhost:5000/a/b", "V_1.0-rc" },
		{ "a", "a", "latest" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct img_ref r;
		struct rt_err err = { 0 };
		char buf[400];

		assert_int_equal(img_ref_parse(t[i].in, &r, &err), 0);
		assert_string_equal(r.name, t[i].name);
		assert_string_equal(r.tag, t[i].tag);
		assert_int_equal(img_ref_format(&r, buf, sizeof(buf)), 0);
		assert_string_equal(strrchr(buf, ':') + 1, t[i].tag);
	}
}

static void test_ref_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"UPPER",
		"a//b",
		"a/../b",
		"./a",
		"a/",
		"/a",
		"a:",
		"a:-x",
		"a:.x",
		"a:b c",
		"a b",
		"a@sha256:0000000000000000000000000000000000000000000000000000000000000000",
		"a:tag/x:y:",
	};
	char longname[300], longtag[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct img_ref r;
		struct rt_err err = { 0 };

		assert_int_equal(img_ref_parse(bad[i], &r, &err), -EINVAL);
		assert_true(err.msg[0] != '\0');
	}
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	memset(longtag, 't', sizeof(longtag) - 1);
	longtag[0] = 'a';
	longtag[1] = ':';
	longtag[sizeof(longtag) - 1] = '\0';
	{
		struct img_ref r;
		struct rt_err err = { 0 };

		assert_int_equal(img_ref_parse(longname, &r, &err), -EINVAL);
		assert_int_equal(img_ref_parse(longtag, &r, &err), -EINVAL);
	}
}

static void test_digest(void **state)
{
	const char *good = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	char hex[IMG_DIGEST_HEX_LEN + 1], got[IMG_DIGEST_HEX_LEN + 1];
	struct rt_err err = { 0 };

	(void)state;
	assert_int_equal(img_digest_parse(good, hex, &err), 0);
	assert_string_equal(hex, good + 7);
	img_sha256_buf("", 0, got); /* sha256 of nothing */
	assert_string_equal(got, hex);
	assert_true(img_hex_valid(hex));
	assert_int_equal(img_digest_parse("sha512:abcd", hex, &err), -ENOTSUP);
	assert_int_equal(
	    img_digest_parse("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", hex,
			     &err),
	    -EINVAL);
	assert_int_equal(img_digest_parse("sha256:e3b0", hex, &err), -EINVAL);
	assert_int_equal(
	    img_digest_parse("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555", hex,
			     &err),
	    -EINVAL);
	assert_int_equal(
	    img_digest_parse("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", hex, &err),
	    -EINVAL);
	assert_int_equal(img_digest_parse(":x", hex, &err), -EINVAL);
	assert_int_equal(img_digest_parse(NULL, hex, &err), -EINVAL);
	assert_false(img_hex_valid("../../../../etc/passwd"));
}

static void test_entry_names(void **state)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{ "a", "a" },	      { "./a", "a" },	   { "a/b/", "a/b" },
		{ "./", "." },	      { ".", "." },	   { "a//b", "a/b" },
		{ "a/./b", "a/b" },   { "././x/./", "x" }, { "..a/b..", "..a/b.." },
		{ ".wh.x", ".wh.x" },
	};
	static const char *const bad[] = { "/etc/passwd", "..", "../x", "a/../../x", "a/..",
					   "./../x",	  "",	"//x",	"a/b/../c" };

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char buf[64];
		struct rt_err err = { 0 };

		strcpy(buf, ok[i].in);
		assert_int_equal(img_entry_name_clean(buf, &err), 0);
		assert_string_equal(buf, ok[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char buf[64];
		struct rt_err err = { 0 };

		strcpy(buf, bad[i]);
		assert_int_equal(img_entry_name_clean(buf, &err), -EINVAL);
		if (bad[i][0])
			assert_non_null(strstr(err.msg, bad[i]));
	}
}

static void test_whiteouts(void **state)
{
	enum img_whiteout k;
	const char *target = NULL;

	(void)state;
	assert_int_equal(img_whiteout_parse("file", &k, &target), 0);
	assert_int_equal(k, IMG_WH_NONE);
	assert_int_equal(img_whiteout_parse(".wh.file", &k, &target), 0);
	assert_int_equal(k, IMG_WH_FILE);
	assert_string_equal(target, "file");
	assert_int_equal(img_whiteout_parse(".wh..hidden", &k, &target), 0);
	assert_int_equal(k, IMG_WH_FILE);
	assert_string_equal(target, ".hidden");
	assert_int_equal(img_whiteout_parse(".wh..wh..opq", &k, &target), 0);
	assert_int_equal(k, IMG_WH_OPAQUE);
	assert_int_equal(img_whiteout_parse(".wh..wh.plnk", &k, &target), 0);
	assert_int_equal(k, IMG_WH_META);
	assert_int_equal(img_whiteout_parse(".wh.", &k, &target), -EINVAL);
	assert_int_equal(img_whiteout_parse(".wh..", &k, &target), -EINVAL);
	assert_int_equal(img_whiteout_parse(".wh...", &k, &target), -EINVAL);
	assert_int_equal(img_whiteout_parse(".whx", &k, &target), 0);
	assert_int_equal(k, IMG_WH_NONE);
}

static void test_container_ids(void **state)
{
	char longid[300];

	(void)state;
	assert_true(img_container_id_valid("c1"));
	assert_true(img_container_id_valid("abc-DEF_1.2"));
	assert_false(img_container_id_valid(""));
	assert_false(img_container_id_valid("."));
	assert_false(img_container_id_valid(".."));
	assert_false(img_container_id_valid("../x"));
	assert_false(img_container_id_valid("a/b"));
	assert_false(img_container_id_valid(NULL));
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	assert_false(img_container_id_valid(longid));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ref_ok),	  cmocka_unit_test(test_ref_bad),
		cmocka_unit_test(test_digest),	  cmocka_unit_test(test_entry_names),
		cmocka_unit_test(test_whiteouts), cmocka_unit_test(test_container_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
