/*
 * Untrusted JSON in, members of our own sealed JSON (json.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json.h"
#include "bounds.h"
#include "mem.h"

json_object *
sg_json_object(const char *buf, size_t len)
{
	return sg_json_value(buf, len, json_type_object);
}

json_object *
sg_json_value(const char *buf, size_t len, json_type type)
{
	json_tokener	*tok;
	json_object	*obj;
	size_t		 end;

	if (buf == NULL || len == 0 || len > INT32_MAX ||
	    memchr(buf, '\0', len) != NULL)
		return NULL;
	if ((tok = json_tokener_new_ex(SG_MAX_JSON_DEPTH)) == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	if (obj == NULL ||
	    json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(obj, type))
		goto bad;
	/* RFC 8259 §2: white space may follow the value, nothing else. */
	for (end = json_tokener_get_parse_end(tok); end < len; end++)
		if (buf[end] != ' ' && buf[end] != '\t' &&
		    buf[end] != '\r' && buf[end] != '\n')
			goto bad;
	json_tokener_free(tok);
	return obj;
bad:
	json_object_put(obj);
	json_tokener_free(tok);
	return NULL;
}

const char *
sg_json_str(json_object *obj, const char *name)
{
	json_object	*v;

	if (!json_object_object_get_ex(obj, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int
sg_json_str_in(json_object *v, const char *want)
{
	json_object	*m;
	size_t		 i, n;

	if (json_object_is_type(v, json_type_string))
		return strcmp(json_object_get_string(v), want) == 0;
	if (!json_object_is_type(v, json_type_array))
		return 0;
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(v, i);
		if (json_object_is_type(m, json_type_string) &&
		    strcmp(json_object_get_string(m), want) == 0)
			return 1;
	}
	return 0;
}

void
sg_json_put_str(json_object *obj, const char *name, const char *v)
{
	if (v != NULL)
		json_object_object_add(obj, name, json_object_new_string(v));
}

int
sg_json_get_str(json_object *obj, const char *name, char **out)
{
	json_object	*v;

	*out = NULL;
	if (!json_object_object_get_ex(obj, name, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*out = sg_xstrdup(json_object_get_string(v));
	return 0;
}

int
sg_json_get_time(json_object *obj, const char *name, time_t *out)
{
	json_object	*v;

	*out = 0;
	if (!json_object_object_get_ex(obj, name, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	*out = (time_t)json_object_get_int64(v);
	return 0;
}

int
sg_json_get_fixed(json_object *obj, const char *name, char *out, size_t want)
{
	json_object	*v;

	if (!json_object_object_get_ex(obj, name, &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    (size_t)json_object_get_string_len(v) != want)
		return -1;
	memcpy(out, json_object_get_string(v), want + 1);
	return 0;
}
