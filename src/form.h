/*
 * application/x-www-form-urlencoded parsing, for query strings and
 * form bodies (WHATWG URL "urlencoded parsing", with the strictness of
 * RFC 6749 §3.1: a repeated parameter is an error, unless declared
 * "multi" — check boxes of one name on our own forms — whose values
 * must then hold no space, each pass the check, and are joined with
 * single spaces).
 *
 * Each endpoint declares what it takes in a table of sg_param; unknown
 * parameters are ignored.  Names match by exact length; values are
 * percent-decoded once ('+' is a space); NUL and control bytes (after
 * decoding) are refused; every size is capped (bounds.h).
 */
#ifndef SG_FORM_H
#define SG_FORM_H

#include <stddef.h>
#include <stdint.h>

#include "bounds.h"
#include "status.h"

/*
 * A validator: returns 1 when value (len bytes, NUL-terminated) is
 * acceptable.  Of a "multi" parameter each value is checked alone.
 */
typedef int (*sg_param_check)(const char *value, size_t len);

struct sg_param {
	const char	*name;
	size_t		 max;		/* max decoded length (of a multi
					   parameter: joined); 0 =
					   SG_MAX_PARAM_VALUE */
	sg_param_check	 check;		/* NULL: any text (sg_check_text) */
	int		 required;	/* absent: the parse fails on it */
	int		 multi;		/* may repeat: values joined by ' ' */
};

/*
 * Parsed values, in the order of the declaring table; NULL when absent
 * or failed.  A parameter that failed (malformed, repeated, too long,
 * refused by its check, missing when required) has its bit in failed
 * and never a value, so nothing reads what a validator refused.
 */
struct sg_form {
	char		*value[SG_MAX_PARAMS_DECL];
	size_t		 len[SG_MAX_PARAMS_DECL];
	uint32_t	 failed;	/* bit i: params[i] failed */
	int		 malformed;	/* the input as a whole failed: a
					   malformed name, too large; it
					   may have been any parameter */
	char		 bad[SG_MAX_PARAM_NAME + 1]; /* first offending
					   name, for the log */
};

/*
 * Parses len bytes of input against the nparams declarations in params
 * (at most SG_MAX_PARAMS_DECL).  Every parameter is judged, so that
 * failed names all that failed.  Returns SG_OK; SG_E_BAD_REQUEST with
 * failed or malformed set and form->bad naming the first offender;
 * SG_E_TOO_LARGE (malformed set, nothing parsed) when input exceeds
 * the limits.  form must be zeroed by the caller before and released
 * with sg_form_free() after, in every case.
 */
enum sg_status sg_form_parse(const char *input, size_t len,
	    const struct sg_param *params, size_t nparams,
	    struct sg_form *form);

/* 1 when declared parameter i failed the parse. */
int	sg_form_failed(const struct sg_form *form, size_t i);

/*
 * The name of the first declared parameter that failed (a string of
 * params), or NULL when none did.
 */
const char *sg_form_first_failed(const struct sg_form *form,
	    const struct sg_param *params, size_t nparams);

/* Wipes and frees the parsed values; safe twice and on a zeroed form. */
void	sg_form_free(struct sg_form *form);

/*
 * Percent-decodes src (len bytes) into a new NUL-terminated string;
 * plus_space: '+' decodes to ' '.  Returns NULL on a malformed escape,
 * a NUL or control byte in the result, or when the result is longer
 * than max.  *outlen gets the decoded length.
 */
char	*sg_form_decode(const char *src, size_t len, int plus_space,
	    size_t max, size_t *outlen);

/* Common validators. */
int	sg_check_token(const char *v, size_t len);	/* visible ASCII, no space */
int	sg_check_text(const char *v, size_t len);	/* printable UTF-8, spaces allowed */

#endif
