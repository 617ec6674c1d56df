"""Build a simulated Nix store for tests (no Nix needed).

The layout follows the recipe in shared/notes/test-hosts.md:

* two base interpreters, ``<root>/nix/store/<hash>-python3-3.11.7``, copied from a
  CPython 3.11 prefix (pyenv) without its site-packages; ``bin/python3.11`` gets a
  RUNPATH pointing at the store path's own ``lib`` (patchelf); both carry
  ``lib/python3.11/EXTERNALLY-MANAGED`` mentioning ``/nix/store`` and a
  ``site-packages/sitecustomize.py`` that re-implements the nixpkgs behaviour,
  variant "old" (sets ``sys.executable``) or "new" (also ``sys._base_executable``);
* one package store path with a tiny importable package;
* three ``-env`` symlink farms (like ``python3.withPackages``):

  - legacy wrapper over the "old" base,
  - legacy wrapper over the "new" base,
  - modern wrapper (inherit + resolve argv0, no NIX_* variables) over the "new" base.

  The wrappers are small C programs compiled with gcc, as ``makeBinaryWrapper`` does;

* finally everything is made read-only (``chmod -R a-w``) and the store directory can
  be bind-mounted read-only (:func:`mount_readonly`), so writes fail with EROFS even
  for root.

What this does NOT reproduce: nixpkgs' CPython patches, garbage collection, macOS, and
the compiled-in prefix (sysconfig data still names the original tree).

Command line (for poking at it by hand)::

    python tests/nixsim.py ROOT [--source PREFIX] [--mount]
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PYVER = "3.11"
PACKAGE_NAME = "nixpkgdemo"
PACKAGE_VERSION = "1.0"
PACKAGE_VALUE = "hello from the nix store"

_NIX_BASE32 = "0123456789abcdfghijklmnpqrsvwxyz"  # Nix's base-32 alphabet (no e, o, u, t)

# Parts of the source prefix we do not copy: site-packages (per the recipe), plus big
# things an interpreter does not need to start, run venv or ensurepip.
_SKIP_STDLIB = {"site-packages", "test", "idlelib", "tkinter", "turtledemo", "lib2to3"}
_BIN_KEEP = re.compile(r"^(python[0-9.]*(-config)?|pydoc[0-9.]*|2to3(-[0-9.]+)?)$")


@dataclasses.dataclass(frozen=True)
class NixStore:
    root: Path  # the fake filesystem root: <root>/nix/store
    store_dir: Path
    version: str  # e.g. "3.11.7"
    base_old: Path  # base interpreter store path with the "old" sitecustomize
    base_new: Path  # ... with the "new" sitecustomize
    package: Path  # the package store path
    package_name: str
    legacy_old_env: Path
    legacy_new_env: Path
    modern_env: Path
    source_prefix: Path  # where the interpreter was copied from

    @property
    def pyver(self) -> str:
        return PYVER

    def python(self, env_or_base: Path) -> Path:
        return Path(env_or_base) / "bin" / f"python{PYVER}"

    def site_packages(self, env_or_base: Path) -> Path:
        return Path(env_or_base) / "lib" / f"python{PYVER}" / "site-packages"

    @property
    def envs(self) -> dict[str, Path]:
        return {
            "legacy_old": self.legacy_old_env,
            "legacy_new": self.legacy_new_env,
            "modern": self.modern_env,
        }


def store_hash(seed: str) -> str:
    """A deterministic 32-character hash in Nix's base-32 alphabet."""
    digest = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:20], "big")
    chars = []
    for _ in range(32):
        chars.append(_NIX_BASE32[digest & 31])
        digest >>= 5
    return "".join(chars)


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """os.environ without variables that would steer a Python or a venv elsewhere."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not (k.startswith(("PYTHON", "NIX_", "PYENV", "PIP_", "VIRTUALENV_")) or k == "VIRTUAL_ENV")
    }
    env.update(extra or {})
    return env


def find_source_prefix() -> Path | None:
    """A CPython 3.11 installation prefix to copy (pyenv layout: bin/python3.11, lib/python3.11)."""
    candidates = []
    override = os.environ.get("NIXSIM_PYTHON_PREFIX")
    if override:
        candidates.append(Path(override))
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = glob.glob(os.path.join(pyenv_root, "versions", f"{PYVER}.*"))
    found.sort(key=lambda p: [int(x) if x.isdigit() else -1 for x in re.split(r"[.]", os.path.basename(p))])
    candidates.extend(Path(p) for p in reversed(found))
    if sys.version_info[:2] == tuple(int(x) for x in PYVER.split(".")):
        candidates.append(Path(sys.base_prefix))
    for prefix in candidates:
        exe = prefix / "bin" / f"python{PYVER}"
        if exe.is_file() and not exe.is_symlink() and (prefix / "lib" / f"python{PYVER}" / "os.py").is_file():
            return prefix
    return None


def _source_version(exe: Path) -> str:
    out = subprocess.run(
        [str(exe), "-I", "-S", "-c", "import platform; print(platform.python_version())"],
        check=True, capture_output=True, text=True, env=clean_env(),
    )
    return out.stdout.strip()


# --------------------------------------------------------------------------------------
# sitecustomize (our own re-implementation of the behaviour described in the notes)

_SITECUSTOMIZE = '''\
"""sitecustomize of a simulated Nix Python store path (variant: {variant}).

NIX_PYTHONPATH: directories added as site dirs (and removed from the environment so
child processes do not inherit them).  Outside a venv, NIX_PYTHONEXECUTABLE and
NIX_PYTHONPREFIX are popped and make this interpreter pretend to be the -env.
Mentions /nix/store on purpose: tools detect Nix from this file.
"""
import os
import site
import sys

_extra = os.environ.pop("NIX_PYTHONPATH", None)
if _extra:
    for _dir in _extra.split(os.pathsep):
        if _dir:
            site.addsitedir(_dir)

if sys.prefix == sys.base_prefix:
    _exe = os.environ.pop("NIX_PYTHONEXECUTABLE", None)
    _prefix = os.environ.pop("NIX_PYTHONPREFIX", None)
    if _exe is not None and "PYTHONEXECUTABLE" not in os.environ:
        sys.executable = _exe
{new_line}    if _prefix is not None:
        sys.prefix = sys.exec_prefix = _prefix
        site.PREFIXES.insert(0, _prefix)
'''

_EXTERNALLY_MANAGED = """\
[externally-managed]
Error=This Python ({path}) lives in the Nix store (/nix/store) and is read-only.
 Add packages with python3.withPackages, or create a virtual environment.
"""


def _sitecustomize(variant: str) -> str:
    if variant not in ("old", "new"):
        raise ValueError(variant)
    new_line = "        sys._base_executable = _exe\n" if variant == "new" else ""
    return _SITECUSTOMIZE.format(variant=variant, new_line=new_line)


# --------------------------------------------------------------------------------------
# C wrappers

def _c_string(s: str) -> str:
    out = ['"']
    for ch in s.encode():
        c = chr(ch)
        if c in '"\\':
            out.append("\\" + c)
        elif 32 <= ch < 127:
            out.append(c)
        else:
            out.append(f"\\{ch:03o}")
    out.append('"')
    return "".join(out)


_LEGACY_C = r"""
/* legacy nixpkgs python env wrapper (makeWrapper --set NIX_*): argv[0] = real binary */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char env_prefix[] = "NIX_PYTHONPREFIX=" PREFIX;
static char env_exe[] = "NIX_PYTHONEXECUTABLE=" SELF;
static char env_path[] = "NIX_PYTHONPATH=" SITE;

int main(int argc, char **argv) {
    (void)argc;
    putenv(env_prefix);
    putenv(env_exe);
    putenv(env_path);
    argv[0] = REAL;
    execv(REAL, argv);
    perror("nix wrapper: execv " REAL);
    return 127;
}
"""

_MODERN_C = r"""
/* modern nixpkgs python env wrapper (makeBinaryWrapper --inherit-argv0 --resolve-argv0) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *resolve_on_path(const char *name) {
    const char *path = getenv("PATH");
    if (path == NULL) return NULL;
    size_t nlen = strlen(name);
    const char *p = path;
    for (;;) {
        const char *end = strchr(p, ':');
        size_t dlen = end ? (size_t)(end - p) : strlen(p);
        char *cand = malloc(dlen + nlen + 3);
        if (cand == NULL) return NULL;
        if (dlen == 0) strcpy(cand, ".");
        else { memcpy(cand, p, dlen); cand[dlen] = 0; }
        strcat(cand, "/");
        strcat(cand, name);
        if (access(cand, X_OK) == 0) return cand;
        free(cand);
        if (end == NULL) return NULL;
        p = end + 1;
    }
}

int main(int argc, char **argv) {
    if (argc > 0 && argv[0] != NULL && strchr(argv[0], '/') == NULL) {
        char *resolved = resolve_on_path(argv[0]);
        if (resolved != NULL) argv[0] = resolved;
    }
    execv(REAL, argv);
    perror("nix wrapper: execv " REAL);
    return 127;
}
"""


def _wrapper_source(template: str, **defines: str) -> str:
    head = "".join(f"#define {k} {_c_string(v)}\n" for k, v in defines.items())
    return head + template


def _compile_all(jobs: list[tuple[str, Path]], workdir: Path, gcc: str) -> None:
    procs = []
    for i, (source, out) in enumerate(jobs):
        src = workdir / f"wrapper{i}.c"
        src.write_text(source)
        procs.append((out, subprocess.Popen(
            [gcc, "-O2", "-Wall", "-o", str(out), str(src)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )))
    errors = []
    for out, proc in procs:
        text, _ = proc.communicate()
        if proc.returncode != 0:
            errors.append(f"{out}: {text}")
    if errors:
        raise RuntimeError("gcc failed:\n" + "\n".join(errors))


# --------------------------------------------------------------------------------------
# store paths

def _copy_base(source: Path, dest: Path) -> None:
    """Copy the CPython prefix (symlinks kept, mtimes kept so .pyc files stay valid)."""
    dest.mkdir()
    for top in sorted(os.listdir(source)):
        src = source / top
        if top == "bin":
            (dest / "bin").mkdir()
            for name in sorted(os.listdir(src)):
                if _BIN_KEEP.match(name):
                    shutil.copy2(src / name, dest / "bin" / name, follow_symlinks=False)
        elif top == "lib":
            (dest / "lib").mkdir()
            for name in sorted(os.listdir(src)):
                s = src / name
                if name == f"python{PYVER}":
                    stdlib = dest / "lib" / name
                    stdlib.mkdir()
                    for entry in sorted(os.listdir(s)):
                        if entry in _SKIP_STDLIB:
                            continue
                        _copy_any(s / entry, stdlib / entry)
                    (stdlib / "site-packages").mkdir()
                else:
                    _copy_any(s, dest / "lib" / name)
        else:
            _copy_any(src, dest / top)


def _copy_any(src: Path, dst: Path, copy_function=shutil.copy2) -> None:
    if src.is_dir() and not src.is_symlink():
        shutil.copytree(src, dst, symlinks=True, copy_function=copy_function,
                        ignore=shutil.ignore_patterns("*.a"))
    else:
        shutil.copy2(src, dst, follow_symlinks=False)


def _finish_base(base: Path, variant: str, patchelf: str) -> None:
    exe = base / "bin" / f"python{PYVER}"
    # break a possible hard link before patchelf rewrites the file
    tmp = exe.with_name(exe.name + ".tmp")
    shutil.copy2(exe, tmp)
    os.replace(tmp, exe)
    subprocess.run([patchelf, "--set-rpath", str(base / "lib"), str(exe)], check=True,
                   capture_output=True)
    stdlib = base / "lib" / f"python{PYVER}"
    for name, text in (
        ("EXTERNALLY-MANAGED", _EXTERNALLY_MANAGED.format(path=base)),
        ("site-packages/sitecustomize.py", _sitecustomize(variant)),
    ):
        target = stdlib / name
        if target.exists():
            target.unlink()
        target.write_text(text)


def _make_package(dest: Path) -> None:
    site = dest / "lib" / f"python{PYVER}" / "site-packages"
    pkg = site / PACKAGE_NAME
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        f'"""Tiny package living in a simulated Nix store path."""\n'
        f'__version__ = "{PACKAGE_VERSION}"\nVALUE = "{PACKAGE_VALUE}"\n'
    )
    dist = site / f"{PACKAGE_NAME}-{PACKAGE_VERSION}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {PACKAGE_NAME}\nVersion: {PACKAGE_VERSION}\n"
    )
    (dist / "INSTALLER").write_text("nix\n")


def _merge_tree(dest: Path, sources: list[Path], force_dirs: set[str], rel: str = "") -> None:
    """buildEnv-like symlink farm: a directory provided by one source is linked whole,
    one provided by several (or forced) becomes a real directory merged recursively."""
    dest.mkdir()
    entries: dict[str, list[Path]] = {}
    for src in sources:
        for name in sorted(os.listdir(src)):
            entries.setdefault(name, []).append(src / name)
    for name, paths in entries.items():
        sub = f"{rel}/{name}" if rel else name
        real_dirs = [p for p in paths if p.is_dir()]
        if len(real_dirs) == len(paths) and (len(paths) > 1 or sub in force_dirs):
            _merge_tree(dest / name, real_dirs, force_dirs, sub)
        elif len(paths) == 1:
            os.symlink(paths[0], dest / name)
        else:
            raise RuntimeError(f"collision in env at {sub}: {paths}")


def _make_env(env: Path, base: Path, package: Path, modern: bool, jobs: list, gcc_dir: Path) -> None:
    _merge_tree(env, [base, package], force_dirs={"bin"})
    real = str(base / "bin" / f"python{PYVER}")
    bindir = env / "bin"
    names = [f"python{PYVER}", "python3", "python"]
    for name in names:
        if os.path.lexists(bindir / name):
            os.unlink(bindir / name)
    if modern:
        jobs.append((_wrapper_source(_MODERN_C, REAL=real), bindir / names[0]))
        for name in names[1:]:
            os.symlink(names[0], bindir / name)
    else:
        site = str(env / "lib" / f"python{PYVER}" / "site-packages")
        for name in names:
            target = base / "bin" / name
            jobs.append((_wrapper_source(
                _LEGACY_C,
                PREFIX=str(env), SELF=str(bindir / name), SITE=site,
                REAL=str(target if os.path.lexists(target) else real),
            ), bindir / name))


def build(root: Path, source_prefix: Path | None = None, *, gcc: str = "gcc",
          patchelf: str = "patchelf") -> NixStore:
    """Build the simulated store under ``root`` (which must not contain nix/ yet).

    Leaves it ``chmod -R a-w``; call :func:`mount_readonly` to make it EROFS."""
    root = Path(root).absolute()
    source = Path(source_prefix) if source_prefix else find_source_prefix()
    if source is None:
        raise RuntimeError(f"no CPython {PYVER} prefix found to copy")
    version = _source_version(source / "bin" / f"python{PYVER}")
    store = root / "nix" / "store"
    store.mkdir(parents=True)

    def path(seed: str, name: str) -> Path:
        return store / f"{store_hash(seed + ':' + name)}-{name}"

    base_name = f"python3-{version}"
    base_old = path("base-old", base_name)
    base_new = path("base-new", base_name)
    package = path("package", f"python{PYVER}-{PACKAGE_NAME}-{PACKAGE_VERSION}")
    env_name = f"{base_name}-env"
    legacy_old = path("env-legacy-old", env_name)
    legacy_new = path("env-legacy-new", env_name)
    modern = path("env-modern", env_name)

    _copy_base(source, base_old)
    # The second base shares file contents with the first through hard links, as
    # `nix-store --optimise` does; the files that differ are rewritten in _finish_base.
    _copy_any(base_old, base_new, copy_function=os.link)
    _finish_base(base_old, "old", patchelf)
    _finish_base(base_new, "new", patchelf)
    _make_package(package)

    jobs: list[tuple[str, Path]] = []
    with tempfile.TemporaryDirectory(prefix="nixsim-cc-") as cc:
        _make_env(legacy_old, base_old, package, False, jobs, Path(cc))
        _make_env(legacy_new, base_new, package, False, jobs, Path(cc))
        _make_env(modern, base_new, package, True, jobs, Path(cc))
        _compile_all(jobs, Path(cc), gcc)

    subprocess.run(["chmod", "-R", "a-w", str(store)], check=True)
    return NixStore(
        root=root, store_dir=store, version=version, base_old=base_old, base_new=base_new,
        package=package, package_name=PACKAGE_NAME, legacy_old_env=legacy_old,
        legacy_new_env=legacy_new, modern_env=modern, source_prefix=source,
    )


def mount_readonly(store_dir: Path) -> None:
    """Bind-mount ``store_dir`` onto itself read-only (needs root)."""
    subprocess.run(["mount", "--bind", str(store_dir), str(store_dir)], check=True,
                   capture_output=True, text=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(store_dir)], check=True,
                       capture_output=True, text=True)
    except subprocess.CalledProcessError:
        subprocess.run(["umount", str(store_dir)], capture_output=True)
        raise


def unmount(store_dir: Path) -> None:
    subprocess.run(["umount", str(store_dir)], capture_output=True)


def destroy(root: Path) -> None:
    """Undo chmod a-w and delete (call after :func:`unmount`)."""
    if os.path.exists(root):
        subprocess.run(["chmod", "-R", "u+w", str(root)], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root")
    ap.add_argument("--source", help="CPython 3.11 prefix to copy")
    ap.add_argument("--mount", action="store_true", help="bind-mount the store read-only")
    args = ap.parse_args(argv)
    ns = build(Path(args.root), Path(args.source) if args.source else None)
    if args.mount:
        mount_readonly(ns.store_dir)
    for field in dataclasses.fields(ns):
        print(f"{field.name} = {getattr(ns, field.name)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
