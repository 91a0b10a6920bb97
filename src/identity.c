/*
 * FHIR identities of users.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bounds.h"
#include "file.h"
#include "identity.h"
#include "json.h"
#include "mem.h"

struct sg_identity {
	json_object	*map;		/* NULL: no mapping file */
	char		*bases[2];	/* our FHIR base, the upstream's; or NULL */
};

static const char *const identity_types[] = {
	"Patient", "Practitioner", "PractitionerRole", "RelatedPerson",
	"Person",
};

/* FHIR R4 "id": [A-Za-z0-9\-\.]{1,64}, less the dot-segments. */
int
sg_identity_id_ok(const char *s)
{
	size_t	 i;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= SG_MAX_FHIR_ID ||
		    !((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.'))
			return 0;
	return i >= 1 && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* The n bytes at s are a resource type name: [A-Z][A-Za-z]{0,63}. */
static int
type_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n < 1 || n > SG_MAX_FHIR_ID || s[0] < 'A' || s[0] > 'Z')
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z')))
			return 0;
	return 1;
}

int
sg_identity_type_ok(const char *type)
{
	return type != NULL && type_ok(type, strlen(type));
}

int
sg_identity_resource_ref_ok(const char *ref)
{
	const char	*slash;

	if (ref == NULL || (slash = strchr(ref, '/')) == NULL)
		return 0;
	return type_ok(ref, (size_t)(slash - ref)) &&
	    sg_identity_id_ok(slash + 1);
}

int
sg_identity_ref_ok(const char *ref)
{
	const char	*slash;
	size_t		 i, n;

	if (ref == NULL || (slash = strchr(ref, '/')) == NULL)
		return 0;
	n = (size_t)(slash - ref);
	for (i = 0; i < sizeof(identity_types) / sizeof(identity_types[0]); i++)
		if (strlen(identity_types[i]) == n &&
		    strncmp(ref, identity_types[i], n) == 0)
			return sg_identity_id_ok(slash + 1);
	return 0;
}

int
sg_identity_check_id(const char *v, size_t len)
{
	return len <= SG_MAX_FHIR_ID && sg_identity_id_ok(v);
}

const char *
sg_identity_patient(const char *ref)
{
	if (ref != NULL && strncmp(ref, "Patient/", 8) == 0)
		return ref + 8;
	return NULL;
}

/*
 * "Type/id" from "Type/id" or "{base}/Type/id" with one of our two
 * bases; NULL if neither.  An absolute reference is resolved against
 * the server it names (FHIR R4 References §2.3.0.1): Practitioner/1 on
 * another server is not our Practitioner/1.
 */
static char *
identity_normalise(const struct sg_identity *id, const char *v)
{
	size_t	 i, n;

	if (v == NULL || strlen(v) > SG_MAX_PARAM_VALUE)
		return NULL;
	if (sg_identity_ref_ok(v))
		return sg_xstrdup(v);
	for (i = 0; id != NULL && i < 2; i++) {
		if (id->bases[i] == NULL)
			continue;
		n = strlen(id->bases[i]);
		if (strncmp(v, id->bases[i], n) == 0 && v[n] == '/' &&
		    sg_identity_ref_ok(v + n + 1))
			return sg_xstrdup(v + n + 1);
	}
	return NULL;
}

/* A copy of base without a trailing '/', or NULL. */
static char *
identity_base(const char *base)
{
	char	*b;
	size_t	 n;

	if (base == NULL || *base == '\0')
		return NULL;
	b = sg_xstrdup(base);
	if ((n = strlen(b)) > 0 && b[n - 1] == '/')
		b[n - 1] = '\0';
	return b;
}

struct sg_identity *
sg_identity_load(const char *path, const char *fhir_base,
    const char *upstream_fhir, char *err, size_t errlen)
{
	struct sg_identity		*id = sg_xcalloc(1, sizeof(*id));
	struct json_object_iterator	 it, end;
	json_object			*v;
	char				*text = NULL;
	size_t				 len = 0;

	id->bases[0] = identity_base(fhir_base);
	id->bases[1] = identity_base(upstream_fhir);
	if (path == NULL)
		return id;
	if (sg_file_read(path, SG_MAX_CLIENTS_FILE, 0, NULL, &text, &len,
	    err, errlen) == -1)
		goto fail;
	if ((id->map = sg_json_object(text, len)) == NULL) {
		snprintf(err, errlen, "%s: not a JSON object", path);
		goto fail;
	}
	it = json_object_iter_begin(id->map);
	end = json_object_iter_end(id->map);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		v = json_object_iter_peek_value(&it);
		if (!json_object_is_type(v, json_type_string) ||
		    !sg_identity_ref_ok(json_object_get_string(v))) {
			snprintf(err, errlen, "%s: \"%s\": not a FHIR "
			    "reference such as Patient/123", path,
			    json_object_iter_peek_name(&it));
			goto fail;
		}
	}
	free(text);
	return id;
fail:
	free(text);
	sg_identity_free(id);
	return NULL;
}

void
sg_identity_free(struct sg_identity *id)
{
	if (id == NULL)
		return;
	json_object_put(id->map);
	free(id->bases[0]);
	free(id->bases[1]);
	free(id);
}

char *
sg_identity_fhir_user(const struct sg_identity *id, const char *user,
    const char *claim)
{
	json_object	*v;

	/* The administrator's map decides over a claim users may edit. */
	if (id != NULL && id->map != NULL && user != NULL &&
	    json_object_object_get_ex(id->map, user, &v))
		return sg_xstrdup(json_object_get_string(v));
	return identity_normalise(id, claim);
}
