/*
 * Untrusted JSON in (json-c): JWT segments, JWK sets, the identity
 * provider's documents.  JSON out is built with json-c directly; the
 * member helpers below serve the JSON we seal ourselves.
 */
#ifndef SG_JSON_H
#define SG_JSON_H

#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

/*
 * Parses exactly len bytes of untrusted JSON (RFC 8259) that must be
 * an object, with the depth limit SG_MAX_JSON_DEPTH, refusing NUL
 * bytes, trailing bytes other than white space and json-c's
 * non-standard extensions.  Returns a new object (caller puts), or
 * NULL (also for buf NULL, len 0, or another type of value).
 */
json_object *sg_json_object(const char *buf, size_t len);
/* The same for a value of the given type (an array: a JSON Patch). */
json_object *sg_json_value(const char *buf, size_t len, json_type type);

/* The string member name of obj, or NULL when absent or not a string. */
const char *sg_json_str(json_object *obj, const char *name);

/*
 * 1 when v is the string want, or an array holding it among its
 * members (JWT "aud", RFC 7519 §4.1.3); 0 otherwise, also for v NULL.
 */
int	sg_json_str_in(json_object *v, const char *want);

/*
 * Members of our own sealed JSON (seal.h "sg_seal_json"): the getters
 * treat an absent member and a JSON null alike, and refuse a member of
 * another type, so that nothing we did not seal is taken for a value.
 */

/* Adds the string member name = v to obj; nothing when v is NULL. */
void	sg_json_put_str(json_object *obj, const char *name, const char *v);

/*
 * Copies the string member name of obj into *out (caller frees), or
 * NULL when absent.  Returns 0, or -1 when present but not a string.
 */
int	sg_json_get_str(json_object *obj, const char *name, char **out);

/*
 * The integer member name of obj as a time into *out, 0 when absent.
 * Returns 0, or -1 when present but not an integer.
 */
int	sg_json_get_time(json_object *obj, const char *name, time_t *out);

/*
 * Copies the string member name of obj, which must be exactly want
 * characters, into out (room for want + 1).  Returns 0, or -1 when it
 * is absent, not a string or of another length.
 */
int	sg_json_get_fixed(json_object *obj, const char *name, char *out,
	    size_t want);

#endif
