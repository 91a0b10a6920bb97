/*
 * Untrusted JSON in (json-c): JWT segments, JWK sets, the identity
 * provider's documents.  JSON out is built with json-c directly.
 */
#ifndef SG_JSON_H
#define SG_JSON_H

#include <stddef.h>

#include <json-c/json.h>

/*
 * Parses exactly len bytes of untrusted JSON (RFC 8259) that must be
 * an object, with the depth limit SG_MAX_JSON_DEPTH, refusing NUL
 * bytes, trailing bytes other than white space and json-c's
 * non-standard extensions.  Returns a new object (caller puts), or
 * NULL (also for buf NULL, len 0, or another type of value).
 */
json_object *sg_json_object(const char *buf, size_t len);

/* The string member name of obj, or NULL when absent or not a string. */
const char *sg_json_str(json_object *obj, const char *name);

/*
 * 1 when v is the string want, or an array holding it among its
 * members (JWT "aud", RFC 7519 §4.1.3); 0 otherwise, also for v NULL.
 */
int	sg_json_str_in(json_object *v, const char *want);

#endif
