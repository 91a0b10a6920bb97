/*
 * The least memory a process can hold that does what every smartgate
 * program does before its first request: OpenSSL initialised, the
 * AES-256-GCM cipher fetched (the sealing keys), and Debian's libcurl
 * loaded and initialised the way src/http.c does it.  Prints VmRSS and
 * RssAnon in kB; bench/proxy.mjs puts it beside the proxy's own figure
 * (docs/PERFORMANCE.md "FHIR proxy").  Run with GNUTLS_NO_IMPLICIT_INIT=1,
 * as the drop-ins run the programs.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#define CURL_GLOBAL_DEFAULT	3L	/* curl/curl.h: SSL | WIN32 */

static void
show(const char *what)
{
	char	 line[256];
	FILE	*f;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0 ||
		    strncmp(line, "RssAnon:", 8) == 0)
			printf("%s %s", what, line);
	fclose(f);
}

int
main(void)
{
	EVP_CIPHER	*c;
	void		*lib, *sym;
	long		(*global_init)(long);

	show("start");
	if ((c = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)) == NULL)
		return 1;
	show("openssl");
	if ((lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL)) == NULL ||
	    (sym = dlsym(lib, "curl_global_init")) == NULL)
		return 1;
	memcpy(&global_init, &sym, sizeof(global_init));
	if (global_init(CURL_GLOBAL_DEFAULT) != 0)
		return 1;
	show("libcurl");
	EVP_CIPHER_free(c);
	return 0;
}
