#!/bin/sh
# Installs Herald from this folder (the portable archive) for one user or for the machine:
#   ./install.sh                    into ~/.local (as root: /usr/local)
#   ./install.sh --prefix DIR       into DIR (bin/, share/)
# It copies the binary, the menu entry, the icons, the AppStream file, the man page and the
# shell completions, points the menu entry at the installed binary, and records every file
# it wrote in PREFIX/share/herald/installed-files for uninstall.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -eq 0 ]; then prefix=/usr/local; else prefix="$HOME/.local"; fi
while [ $# -gt 0 ]; do
    case $1 in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a folder" >&2; exit 2; }; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    -h|--help) sed -n '2,7s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (use --prefix DIR)" >&2; exit 2 ;;
    esac
done
case $prefix in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac
case $prefix in *[\\\"\`\$\&\|]*) echo "install.sh: choose a prefix without \\, \", \`, \$, & or | (the menu entry could not name it)" >&2; exit 2 ;; esac
manifest="$prefix/share/herald/installed-files"
if [ -f "$manifest" ]; then
    "$here/uninstall.sh" --prefix "$prefix" >/dev/null
fi
mkdir -p "$prefix/share/herald"
: >"$manifest"
put() { # put SOURCE DEST MODE
    mkdir -p "$(dirname "$2")"
    cp "$1" "$2.tmp.$$" && chmod "$3" "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"
    echo "$2" >>"$manifest"
}
put "$here/herald" "$prefix/bin/herald" 755
(cd "$here/share" && find . -type f) | sort | while read -r f; do
    put "$here/share/$f" "$prefix/share/${f#./}" 644
done
put "$here/uninstall.sh" "$prefix/share/herald/uninstall.sh" 755
# The menu starts the binary by its full path, quoted as the Desktop Entry spec wants:
# ~/.local/bin is not on every session's PATH.
desktop="$prefix/share/applications/dev.herald.app.desktop"
sed -i "s|^Exec=herald\$|Exec=\"$prefix/bin/herald\"|; s|^TryExec=herald\$|TryExec=$prefix/bin/herald|" "$desktop"
echo "$manifest" >>"$manifest"
# Menus notice a new entry by themselves (update-desktop-database only matters for MimeType=,
# which Herald has none of); a theme with an icon cache needs it refreshed.
command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$prefix/share/icons/hicolor/index.theme" ] && gtk-update-icon-cache -q "$prefix/share/icons/hicolor" 2>/dev/null || true
echo "Herald $("$prefix/bin/herald" version --short) installed in $prefix ($(($(wc -l <"$manifest") - 1)) files; uninstall: $prefix/share/herald/uninstall.sh)"
case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "note: $prefix/bin is not on your PATH; the menu entry works all the same" ;; esac
