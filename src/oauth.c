/*
 * OAuth 2.0 protocol pieces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "b64.h"
#include "bounds.h"
#include "config.h"
#include "form.h"
#include "log.h"
#include "mem.h"
#include "oauth.h"
#include "request.h"
#include "response.h"
#include "status.h"
#include "url.h"

static int
oauth_b64url_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int
sg_oauth_challenge_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!oauth_b64url_char((unsigned char)s[i]))
			return 0;
	return i == SG_PKCE_CHALLENGE_LEN;
}

int
sg_oauth_verifier_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (!oauth_b64url_char((unsigned char)s[i]) &&
		    s[i] != '.' && s[i] != '~')
			return 0;
	return i >= SG_PKCE_VERIFIER_MIN && i <= SG_PKCE_VERIFIER_MAX;
}

int
sg_oauth_check_challenge(const char *v, size_t len)
{
	return len == SG_PKCE_CHALLENGE_LEN && sg_oauth_challenge_ok(v);
}

void
sg_oauth_pkce_challenge(const char *verifier, char out[44])
{
	unsigned char	 md[32];
	unsigned int	 mdlen = 0;
	char		*s;

	if (EVP_Digest(verifier, strlen(verifier), md, &mdlen, EVP_sha256(),
	    NULL) != 1 || mdlen != sizeof(md))
		abort();
	s = sg_b64url_encode(md, sizeof(md));
	memcpy(out, s, 44);
	free(s);
}

int
sg_oauth_pkce_match(const char *verifier, const char *challenge)
{
	char	 want[44];

	if (!sg_oauth_verifier_ok(verifier) || !sg_oauth_challenge_ok(challenge))
		return 0;
	sg_oauth_pkce_challenge(verifier, want);
	return CRYPTO_memcmp(want, challenge, 43) == 0;
}

static void
oauth_redirect(struct sg_request *req, const char *redirect_uri, const char *const *names,
    const char *const *values, size_t n)
{
	char	*url;

	url = sg_url_with_query(redirect_uri, names, values, n);
	/* RFC 6749 §10.12 / BCP: nothing about the flow is cached. */
	sg_resp_header(req, "Cache-Control", "no-store");
	sg_resp_header(req, "Referrer-Policy", "no-referrer");
	/* RFC 9700 §4.12: after a POST, 303 so the browser does not repost. */
	sg_resp_redirect(req, strcmp(req->method, "POST") == 0 ? 303 : 302,
	    url);
	free(url);
}

void
sg_oauth_redirect_error(struct sg_request *req, const struct sg_config *cfg,
    const char *redirect_uri, enum sg_status st, const char *desc,
    const char *state)
{
	const struct sg_status_info	*info;
	const char *const names[] = {
		"error", "error_description", "state", "iss"
	};
	const char			*values[4];

	if (st == SG_OK)
		st = SG_E_INTERNAL;
	info = sg_status_info(st);
	values[0] = sg_status_oauth(st);
	values[1] = desc != NULL ? desc : info->message;
	values[2] = state;
	values[3] = cfg->issuer;
	sg_log(req, SG_LOG_WARN, "redirecting with error %s: %s", values[0],
	    values[1]);
	oauth_redirect(req, redirect_uri, names, values, 4);
}

void
sg_oauth_redirect_code(struct sg_request *req, const struct sg_config *cfg,
    const char *redirect_uri, const char *code, const char *state)
{
	const char *const names[] = { "code", "state", "iss" };
	const char *const values[] = { code, state, cfg->issuer };

	oauth_redirect(req, redirect_uri, names, values, 3);
}

int
sg_oauth_basic(const struct sg_request *req, char **id, char **secret)
{
	const char	*h, *colon;
	unsigned char	*raw = NULL;
	size_t		 rawlen, idlen, seclen;
	int		 rc = -1;

	*id = *secret = NULL;
	if ((h = sg_request_env(req, "HTTP_AUTHORIZATION")) == NULL)
		return 0;
	/* RFC 7617 §2: the scheme is case-insensitive. */
	if (strncasecmp(h, "Basic ", 6) != 0)
		return 0;
	h += 6;
	while (*h == ' ')
		h++;
	if (strlen(h) > SG_MAX_HEADER ||
	    (raw = sg_b64_decode(h, strlen(h), &rawlen)) == NULL)
		goto out;
	if ((colon = memchr(raw, ':', rawlen)) == NULL)
		goto out;
	*id = sg_form_decode((const char *)raw, (size_t)(colon - (char *)raw),
	    1, SG_MAX_PARAM_VALUE, &idlen);
	*secret = sg_form_decode(colon + 1, rawlen - (size_t)(colon + 1 -
	    (char *)raw), 1, SG_MAX_PARAM_VALUE, &seclen);
	if (*id == NULL || *secret == NULL || idlen == 0)
		goto out;
	rc = 1;
out:
	if (rc != 1) {
		free(*id);
		sg_free_secret(*secret);
		*id = *secret = NULL;
	}
	if (raw != NULL) {
		OPENSSL_cleanse(raw, rawlen);
		free(raw);
	}
	return rc;
}

char *
sg_oauth_basic_header(const char *id, const char *secret)
{
	char	*e_id, *e_sec, *cred, *b64, *line;
	size_t	 n;

	/* RFC 6749 §2.3.1: each form-encoded, joined by ':', base64. */
	e_id = sg_url_encode(id);
	e_sec = sg_url_encode(secret);
	n = strlen(e_id) + 1 + strlen(e_sec) + 1;
	cred = sg_xmalloc(n);
	snprintf(cred, n, "%s:%s", e_id, e_sec);
	b64 = sg_b64_encode(cred, strlen(cred));
	n = sizeof("Authorization: Basic ") + strlen(b64);
	line = sg_xmalloc(n);
	snprintf(line, n, "Authorization: Basic %s", b64);
	free(e_id);
	sg_free_secret(e_sec);
	sg_free_secret(cred);
	sg_free_secret(b64);
	return line;
}
