#!/bin/sh
# Removes what install.sh put in a prefix, by its list of files:
#   ./uninstall.sh                  from ~/.local (as root: /usr/local)
#   ./uninstall.sh --prefix DIR     from DIR
# Folders it leaves empty are removed too; anything else in them stays.
set -eu
if [ "$(id -u)" -eq 0 ]; then prefix=/usr/local; else prefix="$HOME/.local"; fi
while [ $# -gt 0 ]; do
    case $1 in
    --prefix) [ $# -ge 2 ] || { echo "uninstall.sh: --prefix needs a folder" >&2; exit 2; }; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    -h|--help) sed -n '2,5s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "uninstall.sh: unknown argument '$1' (use --prefix DIR)" >&2; exit 2 ;;
    esac
done
case $prefix in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac
manifest="$prefix/share/herald/installed-files"
[ -f "$manifest" ] || { echo "uninstall.sh: no Herald installed in $prefix ($manifest is missing)" >&2; exit 1; }
n=0
while read -r f; do
    case $f in "$prefix"/*) ;; *) echo "uninstall.sh: $manifest lists $f, outside $prefix: left alone" >&2; continue ;; esac
    [ "$f" = "$manifest" ] && continue
    rm -f "$f" && n=$((n + 1))
    d=$(dirname "$f")
    while [ "$d" != "$prefix" ] && rmdir "$d" 2>/dev/null; do d=$(dirname "$d"); done
done <"$manifest"
rm -f "$manifest" "$prefix/share/herald/uninstall.sh"
d="$prefix/share/herald"
while [ "$d" != "$prefix" ] && rmdir "$d" 2>/dev/null; do d=$(dirname "$d"); done
command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$prefix/share/icons/hicolor/index.theme" ] && gtk-update-icon-cache -q "$prefix/share/icons/hicolor" 2>/dev/null || true
echo "Herald removed from $prefix ($n files)"
