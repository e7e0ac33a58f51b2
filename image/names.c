#include "names.h"

#include <stdio.h>
#include <string.h>

static bool is_hex_lower(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool img_hex_valid(const char *hex)
{
	size_t i;

	for (i = 0; i < IMG_DIGEST_HEX_LEN; i++)
		if (!is_hex_lower(hex[i]))
			return false;
	return hex[i] == '\0';
}

int img_digest_parse(const char *digest, char ret_hex[IMG_DIGEST_HEX_LEN + 1], struct rt_err *err)
{
	const char *colon;

	if (!digest)
		return rt_err_msg(err, EINVAL, "missing digest");
	colon = strchr(digest, ':');
	if (!colon || colon == digest)
		return rt_err_msg(err, EINVAL, "digest '%.80s': expected ALGORITHM:HEX", digest);
	if ((size_t)(colon - digest) != 6 || strncmp(digest, "sha256", 6) != 0)
		return rt_err_msg(err, ENOTSUP, "digest '%.80s': unsupported algorithm (only sha256)",
				  digest);
	if (!img_hex_valid(colon + 1))
		return rt_err_msg(err, EINVAL, "digest '%.80s': expected 64 lowercase hex digits", digest);
	memcpy(ret_hex, colon + 1, IMG_DIGEST_HEX_LEN + 1);
	return 0;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
	       c == '/' || c == ':';
}

static bool tag_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '_' || c == '-';
}

int img_ref_parse(const char *s, struct img_ref *ret, struct rt_err *err)
{
	const char *slash, *colon, *tag = "latest";
	size_t name_len;
	struct img_ref r = { 0 };

	if (!s || !*s)
		return rt_err_msg(err, EINVAL, "empty image reference");
	if (strchr(s, '@'))
		return rt_err_msg(
		    err, EINVAL,
		    "image reference '%.80s': digest references are not supported, use NAME[:TAG]", s);
	slash = strrchr(s, '/');
	colon = strrchr(s, ':');
	name_len = strlen(s);
	if (colon && (!slash || colon > slash)) {
		name_len = (size_t)(colon - s);
		tag = colon + 1;
	}
	if (name_len == 0 || name_len > IMG_NAME_MAX)
		return rt_err_msg(err, EINVAL, "image reference '%.80s': name must be 1-%d characters", s,
				  IMG_NAME_MAX);
	for (size_t i = 0; i < name_len; i++)
		if (!name_char(s[i]))
			return rt_err_msg(err, EINVAL,
					  "image reference '%.80s': invalid character '%c' in name "
					  "(lowercase letters, digits, . _ - / :)",
					  s, s[i]);
	/* every '/'-separated component non-empty and not "." or ".." */
	for (size_t i = 0; i < name_len;) {
		size_t j = i;

		while (j < name_len && s[j] != '/')
			j++;
		if (j == i || (j - i == 1 && s[i] == '.') || (j - i == 2 && s[i] == '.' && s[i + 1] == '.'))
			return rt_err_msg(err, EINVAL, "image reference '%.80s': bad name component", s);
		i = j + 1;
		if (j < name_len && i == name_len)
			return rt_err_msg(err, EINVAL, "image reference '%.80s': bad name component", s);
	}
	if (!*tag || strlen(tag) > IMG_TAG_MAX || tag[0] == '.' || tag[0] == '-')
		return rt_err_msg(err, EINVAL, "image reference '%.80s': bad tag", s);
	for (const char *p = tag; *p; p++)
		if (!tag_char(*p))
			return rt_err_msg(err, EINVAL,
					  "image reference '%.80s': invalid character '%c' in tag", s, *p);
	memcpy(r.name, s, name_len);
	r.name[name_len] = '\0';
	strcpy(r.tag, tag);
	*ret = r;
	return 0;
}

int img_ref_format(const struct img_ref *r, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s:%s", r->name, r->tag);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int img_entry_name_clean(char *name, struct rt_err *err)
{
	char *w = name;
	const char *p = name;

	if (!*name)
		return rt_err_msg(err, EINVAL, "entry with an empty name");
	if (*name == '/')
		return rt_err_msg(err, EINVAL, "entry '%.200s': absolute path refused", name);
	while (*p) {
		const char *c = p;
		size_t len;

		while (*p && *p != '/')
			p++;
		len = (size_t)(p - c);
		while (*p == '/')
			p++;
		if (len == 0 || (len == 1 && c[0] == '.'))
			continue;
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return rt_err_msg(err, EINVAL, "entry '%.200s': '..' component refused", name);
		if (w != name)
			*w++ = '/';
		memmove(w, c, len);
		w += len;
	}
	if (w == name)
		*w++ = '.';
	*w = '\0';
	return 0;
}

int img_whiteout_parse(const char *base, enum img_whiteout *ret_kind, const char **ret_target)
{
	const char *t;

	if (strncmp(base, ".wh.", 4) != 0) {
		*ret_kind = IMG_WH_NONE;
		return 0;
	}
	if (strcmp(base, ".wh..wh..opq") == 0) {
		*ret_kind = IMG_WH_OPAQUE;
		return 0;
	}
	if (strncmp(base, ".wh..wh.", 8) == 0) {
		*ret_kind = IMG_WH_META;
		return 0;
	}
	t = base + 4;
	if (!*t || strcmp(t, ".") == 0 || strcmp(t, "..") == 0 || strchr(t, '/'))
		return -EINVAL;
	*ret_kind = IMG_WH_FILE;
	*ret_target = t;
	return 0;
}

bool img_container_id_valid(const char *id)
{
	size_t n = 0;

	if (!id || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return false;
	for (const char *p = id; *p; p++, n++)
		if (!tag_char(*p))
			return false;
	return n > 0 && n <= 255;
}
