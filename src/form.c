/*
 * application/x-www-form-urlencoded parsing against a declaration table
 * (WHATWG URL "application/x-www-form-urlencoded parsing", made strict
 * as RFC 6749 §3.1 asks).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "form.h"
#include "bounds.h"
#include "mem.h"
#include "status.h"

_Static_assert(SG_MAX_PARAMS_DECL <= 32,
    "one bit per declared parameter in struct sg_form");

enum decode_result {
	DECODE_OK,
	DECODE_MALFORMED,	/* bad escape, NUL or control byte */
	DECODE_TOO_LONG		/* decoded result longer than max */
};

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes src into dst, which has room for max + 1 bytes, stopping as
 * soon as the result would exceed max.  Control bytes (< 0x20, 0x7f)
 * are refused whether they came encoded or raw.
 */
static enum decode_result
decode_into(const char *src, size_t len, int plus_space, size_t max,
    char *dst, size_t *outlen)
{
	size_t		 i, n = 0;
	int		 hi, lo;
	unsigned char	 c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)src[i];
		if (c == '%') {
			/* An escape needs exactly two hex digits. */
			if (len - i < 3)
				return DECODE_MALFORMED;
			hi = hexval((unsigned char)src[i + 1]);
			lo = hexval((unsigned char)src[i + 2]);
			if (hi < 0 || lo < 0)
				return DECODE_MALFORMED;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_space)
			c = ' ';
		if (c < 0x20 || c == 0x7f)
			return DECODE_MALFORMED;
		if (n == max)
			return DECODE_TOO_LONG;
		dst[n++] = (char)c;
	}
	dst[n] = '\0';
	*outlen = n;
	return DECODE_OK;
}

char *
sg_form_decode(const char *src, size_t len, int plus_space, size_t max,
    size_t *outlen)
{
	char	*dst;
	size_t	 cap, n = 0;

	/* The result is never longer than the input. */
	cap = len < max ? len : max;
	dst = sg_xmalloc(cap + 1);
	if (decode_into(src, len, plus_space, cap, dst, &n) != DECODE_OK) {
		free(dst);
		return NULL;
	}
	if (outlen != NULL)
		*outlen = n;
	return dst;
}

int
sg_check_token(const char *v, size_t len)
{
	size_t	 i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x21 || (unsigned char)v[i] > 0x7e)
			return 0;
	return 1;
}

/*
 * Strict UTF-8 (RFC 3629 §4): shortest form only, no surrogates, nothing
 * above U+10FFFF; C0 and C1 controls and DEL refused.
 */
int
sg_check_text(const char *v, size_t len)
{
	const unsigned char	*s = (const unsigned char *)v;
	size_t			 i = 0, need, k;
	unsigned int		 cp, min;

	while (i < len) {
		cp = s[i];
		if (cp < 0x80) {
			if (cp < 0x20 || cp == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (cp >= 0xc2 && cp <= 0xdf) {
			need = 1;
			min = 0x80;
			cp &= 0x1f;
		} else if (cp >= 0xe0 && cp <= 0xef) {
			need = 2;
			min = 0x800;
			cp &= 0x0f;
		} else if (cp >= 0xf0 && cp <= 0xf4) {
			need = 3;
			min = 0x10000;
			cp &= 0x07;
		} else
			return 0;	/* continuation, 0xc0/0xc1, >= 0xf5 */
		if (len - i - 1 < need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp <= 0x9f))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* Copies the first offending name for form->bad, unprintables as '?'. */
static void
set_bad(struct sg_form *form, const char *name, size_t len)
{
	size_t	 i;

	if (form->bad[0] != '\0')
		return;
	if (len > SG_MAX_PARAM_NAME)
		len = SG_MAX_PARAM_NAME;
	for (i = 0; i < len; i++) {
		if ((unsigned char)name[i] < 0x20 ||
		    (unsigned char)name[i] > 0x7e)
			form->bad[i] = '?';
		else
			form->bad[i] = name[i];
	}
	form->bad[len] = '\0';
}

/* Declared parameter i failed: its bit, and no value left behind. */
static void
fail_param(struct sg_form *form, const struct sg_param *params, size_t i)
{
	form->failed |= (uint32_t)1 << i;
	set_bad(form, params[i].name, strlen(params[i].name));
	if (form->value[i] != NULL) {
		OPENSSL_cleanse(form->value[i], form->len[i]);
		free(form->value[i]);
	}
	form->value[i] = NULL;
	form->len[i] = 0;
}

/* The value passes decl's check; of a multi parameter, alone. */
static int
value_ok(const struct sg_param *decl, const char *v, size_t len)
{
	if (decl->multi && memchr(v, ' ', len) != NULL)
		return 0;
	return decl->check != NULL ? decl->check(v, len) :
	    sg_check_text(v, len);
}

int
sg_form_failed(const struct sg_form *form, size_t i)
{
	return i < SG_MAX_PARAMS_DECL && (form->failed >> i & 1) != 0;
}

const char *
sg_form_first_failed(const struct sg_form *form,
    const struct sg_param *params, size_t nparams)
{
	size_t	 i;

	for (i = 0; i < nparams; i++)
		if (sg_form_failed(form, i))
			return params[i].name;
	return NULL;
}

enum sg_status
sg_form_parse(const char *input, size_t len, const struct sg_param *params,
    size_t nparams, struct sg_form *form)
{
	char			 name[SG_MAX_PARAM_NAME + 1];
	const char		*p, *end, *amp, *eq, *val;
	const struct sg_param	*decl;
	enum decode_result	 dr;
	size_t			 i, npairs, nlen, vlen = 0, vraw, max;
	char			*value, *joined;

	form->bad[0] = '\0';
	form->failed = 0;
	form->malformed = 0;
	if (input == NULL) {
		input = "";
		len = 0;
	}
	if (nparams > SG_MAX_PARAMS_DECL) {
		form->malformed = 1;
		return SG_E_INTERNAL;
	}
	if (len > SG_MAX_FORM_BODY) {
		form->malformed = 1;
		return SG_E_TOO_LARGE;
	}
	end = input + len;

	/* Count first, so that an oversize input fails the same way always. */
	npairs = 0;
	for (p = input; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp > p && ++npairs > SG_MAX_PARAMS) {
			form->malformed = 1;
			return SG_E_TOO_LARGE;
		}
	}

	for (p = input; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p)
			continue;	/* "a=1&&b=2" */
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL) {
			eq = amp;	/* a name alone has an empty value */
			val = amp;
		} else
			val = eq + 1;
		vraw = (size_t)(amp - val);

		dr = decode_into(p, (size_t)(eq - p), 1, SG_MAX_PARAM_NAME,
		    name, &nlen);
		if (dr == DECODE_MALFORMED) {
			/* It may have been any name: the whole input fails. */
			set_bad(form, p, (size_t)(eq - p));
			form->malformed = 1;
			continue;
		}
		if (dr == DECODE_TOO_LONG || nlen == 0)
			continue;	/* cannot be a declared name */

		/* Exact length match: "scope" is not "scopes" nor "scop". */
		for (i = 0, decl = NULL; i < nparams; i++)
			if (strlen(params[i].name) == nlen &&
			    memcmp(params[i].name, name, nlen) == 0) {
				decl = &params[i];
				break;
			}
		if (decl == NULL || sg_form_failed(form, i))
			continue;	/* unknown ones are ignored */

		/*
		 * RFC 6749 §3.1: a parameter without a value is treated as
		 * omitted; one sent more than once is an error.
		 */
		if (vraw == 0)
			continue;
		if (form->value[i] != NULL && !decl->multi) {
			fail_param(form, params, i);
			continue;
		}
		max = decl->max != 0 ? decl->max : SG_MAX_PARAM_VALUE;
		if ((value = sg_form_decode(val, vraw, 1, max, &vlen)) ==
		    NULL || vlen == 0 || !value_ok(decl, value, vlen) ||
		    (form->value[i] != NULL &&
		    form->len[i] + 1 + vlen > max)) {
			if (value != NULL) {
				OPENSSL_cleanse(value, vlen);
				free(value);
			}
			fail_param(form, params, i);
			continue;
		}
		if (form->value[i] != NULL) {
			joined = sg_xmalloc(form->len[i] + 1 + vlen + 1);
			memcpy(joined, form->value[i], form->len[i]);
			joined[form->len[i]] = ' ';
			memcpy(joined + form->len[i] + 1, value, vlen + 1);
			OPENSSL_cleanse(form->value[i], form->len[i]);
			free(form->value[i]);
			OPENSSL_cleanse(value, vlen);
			free(value);
			value = joined;
			vlen += form->len[i] + 1;
		}
		form->value[i] = value;
		form->len[i] = vlen;
	}

	for (i = 0; i < nparams; i++)
		if (params[i].required && form->value[i] == NULL &&
		    !sg_form_failed(form, i))
			fail_param(form, params, i);
	return form->failed != 0 || form->malformed ? SG_E_BAD_REQUEST :
	    SG_OK;
}

void
sg_form_free(struct sg_form *form)
{
	size_t	 i;

	if (form == NULL)
		return;
	for (i = 0; i < SG_MAX_PARAMS_DECL; i++) {
		if (form->value[i] != NULL) {
			/* Values may be secrets (client_secret, code). */
			OPENSSL_cleanse(form->value[i], form->len[i]);
			free(form->value[i]);
		}
		form->value[i] = NULL;
		form->len[i] = 0;
	}
}
