#!/bin/sh
# Onboarding for a fresh clone: find a Python >= 3.10, build every venv of the workspace with the vendored
# installdev (plugin/run_installdev.py installs installdev's own dependencies into a private cache
# directory on first use), and print the activate command of each venv.
#
#   scripts/bootstrap.sh [ROOT] [installdev bootstrap options: --jobs N, --only NAME, --fail-fast, --force, ...]
#
# ROOT holds the workspace table ([tool.installdev.workspace] in pyproject.toml or installdev.toml) and
# defaults to the repository root (the parent of this script's directory). $INSTALLDEV_PYTHON picks the
# interpreter; otherwise python3, then python3.13 ... python3.10 on PATH, then pyenv's.
# Exit status: installdev's (0 when every venv is ready; see `installdev install-dev --help`), or 9 when
# no usable Python is found.
set -eu

case "$0" in
    */*) script_dir=${0%/*} ;;
    *) script_dir=. ;;
esac
repo=$(CDPATH='' cd -- "$script_dir/.." && pwd)
plugin=${INSTALLDEV_PLUGIN_DIR:-$repo/plugin}

root=$repo
if [ $# -gt 0 ]; then
    case "$1" in
        -*) ;;
        *) root=$1; shift ;;
    esac
fi

say() {
    printf 'bootstrap: %s\n' "$*" >&2
}

usable() {  # usable PYTHON: is it a Python >= 3.10?
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' >/dev/null 2>&1
}

find_python() {
    for candidate in ${INSTALLDEV_PYTHON:+"$INSTALLDEV_PYTHON"} python3 python3.13 python3.12 python3.11 python3.10; do
        if command -v "$candidate" >/dev/null 2>&1 && usable "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    if command -v pyenv >/dev/null 2>&1; then
        for version in $(pyenv versions --bare 2>/dev/null | sort -r -t. -k1,1n -k2,2n); do
            candidate="$(pyenv root)/versions/$version/bin/python3"
            if [ -x "$candidate" ] && usable "$candidate"; then
                printf '%s\n' "$candidate"
                return 0
            fi
        done
    fi
    return 1
}

if ! python=$(find_python); then
    say "no Python 3.10 or newer found (looked for \$INSTALLDEV_PYTHON, python3, python3.13 ... python3.10 and pyenv)."
    say "install one, then re-run this script:"
    say "  Debian/Ubuntu: sudo apt-get install python3 python3-venv python3-pip"
    say "  Fedora:        sudo dnf install python3 python3-pip"
    say "  macOS:         brew install python@3.12"
    say "  any Unix:      pyenv install 3.12 && pyenv global 3.12   (https://github.com/pyenv/pyenv)"
    say "or point INSTALLDEV_PYTHON at an interpreter: INSTALLDEV_PYTHON=/path/to/python3 $0"
    exit 9
fi
if [ ! -f "$plugin/run_installdev.py" ]; then
    say "$plugin/run_installdev.py is missing: this script expects installdev's plugin/ directory beside scripts/"
    exit 6
fi
say "using $python ($("$python" -c 'import platform; print(platform.python_version())'))"

# Progress and the summary table go to stderr; the JSON result comes back on stdout.
status=0
result=$("$python" "$plugin/run_installdev.py" bootstrap --json "$root" "$@") || status=$?
if [ -z "$result" ]; then
    exit "$status"
fi

printf '%s\n' "$result" | "$python" -c '
import json, sys
document = json.load(sys.stdin)
ready = [p for p in document["projects"] if p.get("activate")]
failed = [p["name"] for p in document["projects"] if p["result"] == "failed"]
if ready:
    print("\nActivate a venv with:")
    for project in ready:
        print("  %s    # %s" % (project["activate"], project["name"]))
if failed:
    print("\nNot ready: " + ", ".join(failed) + " (their output is above); fix them and re-run " + sys.argv[1])
' "$0"
exit "$status"
