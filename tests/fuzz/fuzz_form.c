/*
 * Fuzz target for src/form.c: the form parser against a declaration
 * table like an endpoint's (a repeatable "multi" parameter among them),
 * the decoder and the validators, with their invariants checked.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "form.h"
#include "status.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct sg_param decl[] = {
	{ "response_type", 0, sg_check_token, 1, 0 },
	{ "client_id", 64, sg_check_token, 1, 0 },
	{ "redirect_uri", 0, sg_check_token, 0, 0 },
	{ "scope", 0, sg_check_token, 0, 1 },
	{ "state", 0, NULL, 0, 0 },
	{ "a", 4, NULL, 0, 0 },
};

#define NDECL	(sizeof(decl) / sizeof(decl[0]))

static void
check_decoded(const char *s, size_t len, size_t max)
{
	size_t	 i;

	if (len > max || s[len] != '\0')
		abort();
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

/*
 * A value passes its declaration's check; a multi value is one or more
 * values joined by single spaces, each of which passes alone.
 */
static void
check_value(const struct sg_param *d, const char *s, size_t len)
{
	size_t	 n;

	if (!d->multi) {
		if (d->check != NULL && !d->check(s, len))
			abort();
		return;
	}
	for (;;) {
		n = strcspn(s, " ");
		if (n == 0 || (d->check != NULL && !d->check(s, n)))
			abort();
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*in = (const char *)data;
	struct sg_form	 form;
	enum sg_status	 st;
	char		*dec;
	size_t		 i, n, max;

	memset(&form, 0, sizeof(form));
	st = sg_form_parse(in, size, decl, NDECL, &form);
	if (st != SG_OK && st != SG_E_BAD_REQUEST && st != SG_E_TOO_LARGE)
		abort();
	/* An error says what failed; success leaves nothing marked. */
	if (st == SG_E_BAD_REQUEST && (form.bad[0] == '\0' ||
	    (form.failed == 0 && !form.malformed)))
		abort();
	if (st == SG_OK && (form.failed != 0 || form.malformed))
		abort();
	if (st == SG_E_TOO_LARGE && !form.malformed)
		abort();
	if (form.failed >> NDECL != 0)
		abort();
	if (strlen(form.bad) > SG_MAX_PARAM_NAME)
		abort();
	if ((sg_form_first_failed(&form, decl, NDECL) == NULL) !=
	    (form.failed == 0))
		abort();
	for (i = 0; i < NDECL; i++) {
		if (form.value[i] == NULL) {
			if (st == SG_OK && decl[i].required)
				abort();
			continue;
		}
		/* What failed keeps no value. */
		if (sg_form_failed(&form, i))
			abort();
		max = decl[i].max != 0 ? decl[i].max : SG_MAX_PARAM_VALUE;
		if (form.len[i] == 0)
			abort();
		check_decoded(form.value[i], form.len[i], max);
		check_value(&decl[i], form.value[i], form.len[i]);
	}
	sg_form_free(&form);
	sg_form_free(&form);

	for (i = 0; i < 2; i++) {
		dec = sg_form_decode(in, size, (int)i, SG_MAX_PARAM_VALUE, &n);
		if (dec != NULL) {
			check_decoded(dec, n, SG_MAX_PARAM_VALUE);
			if (n > size)
				abort();
			(void)sg_check_text(dec, n);
			free(dec);
		}
	}

	/* A token is always text. */
	if (sg_check_token(in, size) && !sg_check_text(in, size))
		abort();
	return 0;
}
