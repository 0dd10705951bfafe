#!/usr/bin/env bash
# Builds Herald's Linux packages from a desktop binary, with Debian's own tools (dpkg-deb,
# dpkg-shlibdeps) and ImageMagick for the icon sizes:
#
#   scripts/package.sh [deb|tar|all] [--bin PATH] [--unit FILE] [--out DIR]
#       deb: bin/dist/herald_VERSION_ARCH.deb (binary, menu entry, icons, AppStream file, man
#            page, bash/zsh/fish completions, herald.service disabled, /etc/herald/herald.conf)
#       tar: bin/dist/herald-VERSION-linux-ARCH.tar.xz, a folder with the same files and an
#            install.sh/uninstall.sh for ~/.local, /usr/local or any prefix
#       --bin: package this binary (default: build bin/herald with the version stamped in)
#   scripts/package.sh ldflags
#       prints the -ldflags that stamp version, commit and date into cli (the Makefile and
#       scripts/test.sh build with them, so the suite's binary is the one that gets packaged)
#
# A binary whose `herald version` says "dev" was built without those flags: it is refused.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

die() { echo "package.sh: $*" >&2; exit 1; }

ldflags() {
    local version commit="" date=""
    version=$(sed -n 's/^ *Version = "\(.*\)"/\1/p' FyneApp.toml)
    [ -n "$version" ] || die "no Version in FyneApp.toml's [Details]"
    if git rev-parse --git-dir >/dev/null 2>&1; then
        commit=$(git rev-parse --short=12 HEAD)
        [ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || commit="$commit-dirty"
        date=$(git log -1 --format=%cs HEAD)
    else
        date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%F)
    fi
    local p=github.com/heraldhq/herald/cli
    # -s -w: no symbol table and DWARF (13 MB less; stack traces still name every function).
    echo "-s -w -X $p.Version=$version -X $p.Commit=$commit -X $p.Date=$date"
}

what=all
case ${1:-} in
ldflags) ldflags; exit 0 ;;
deb | tar | all) what=$1; shift ;;
-h | --help) sed -n '2,17s/^# \{0,1\}//p' "$0"; exit 0 ;;
esac
bin="" unit=packaging/systemd/herald.service out=bin/dist
while [ $# -gt 0 ]; do
    case $1 in
    --bin) bin=$2; shift 2 ;;
    --unit) unit=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) die "unknown argument '$1' (see scripts/package.sh --help)" ;;
    esac
done
for tool in dpkg-deb dpkg-shlibdeps convert gzip xz; do
    command -v "$tool" >/dev/null || die "$tool is missing: run scripts/setup.sh (apt: dpkg-dev imagemagick xz-utils)"
done

if [ -z "$bin" ]; then
    bin=bin/herald
    echo "package.sh: building $bin"
    go build -ldflags "$(ldflags)" -o "$bin" .
fi
[ -x "$bin" ] || die "$bin is not an executable; build it with 'make build' or leave out --bin"
version=$("$bin" version --short) || die "$bin version failed"
case $version in
*dev* | "") die "$bin says its version is '$version': build it with -ldflags \"\$(scripts/package.sh ldflags)\" (make build does)" ;;
esac
grep -q "<release version=\"$version\"" packaging/linux/dev.herald.app.metainfo.xml ||
    die "packaging/linux/dev.herald.app.metainfo.xml has no <release version=\"$version\" date=\"YYYY-MM-DD\"/>: add one for this version"
arch=$(dpkg --print-architecture)
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# share/: what both packages install under their prefix (/usr or the archive's).
stage_share() { # stage_share DIR ZSHDIR
    local s=$1/share
    install -Dm644 packaging/linux/dev.herald.app.desktop "$s/applications/dev.herald.app.desktop"
    install -Dm644 packaging/linux/dev.herald.app.metainfo.xml "$s/metainfo/dev.herald.app.metainfo.xml"
    for n in 16 22 24 32 48 64 128 256; do
        mkdir -p "$s/icons/hicolor/${n}x$n/apps"
        convert assets/icon.png -resize "${n}x$n" -strip "PNG32:$s/icons/hicolor/${n}x$n/apps/dev.herald.app.png"
    done
    mkdir -p "$s/man/man1" "$s/bash-completion/completions" "$1/$2" "$s/fish/vendor_completions.d"
    "$bin" man >"$s/man/man1/herald.1"
    "$bin" completion bash >"$s/bash-completion/completions/herald"
    "$bin" completion zsh >"$1/$2/_herald"
    "$bin" completion fish >"$s/fish/vendor_completions.d/herald.fish"
    chmod 644 "$s/man/man1/herald.1" "$s/bash-completion/completions/herald" "$1/$2/_herald" "$s/fish/vendor_completions.d/herald.fish"
}

build_deb() {
    [ -f "$unit" ] || die "$unit is missing (the systemd unit; see packaging/systemd/)"
    if grep -q '^User=' "$unit"; then
        die "$unit runs as $(grep '^User=' "$unit"): packaging/deb/postinst creates no account (it expects DynamicUser=yes); make it create that user"
    fi
    local d=$work/deb
    install -Dm755 "$bin" "$d/usr/bin/herald"
    stage_share "$d/usr" share/zsh/vendor-completions
    gzip -9n "$d/usr/share/man/man1/herald.1"
    install -Dm644 "$unit" "$d/lib/systemd/system/herald.service"
    local conffiles=""
    if [ -f packaging/herald.conf ]; then
        install -Dm644 packaging/herald.conf "$d/etc/herald/herald.conf"
        conffiles=/etc/herald/herald.conf
    fi
    mkdir -p "$d/usr/share/doc/herald"
    cat >"$d/usr/share/doc/herald/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: herald
Source: https://github.com/heraldhq/herald
Comment: The source tree states no license (it has no LICENSE file); ask upstream before
 redistributing. The Go modules Herald links keep their own licenses (see go.mod).
EOF
    # Depends: the shared libraries the binary links (libGL, libX11, ... for Fyne's GLFW),
    # as dpkg-shlibdeps finds them from the installed packages' shlibs/symbols files.
    mkdir -p "$work/src/debian"
    printf 'Source: herald\n\nPackage: herald\nArchitecture: any\n' >"$work/src/debian/control"
    local depends
    depends=$(cd "$work/src" && dpkg-shlibdeps -O -e"$d/usr/bin/herald" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
    [ -n "$depends" ] || die "dpkg-shlibdeps found no dependencies for $bin (is it the desktop build? the headless one links nothing: package bin/herald, not herald-nogui)"
    mkdir -p "$d/DEBIAN"
    install -m755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$d/DEBIAN/"
    [ -z "$conffiles" ] || echo "$conffiles" >"$d/DEBIAN/conffiles"
    cat >"$d/DEBIAN/control" <<EOF
Package: herald
Version: $version
Architecture: $arch
Maintainer: The Herald developers <https://github.com/heraldhq/herald/issues>
Installed-Size: $(du -sk --exclude=DEBIAN "$d" | cut -f1)
Depends: $depends
Suggests: redis-server
Section: net
Priority: optional
Homepage: https://github.com/heraldhq/herald
Description: desktop app and hub for live Server-Sent Events streams
 Herald is a desktop app for live event streams over Server-Sent Events
 (SSE): a hub on the LAN that broadcasts events to teammates, browsers and
 any EventSource client; a reconnecting feed watcher; and a dashboard with a
 stock panel, an event log and native notifications, from a tray icon.
 .
 The same binary runs headless (herald serve, subscribe, publish, token); the
 package ships herald.service, disabled, to run the hub under systemd.
EOF
    local deb="$out/herald_${version}_$arch.deb"
    # xz -1: 10 % larger than -6 at a fifth of its time (the suite builds this every run).
    dpkg-deb --root-owner-group -Zxz -z1 --build "$d" "$deb" >/dev/null
    echo "$deb"
}

build_tar() {
    local name="herald-$version-linux-$arch" d
    d=$work/tar/$name
    install -Dm755 "$bin" "$d/herald"
    stage_share "$d" share/zsh/site-functions
    install -m755 packaging/portable/install.sh packaging/portable/uninstall.sh "$d/"
    cat >"$d/README" <<EOF
Herald $version for Linux ($arch), portable.

  ./install.sh                 install for you, in ~/.local (as root: in /usr/local)
  ./install.sh --prefix DIR    install in DIR/bin and DIR/share
  ./herald                     or run it from here, installing nothing

Uninstall with ./uninstall.sh (same --prefix), or PREFIX/share/herald/uninstall.sh.
It needs the OpenGL and X11 libraries every desktop has (libGL.so.1, libX11.so.6).
EOF
    local tarball="$out/$name.tar.xz"
    tar -C "$work/tar" --owner=0 --group=0 --numeric-owner --sort=name -c "$name" | xz -1 -T0 >"$tarball"
    echo "$tarball"
}

case $what in
deb) build_deb ;;
tar) build_tar ;;
all) build_deb && build_tar ;;
esac
