#!/bin/bash
# make deb: a Debian package of smartgate, built without debian/rules.
#
#   B=build VERSION=0.1.0 bash tools/mkdeb.sh
#
# Builds the programs with Debian's hardening flags (dpkg-buildflags) in
# $B/deb/build, installs them with `make install PREFIX=/usr` into a
# staging tree in the FHS layout (programs in /usr/lib/smartgate, tools in
# /usr/bin, templates, static files and the Apache drop-in in
# /usr/share/smartgate), adds what packaging/deb/ holds (the conffiles
# /etc/smartgate/smartgate.conf and /etc/apache2/conf-available/
# smartgate.conf, the maintainer scripts, copyright, changelog, lintian
# overrides), computes Depends with dpkg-shlibdeps and writes
# $B/smartgate_<version>_<arch>.deb with dpkg-deb.  Prints its path.
set -eu -o pipefail
umask 022

ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$ROOT/$B ;; esac
VERSION=${VERSION:-0.1.0}
DEB_VERSION=${DEB_VERSION:-$VERSION-1}
ARCH=$(dpkg --print-architecture)
PKG=$ROOT/packaging/deb
WORK=$B/deb
STAGE=$WORK/debian/smartgate	# where dpkg-shlibdeps expects it
DEB=$B/smartgate_${DEB_VERSION}_$ARCH.deb

# Maintainer and date from the last commit: the same tree gives the same
# control file and changelog.
MAINTAINER=${DEB_MAINTAINER:-$(git -C "$ROOT" log -1 --format='%an <%ae>' 2>/dev/null || true)}
MAINTAINER=${MAINTAINER:-smartgate maintainers <root@localhost>}
DATE=$(git -C "$ROOT" log -1 --format=%aD 2>/dev/null || date -R)

rm -rf "$STAGE" "$B"/smartgate_*.deb
mkdir -p "$STAGE"

# Debian's build flags, all hardening on (PIE, bindnow, fortify, stack
# protector, relro); lintian checks for them.  Not the sanitizers.
eval "$(cd "$ROOT" && DEB_BUILD_MAINT_OPTIONS=hardening=+all \
    dpkg-buildflags --export=sh)"
# SYSCONFDIR and LOCALSTATEDIR (the GNU names for /etc and /var) for any
# path compiled into the programs.
make -C "$ROOT" --no-print-directory -s -j"$(nproc)" install \
    B="$WORK/build" SANITIZE= CFLAGS="$CFLAGS" CPPFLAGS="$CPPFLAGS" \
    LDFLAGS="$LDFLAGS" DESTDIR="$STAGE" PREFIX=/usr \
    LIBEXECDIR=/usr/lib/smartgate DATADIR=/usr/share/smartgate \
    SYSCONFDIR=/etc LOCALSTATEDIR=/var >&2

# Debug symbols stay in the build folder (like dh_strip without -dbgsym).
for f in "$STAGE"/usr/lib/smartgate/* "$STAGE"/usr/bin/*; do
	strip --strip-unneeded --remove-section=.comment \
	    --remove-section=.note "$f"
done

install -D -m 644 "$PKG/smartgate.conf" "$STAGE/etc/smartgate/smartgate.conf"
install -D -m 644 "$PKG/apache-smartgate.conf" \
    "$STAGE/etc/apache2/conf-available/smartgate.conf"
install -D -m 644 "$PKG/lintian-overrides" \
    "$STAGE/usr/share/lintian/overrides/smartgate"
doc=$STAGE/usr/share/doc/smartgate
install -d "$doc"
{
	cat "$PKG/copyright"
	if [ -r /usr/share/doc/clearsilver-dev/copyright ]; then
		printf '\n----- clearsilver-dev -----\n\n'
		cat /usr/share/doc/clearsilver-dev/copyright
	fi
} >"$doc/copyright"
sed -e "s/@VERSION@/$DEB_VERSION/" -e "s|@MAINTAINER@|$MAINTAINER|" \
    -e "s/@DATE@/$DATE/" "$PKG/changelog" | gzip -9n >"$doc/changelog.Debian.gz"
gzip -9n <"$ROOT/README.md" >"$doc/README.md.gz"
chmod 644 "$doc"/*

# Depends: the shared libraries the programs use, by their packages
# (dpkg-shlibdeps knows a package's tree by its DEBIAN folder); libcurl,
# which http.c opens with dlopen, is named in the control file itself.
install -d -m 755 "$STAGE/DEBIAN"
printf 'Source: smartgate\n\nPackage: smartgate\nArchitecture: any\n' \
    >"$WORK/debian/control"
shlibs=$(cd "$WORK" && dpkg-shlibdeps -O \
    debian/smartgate/usr/lib/smartgate/* debian/smartgate/usr/bin/* |
    sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "mkdeb: dpkg-shlibdeps found nothing" >&2; exit 1; }

size=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$DEB_VERSION/" -e "s/@ARCH@/$ARCH/" \
    -e "s|@MAINTAINER@|$MAINTAINER|" -e "s/@SIZE@/$size/" \
    -e "s/@SHLIBS@/$shlibs/" "$PKG/control" >"$STAGE/DEBIAN/control"
install -m 644 "$PKG/conffiles" "$STAGE/DEBIAN/conffiles"
install -m 755 "$PKG/postinst" "$PKG/postrm" "$STAGE/DEBIAN/"
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o \
    -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) \
    >"$STAGE/DEBIAN/md5sums"
chmod 644 "$STAGE/DEBIAN/md5sums"

dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$DEB" >&2
echo "$DEB"
