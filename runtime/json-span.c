/* A JSON grammar checker that reports where one member's value is.  A
 * recursive descent over the text; nothing is allocated. */
#include "json-span.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define MAX_NESTING 2048 /* jansson's own limit */

struct scan {
	const char *s;
	size_t n, i;
	unsigned nesting;
	/* the member being looked for */
	const char *const *path;
	size_t found, off, len;
	bool ambiguous;
};

static void skip_ws(struct scan *sc)
{
	while (sc->i < sc->n) {
		char c = sc->s[sc->i];

		if (c != ' ' && c != '\n' && c != '\t' && c != '\r')
			return;
		sc->i++;
	}
}

static bool is_digit(struct scan *sc)
{
	return sc->i < sc->n && sc->s[sc->i] >= '0' && sc->s[sc->i] <= '9';
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* At the opening quote; past the closing one.  *escaped: a backslash was
 * in it. */
static int scan_string(struct scan *sc, bool *escaped)
{
	*escaped = false;
	sc->i++;
	while (sc->i < sc->n) {
		unsigned char c = (unsigned char)sc->s[sc->i++];

		if (c == '"')
			return 0;
		if (c < 0x20)
			return -EINVAL;
		if (c != '\\')
			continue;
		*escaped = true;
		if (sc->i >= sc->n)
			return -EINVAL;
		c = (unsigned char)sc->s[sc->i++];
		if (c == 'u') {
			if (sc->n - sc->i < 4)
				return -EINVAL;
			for (int k = 0; k < 4; k++)
				if (!is_hex(sc->s[sc->i++]))
					return -EINVAL;
		} else if (c == '\0' || !strchr("\"\\/bfnrt", c)) {
			return -EINVAL;
		}
	}
	return -EINVAL;
}

static int scan_digits(struct scan *sc)
{
	if (!is_digit(sc))
		return -EINVAL;
	while (is_digit(sc))
		sc->i++;
	return 0;
}

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int scan_number(struct scan *sc)
{
	if (sc->s[sc->i] == '-')
		sc->i++;
	if (sc->i < sc->n && sc->s[sc->i] == '0')
		sc->i++;
	else if (scan_digits(sc) < 0)
		return -EINVAL;
	if (sc->i < sc->n && sc->s[sc->i] == '.') {
		sc->i++;
		if (scan_digits(sc) < 0)
			return -EINVAL;
	}
	if (sc->i < sc->n && (sc->s[sc->i] == 'e' || sc->s[sc->i] == 'E')) {
		sc->i++;
		if (sc->i < sc->n && (sc->s[sc->i] == '+' || sc->s[sc->i] == '-'))
			sc->i++;
		if (scan_digits(sc) < 0)
			return -EINVAL;
	}
	return 0;
}

static int scan_literal(struct scan *sc, const char *word)
{
	size_t l = strlen(word);

	if (sc->n - sc->i < l || memcmp(sc->s + sc->i, word, l) != 0)
		return -EINVAL;
	sc->i += l;
	return 0;
}

static int scan_value(struct scan *sc, size_t depth);

/* Past an opening bracket: true when the closer follows at once (past it). */
static bool open_empty(struct scan *sc, char closer)
{
	sc->i++;
	skip_ws(sc);
	if (sc->i < sc->n && sc->s[sc->i] == closer) {
		sc->i++;
		return true;
	}
	return false;
}

/* After a member or an element: 1 past a ',' (another follows), 0 past
 * the closer, -EINVAL at anything else. */
static int next_item(struct scan *sc, char closer)
{
	skip_ws(sc);
	if (sc->i < sc->n && sc->s[sc->i] == ',') {
		sc->i++;
		skip_ws(sc);
		return 1;
	}
	if (sc->i < sc->n && sc->s[sc->i] == closer) {
		sc->i++;
		return 0;
	}
	return -EINVAL;
}

/* depth: how many keys of the path are left to match inside this object
 * (0: it is off the path). */
static int scan_object(struct scan *sc, size_t depth)
{
	size_t hits = 0;
	int r;

	if (open_empty(sc, '}'))
		return 0;
	for (;;) {
		size_t key, key_len, next = 0;
		bool escaped;

		if (sc->i >= sc->n || sc->s[sc->i] != '"')
			return -EINVAL;
		key = sc->i + 1;
		r = scan_string(sc, &escaped);
		if (r < 0)
			return r;
		key_len = sc->i - 1 - key;
		if (depth > 0 && escaped)
			sc->ambiguous = true;
		if (depth > 0 && key_len == strlen(sc->path[0]) &&
		    memcmp(sc->s + key, sc->path[0], key_len) == 0) {
			if (++hits > 1)
				sc->ambiguous = true;
			next = depth;
		}
		skip_ws(sc);
		if (sc->i >= sc->n || sc->s[sc->i] != ':')
			return -EINVAL;
		sc->i++;
		skip_ws(sc);
		if (next == 1) {
			sc->off = sc->i;
			sc->found++;
		}
		if (next > 1) {
			sc->path++;
			if (sc->i < sc->n && sc->s[sc->i] == '{')
				r = scan_object(sc, next - 1);
			else
				r = scan_value(sc, 0); /* not an object: the path ends here */
			sc->path--;
		} else {
			r = scan_value(sc, 0);
		}
		if (r < 0)
			return r;
		if (next == 1)
			sc->len = sc->i - sc->off;
		r = next_item(sc, '}');
		if (r <= 0)
			return r;
	}
}

static int scan_array(struct scan *sc)
{
	int r;

	if (open_empty(sc, ']'))
		return 0;
	for (;;) {
		r = scan_value(sc, 0);
		if (r < 0)
			return r;
		r = next_item(sc, ']');
		if (r <= 0)
			return r;
	}
}

static int scan_value(struct scan *sc, size_t depth)
{
	bool escaped;
	int r;

	if (sc->i >= sc->n)
		return -EINVAL;
	switch (sc->s[sc->i]) {
	case '{':
	case '[':
		if (++sc->nesting > MAX_NESTING)
			return -EINVAL;
		r = sc->s[sc->i] == '{' ? scan_object(sc, depth) : scan_array(sc);
		sc->nesting--;
		return r;
	case '"':
		return scan_string(sc, &escaped);
	case 't':
		return scan_literal(sc, "true");
	case 'f':
		return scan_literal(sc, "false");
	case 'n':
		return scan_literal(sc, "null");
	default:
		return scan_number(sc);
	}
}

int rt_json_span(const char *buf, size_t len, const char *const *path, size_t depth, size_t *off,
		 size_t *span_len)
{
	struct scan sc = { .s = buf, .n = len, .path = path };
	int r;

	if (depth == 0)
		return -EINVAL;
	skip_ws(&sc);
	r = scan_value(&sc, depth); /* a top-level array or scalar holds no member */
	if (r < 0)
		return r;
	skip_ws(&sc);
	if (sc.i != sc.n)
		return -EINVAL;
	if (sc.ambiguous || sc.found != 1)
		return 0;
	*off = sc.off;
	*span_len = sc.len;
	return 1;
}
