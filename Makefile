# smartgate — one Makefile, explicit file lists, no recursive make.
#
#   make            build programs and tools into build/
#   make check      install what is missing, build, run every test suite
#   make demo       install what is missing, build, run the demo on loopback
#   make install    PREFIX, DESTDIR honoured
#   make deb        a Debian package (tools/mkdeb.sh, packaging/deb/)
#   make fuzz       long fuzzing with libFuzzer (clang)
#   make bench      benchmarks
#
# Options: SANITIZE=1 (ASan+UBSan), WERROR=1, VALGRIND=1 (unit tests and
# CGI tests under valgrind).

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
LIBEXECDIR	?= $(PREFIX)/lib/smartgate
DATADIR		?= $(PREFIX)/share/smartgate
SYSCONFDIR	?= $(PREFIX)/etc
# The configuration the programs read when neither $$SMARTGATE_CONF nor
# ../etc/smartgate.conf beside them names one (src/config.h).
SG_CONF_DEFAULT	?= $(SYSCONFDIR)/smartgate/smartgate.conf
VERSION		?= 0.1.0

CC		?= cc
CFLAGS		?= -O2 -g
B		 = build

PKGS		 = fcgi libcurl json-c openssl lmdb hiredis
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcurl: its header only; src/http.c loads it with dlopen() on the first
# upstream call, so a plain-CGI start that calls nothing upstream does
# not map its dependency tree (docs/PERFORMANCE.md "Plain CGI").
PKG_LIBS	:= $(shell pkg-config --libs $(filter-out libcurl,$(PKGS)) 2>/dev/null)
CHECK_CFLAGS	:= $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS	:= $(shell pkg-config --libs check 2>/dev/null)
# ClearSilver has no .pc file and only static libraries (docs/DESIGN.md).
CS_CFLAGS	 = -I/usr/include/ClearSilver
CS_LIBS		 = -lneo_cgi -lneo_cs -lneo_utl -lz

WARN		 = -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 \
		   -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
		   -Wcast-qual -Wwrite-strings -Wvla -Wundef -Wnull-dereference \
		   -Wimplicit-fallthrough
ifeq ($(WERROR),1)
WARN		+= -Werror
endif
SAN		 =
ifeq ($(SANITIZE),1)
SAN		 = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		   -fno-omit-frame-pointer
endif

ALL_CPPFLAGS	 = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -iquote src \
		   $(PKG_CFLAGS) $(CS_CFLAGS) $(CPPFLAGS)
ALL_CFLAGS	 = $(WARN) $(SAN) $(CFLAGS)
ALL_LDFLAGS	 = $(SAN) $(LDFLAGS)
LIBS		 = $(PKG_LIBS) $(CS_LIBS)

# The shared library every program stands on.
LIB_SRC		 = \
		   src/b64.c \
		   src/bundle.c \
		   src/clientauth.c \
		   src/clients.c \
		   src/config.c \
		   src/context.c \
		   src/cookie.c \
		   src/discovery.c \
		   src/fhirdefs.c \
		   src/fhirreq.c \
		   src/file.c \
		   src/form.c \
		   src/grant.c \
		   src/http.c \
		   src/identity.c \
		   src/json.c \
		   src/jwk.c \
		   src/jwkscache.c \
		   src/jwt.c \
		   src/keys.c \
		   src/ledger.c \
		   src/ledger_redis.c \
		   src/log.c \
		   src/mem.c \
		   src/oauth.c \
		   src/oidc.c \
		   src/policy.c \
		   src/proc.c \
		   src/request.c \
		   src/resource.c \
		   src/response.c \
		   src/scope.c \
		   src/seal.c \
		   src/session.c \
		   src/status.c \
		   src/tmpl.c \
		   src/txn.c \
		   src/upauth.c \
		   src/url.c \
		   # end
LIB_OBJ		 = $(LIB_SRC:%.c=$(B)/%.o)
LIB		 = $(B)/libsmartgate.a

PROGRAMS	 = \
		   $(B)/cgi-bin/authorize \
		   $(B)/cgi-bin/callback \
		   $(B)/cgi-bin/consent \
		   $(B)/cgi-bin/fhir-proxy \
		   $(B)/cgi-bin/introspect \
		   $(B)/cgi-bin/launch \
		   $(B)/cgi-bin/manage \
		   $(B)/cgi-bin/metadata \
		   $(B)/cgi-bin/revoke \
		   $(B)/cgi-bin/token \
		   # end
TOOLS		 = \
		   $(B)/tools/smartgate-check \
		   $(B)/tools/smartgate-client \
		   $(B)/tools/smartgate-fcgi \
		   $(B)/tools/smartgate-keygen \
		   $(B)/tools/smartgate-launch \
		   $(B)/tools/smartgate-revoke \
		   # end

UNIT_TESTS	 = \
		   $(B)/tests/unit/test_b64 \
		   $(B)/tests/unit/test_bundle \
		   $(B)/tests/unit/test_clientauth \
		   $(B)/tests/unit/test_clients \
		   $(B)/tests/unit/test_config \
		   $(B)/tests/unit/test_context \
		   $(B)/tests/unit/test_cookie \
		   $(B)/tests/unit/test_discovery \
		   $(B)/tests/unit/test_fhirdefs \
		   $(B)/tests/unit/test_fhirreq \
		   $(B)/tests/unit/test_file \
		   $(B)/tests/unit/test_form \
		   $(B)/tests/unit/test_grant \
		   $(B)/tests/unit/test_http \
		   $(B)/tests/unit/test_identity \
		   $(B)/tests/unit/test_json \
		   $(B)/tests/unit/test_jwk \
		   $(B)/tests/unit/test_jwkscache \
		   $(B)/tests/unit/test_jwt \
		   $(B)/tests/unit/test_keys \
		   $(B)/tests/unit/test_ledger \
		   $(B)/tests/unit/test_log \
		   $(B)/tests/unit/test_mem \
		   $(B)/tests/unit/test_oauth \
		   $(B)/tests/unit/test_oidc \
		   $(B)/tests/unit/test_policy \
		   $(B)/tests/unit/test_proc \
		   $(B)/tests/unit/test_request \
		   $(B)/tests/unit/test_resource \
		   $(B)/tests/unit/test_response \
		   $(B)/tests/unit/test_scope \
		   $(B)/tests/unit/test_seal \
		   $(B)/tests/unit/test_session \
		   $(B)/tests/unit/test_status \
		   $(B)/tests/unit/test_tmpl \
		   $(B)/tests/unit/test_txn \
		   $(B)/tests/unit/test_url \
		   # end

# Fuzz targets: tests/fuzz/fuzz_NAME.c with a corpus in tests/fuzz/corpus/NAME/.
FUZZ_NAMES	 = \
		   b64 \
		   bundle \
		   capability \
		   clients \
		   config \
		   fhirreq \
		   form \
		   headers \
		   jwt \
		   jwk \
		   scope \
		   seal \
		   url \
		   # end
FUZZ_REPLAY	 = $(FUZZ_NAMES:%=$(B)/tests/fuzz/replay_%)
FUZZ_LIBFUZZER	 = $(FUZZ_NAMES:%=$(B)/fuzz/fuzz_%)

TEMPLATES	 = templates/consent.cs templates/error.cs templates/layout.cs \
		   templates/manage.cs
STATIC		 = static/smartgate.css
APACHE		 = apache/smartgate.conf apache/smartgate.conf.example \
		   apache/smartgate-proxy-fcgi.conf
# systemd units for mod_proxy_fcgi; install puts the paths in.
SYSTEMD_UNITS	 = apache/systemd/smartgate-fcgi@.service \
		   apache/systemd/smartgate-fcgi@.socket

.SECONDARY:

# The Node.js that tools/deps.sh installs when the system's is too old for
# the test peers (Debian 12 has 18) comes first; tools/node-env.sh does the
# same for the scripts run by hand.
export PATH	:= $(CURDIR)/tools/node/bin:$(PATH)

.PHONY: all check check-unit check-fuzz check-cgi check-integration demo \
	deps install uninstall clean fuzz bench peers fhirdefs install-cgi deb check-deb

all: $(PROGRAMS) $(TOOLS)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/src/config.o: ALL_CPPFLAGS += -DSG_CONF_DEFAULT='"$(SG_CONF_DEFAULT)"'

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(B)/cgi-bin/%: $(B)/cgi-bin/%.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LIBS)

$(B)/tools/%: $(B)/tools/%.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LIBS)

$(B)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(CHECK_CFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/unit/test_%: $(B)/tests/unit/test_%.o $(B)/tests/unit/testlib.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(B)/tests/unit/testlib.o $(LIB) $(LIBS) $(CHECK_LIBS)

$(B)/tests/fuzz/replay_%: $(B)/tests/fuzz/fuzz_%.o $(B)/tests/fuzz/replay.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(B)/tests/fuzz/replay.o $(LIB) $(LIBS)

# libFuzzer builds (clang), for `make fuzz` only.
FUZZ_CC		?= clang
FUZZ_FLAGS	 = -g -O1 -fsanitize=fuzzer,address,undefined
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRC)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(ALL_CPPFLAGS) -std=c11 $(FUZZ_FLAGS) -o $@ $< $(LIB_SRC) $(LIBS)

FUZZ_TIME	?= 60
fuzz: $(FUZZ_LIBFUZZER)
	@B=$(B) FUZZ_TIME=$(FUZZ_TIME) bash tools/fuzz.sh $(FUZZ_NAMES)

deps:
	@bash tools/deps.sh --all

peers:
	@bash tools/deps.sh --peers

# The FHIR R4 tables (fhirdefs.h), from the definitions the test peers carry.
fhirdefs: peers
	node tools/gen-fhirdefs.mjs > src/fhirdefs.c.new && mv src/fhirdefs.c.new src/fhirdefs.c

# Under the sanitizers the programs cannot also run under valgrind.
CHECK_ENV	 = B=$(B) SANITIZE=$(SANITIZE) NO_VALGRIND=$(if $(filter 1,$(SANITIZE)),1,$(NO_VALGRIND))

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_TESTS) $(FUZZ_REPLAY)
	@$(CHECK_ENV) bash tests/run-all.sh

check-unit: $(UNIT_TESTS)
	@$(CHECK_ENV) bash tests/run-all.sh unit
check-fuzz: $(FUZZ_REPLAY)
	@$(CHECK_ENV) bash tests/run-all.sh fuzz
check-cgi: all
	@$(CHECK_ENV) bash tests/run-all.sh cgi
check-integration: all
	@$(CHECK_ENV) bash tests/run-all.sh integration hosting
check-deb:
	@$(CHECK_ENV) bash tests/run-all.sh deb

DEMO_PORT	?= 8080
demo: deps
	@$(MAKE) --no-print-directory all
	@DEMO_PORT=$(DEMO_PORT) node tests/harness/demo.mjs

bench: all
	@bash bench/run.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(DATADIR)/static \
	    $(DESTDIR)$(DATADIR)/apache
	install -m 755 $(PROGRAMS) $(DESTDIR)$(LIBEXECDIR)/
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(TEMPLATES) $(DESTDIR)$(DATADIR)/templates/
	install -m 644 $(STATIC) $(DESTDIR)$(DATADIR)/static/
	install -m 644 $(APACHE) $(DESTDIR)$(DATADIR)/apache/
	install -d $(DESTDIR)$(DATADIR)/apache/systemd
	for u in $(SYSTEMD_UNITS); do \
	    sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' \
	    $$u > $(DESTDIR)$(DATADIR)/apache/systemd/$${u##*/} && \
	    chmod 644 $(DESTDIR)$(DATADIR)/apache/systemd/$${u##*/} || exit 1; \
	done

# Shared hosting (docs/RECIPE-shared-hosting.md): the whole site in one
# folder of the account, installed without root.  HANDLER=fcgid-script
# where the host offers mod_fcgid.  Never touches an existing
# etc/smartgate.conf, keys or ledger.
HANDLER		?= cgi-script
HOSTING		 = apache/hosting
install-cgi: all
	@test -n "$(DEST)" || { echo "usage: make install-cgi" \
	    "DEST=~/public_html/smart [HANDLER=fcgid-script]" >&2; exit 2; }
	@case "$(HANDLER)" in cgi-script|fcgid-script) ;; *) echo \
	    "install-cgi: HANDLER is cgi-script or fcgid-script" >&2; exit 2;; esac
	install -d -m 755 $(DEST) $(DEST)/cgi-bin $(DEST)/static \
	    $(DEST)/templates $(DEST)/bin
	install -d -m 700 $(DEST)/etc $(DEST)/keys $(DEST)/ledger
	install -m 755 $(PROGRAMS) $(DEST)/cgi-bin/
	install -m 755 $(TOOLS) $(DEST)/bin/
	install -m 644 $(TEMPLATES) $(DEST)/templates/
	install -m 644 $(STATIC) $(DEST)/static/
	install -m 644 $(HOSTING)/htaccess $(DEST)/.htaccess
	sed 's/@HANDLER@/$(HANDLER)/' $(HOSTING)/htaccess-cgi-bin \
	    > $(DEST)/cgi-bin/.htaccess
	chmod 644 $(DEST)/cgi-bin/.htaccess
	for d in etc keys ledger templates bin; do \
	    install -m 644 $(HOSTING)/htaccess-deny $(DEST)/$$d/.htaccess; done

# The Debian package, built in $(B)/deb with Debian's hardening flags.
deb:
	@B=$(B) VERSION=$(VERSION) bash tools/mkdeb.sh

uninstall:
	rm -f $(PROGRAMS:$(B)/cgi-bin/%=$(DESTDIR)$(LIBEXECDIR)/%)
	rm -f $(TOOLS:$(B)/tools/%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(TEMPLATES:%=$(DESTDIR)$(DATADIR)/%)
	rm -f $(STATIC:%=$(DESTDIR)$(DATADIR)/%)
	rm -f $(APACHE:%=$(DESTDIR)$(DATADIR)/%)
	rm -f $(SYSTEMD_UNITS:%=$(DESTDIR)$(DATADIR)/%)
	-rmdir $(DESTDIR)$(DATADIR)/apache/systemd
	-rmdir $(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(DATADIR)/static \
	    $(DESTDIR)$(DATADIR)/apache $(DESTDIR)$(DATADIR) \
	    $(DESTDIR)$(LIBEXECDIR)

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
