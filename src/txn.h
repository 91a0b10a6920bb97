/*
 * The transaction cookie (docs/DESIGN.md "Artifacts"): compact JSON
 * with short member names, sealed, so that nothing about an
 * authorization in progress is stored on the server.
 */
#ifndef SG_TXN_H
#define SG_TXN_H

#include <time.h>

#include "context.h"
#include "seal.h"

/*
 * The transaction: one authorization in progress, kept in the browser
 * in a sealed cookie (SG_PURPOSE_TRANSACTION) from authorize through
 * the login at the identity provider to the consent page.
 */
enum sg_txn_stage { SG_TXN_LOGIN = 1, SG_TXN_CONSENT = 2 };

struct sg_txn {
	enum sg_txn_stage stage;
	char		*client_id;
	char		*redirect_uri;	/* exactly as registered and sent */
	char		*state;		/* the app's */
	char		*scope;		/* requested and allowed for the client */
	char		*code_challenge; /* the app's, S256 */
	char		*nonce;		/* the app's OIDC nonce, or NULL */
	struct sg_context ctx;		/* from an EHR launch */
	char		 idp_state[23];	/* ours at the identity provider */
	char		 idp_nonce[23];
	char		 idp_verifier[44]; /* PKCE verifier at the IdP */
	char		 csrf[23];	/* consent form token */
	/* Once logged in: */
	char		*sub;
	char		*name;
	char		*fhir_user;
	time_t		 auth_time;
};

/* A new transaction's random values (IdP state, nonce, verifier, CSRF). */
void	sg_txn_init(struct sg_txn *t);
/* Frees and wipes what t holds. */
void	sg_txn_clear(struct sg_txn *t);
/* Sealed text for the cookie (caller frees). */
char	*sg_txn_seal(const struct sg_keys *keys, const struct sg_txn *t,
	    time_t expiry);
/* Opens the cookie; on SG_SEAL_OK fills t (clear with sg_txn_clear). */
enum sg_seal_result sg_txn_open(const struct sg_keys *keys, time_t now,
	    const char *text, struct sg_txn *t);

#endif
