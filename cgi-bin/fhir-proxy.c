/* fhir-proxy: placeholder until the proxy lands. */
#include <string.h>

#include "proc.h"
#include "request.h"
#include "response.h"

static enum sg_status
handle(struct sg_request *req, void *arg, struct sg_form *form,
    struct sg_reply *r)
{
	(void)req; (void)arg; (void)form; (void)r;
	return SG_E_NOT_FOUND;
}

static const struct sg_endpoint endpoint = {
	.methods = "GET, HEAD, POST, PUT, PATCH, DELETE",
	.shape = SG_SHAPE_FHIR,
	.handler = handle,
};

int
main(void)
{
	struct sg_proc	 p;
	int		 rc = 1;

	memset(&p, 0, sizeof(p));
	if (sg_proc_load(&p, "fhir-proxy", 0) == -1)
		return 1;
	if (sg_proc_serve(&p, &endpoint, NULL) == 0)
		rc = 0;
	sg_proc_free(&p);
	return rc;
}
