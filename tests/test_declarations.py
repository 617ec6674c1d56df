"""What a project declares for development: dependency groups, uv's, poetry's and pdm's default selections, poetry's
constraint syntax, pdm's local entries, extras, conventional requirement files, and the errors (pure logic on dicts and
a tmp directory)."""

from __future__ import annotations

from pathlib import Path

import pytest
from installdev.errors import ExitCode, ProjectError
from installdev.request.project.conventions import conventional_requirement_file
from installdev.request.project.declarations import (
    Declarations,
    DevSourceKind,
    NoDevelopmentDeclared,
)
from installdev.request.project.model import GroupsOwner, Project
from installdev.request.project.readers.dependency_groups import dependency_groups, resolve_dependency_group, uv_default_groups
from installdev.request.project.readers.pdm_groups import pdm_groups, pdm_requirement_line, resolve_pdm_group
from installdev.request.project.readers.poetry_dependencies import poetry_requirement_lines
from installdev.request.project.readers.poetry_groups import poetry_default_groups, resolve_poetry_group
from packaging.markers import Marker
from packaging.requirements import Requirement


def declarations(pyproject: dict, directory: Path) -> Declarations:
    return Project.of(directory, pyproject).declarations


def find_dev_sources(pyproject: dict, directory: Path):
    return declarations(pyproject, directory).dev_sources


def default_development_groups(pyproject: dict, directory: Path):
    return declarations(pyproject, directory).default_groups


def declared_groups(pyproject: dict, directory: Path) -> tuple[str, ...]:
    return declarations(pyproject, directory).declared_groups


def declared_summary(pyproject: dict, directory: Path, why_not_default: bool = False) -> str:
    return declarations(pyproject, directory).summary(why_not_default)


def resolve_requested_groups(pyproject: dict, directory: Path, names) -> tuple[str, ...]:
    return declarations(pyproject, directory).resolve_groups(names)


def pdm_project(pyproject: dict, directory: Path) -> bool:
    return Project.of(directory, pyproject).groups_owner is GroupsOwner.PDM


def pdm_default_groups(pyproject: dict, directory: Path) -> tuple[str, ...]:
    """What ``pdm install`` installs by default for a pdm project: all its groups; none for a project that is not pdm's."""
    read = declarations(pyproject, directory)
    return tuple(read.pdm_groups) if read.pdm_owned else ()


def project_error(call, *args) -> str:
    """Run ``call``, expect a one-line ProjectError with the bad-project exit code, return its message."""
    with pytest.raises(ProjectError) as caught:
        call(*args)
    message = str(caught.value)
    assert "\n" not in message
    assert caught.value.exit_code == ExitCode.BAD_PROJECT
    return message


def write(directory: Path, *names: str) -> None:
    for name in names:
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text("")


# --------------------------------------------------------------------------------------------------
# Poetry's constraint syntax


@pytest.mark.parametrize(("constraint", "specifier"), [
    ("^1.2.3", ">=1.2.3,<2.0.0"),
    ("^1.2", ">=1.2,<2.0"),
    ("^1", ">=1,<2"),
    ("^0.2.3", ">=0.2.3,<0.3.0"),
    ("^0.2", ">=0.2,<0.3"),
    ("^0.0.3", ">=0.0.3,<0.0.4"),
    ("^0.0", ">=0.0,<0.1"),
    ("^0", ">=0,<1"),
    ("^1.2.3.4", ">=1.2.3.4,<2.0.0.0"),
    ("^1.2.3a1", ">=1.2.3a1,<2.0.0"),
    ("^ 1.2", ">=1.2,<2.0"),
    ("~1.2.3", ">=1.2.3,<1.3.0"),
    ("~1.2", ">=1.2,<1.3"),
    ("~1", ">=1,<2"),
    ("~=1.4", "~=1.4"),
    ("~=1.4.5", "~=1.4.5"),
    ("~=1", ">=1,<1.1"),  # no PEP 440 form: poetry bumps the minor
    ("~=1.2.3.4", ">=1.2.3.4,<1.3.0.0"),
    ("*", ""),
    ("", ""),
    ("x", ""),
    ("1.2.3", "==1.2.3"),
    ("=1.2.3", "==1.2.3"),
    ("==1.2.3", "==1.2.3"),
    ("v1.2", "==1.2"),
    ("<>1.2", "!=1.2"),
    ("!=1.2", "!=1.2"),
    ("1.2.*", "==1.2.*"),
    ("1.*", "==1.*"),
    ("==1.2.*", "==1.2.*"),
    ("!=1.2.*", "!=1.2.*"),
    (">=1.2.*", ">=1.2"),  # poetry drops a wildcard after an ordering operator
    (">= 1.2, < 1.5", ">=1.2,<1.5"),
    (">=1.2 <1.5", ">=1.2,<1.5"),
    (">=1.2,<1.5,", ">=1.2,<1.5"),
    ("^1.20 || ^2.0", ">=1.20,<3.0"),
    ("^1.2 | ^2", ">=1.2,<3"),
    ("<2 || <3", "<3"),
    ("<1.2 || >1.2", "!=1.2"),
    ("1.0 || 1.0", "==1.0"),
    ("1.2.* || 1.3.*", ">=1.2,<1.4"),
    ("~=1.4 || ^2", ">=1.4,<3"),
    ("* || ^1", ""),
    (">=2,<1 || ^1", ">=1,<2"),  # an alternative allowing nothing adds nothing
    (">=1 || ^2", ">=1"),
    (">=1 >=0.5 <3 <4 || ^3", ">=1,<4"),
    (">=1.0a1,<1.0 || >=1.0,<2", ">=1.0a1,<2"),
    (">=1.0.dev0,<1.0a1 || >=1.0a1,<2", ">=1.0.dev0,<2"),
    (">=1.0,<1.0.post1 || >=1.0.post1,<2", ">=1.0,<2"),
])
def test_poetry_constraint_becomes_the_pep440_specifier_poetry_means(constraint: str, specifier: str, tmp_path: Path) -> None:
    lines = poetry_requirement_lines("pkg", constraint, tmp_path)
    assert lines == ["pkg" + specifier]
    assert str(Requirement(lines[0]).specifier) == ",".join(sorted(filter(None, specifier.split(","))))


@pytest.mark.parametrize(("constraint", "problem"), [
    ("^1 || ^3", "whose || alternatives no PEP 440 specifier can express"),
    ("1.0 | 2.0", "whose || alternatives no PEP 440 specifier can express"),
    ("!=1.5 || >=3", "whose || alternatives no PEP 440 specifier can express"),
    ("<1 || >2", "whose || alternatives no PEP 440 specifier can express"),
    (">=2,<1 || >3,<3", "whose || alternatives no PEP 440 specifier can express"),
    ("<1.0a1 || >1.0", "whose || alternatives no PEP 440 specifier can express"),
    (">=", "which is no poetry version constraint"),
    ("^x", "which is no poetry version constraint"),
    ("1.2 - 1.5", "which is no poetry version constraint"),
])
def test_poetry_constraint_without_pep440_form_is_an_error_naming_the_dependency(
        constraint: str, problem: str, tmp_path: Path) -> None:
    message = project_error(poetry_requirement_lines, "pkg", {"version": constraint}, tmp_path)
    assert message.startswith(f"{tmp_path / 'pyproject.toml'}: poetry dependency 'pkg' has version {constraint!r}, {problem}: ")
    assert "rewrite it as one PEP 440 range" in message


@pytest.mark.parametrize(("python", "marker", "allowed", "refused"), [
    ("^3.8", 'python_version >= "3.8" and python_version < "4.0"', ["3.8.0", "3.13.1"], ["3.7.9", "4.0.0"]),
    (">=3.8.1", 'python_full_version >= "3.8.1"', ["3.8.1", "3.9.0"], ["3.8.0"]),
    ("~3.8.1", 'python_full_version >= "3.8.1" and python_full_version < "3.9.0"', ["3.8.5"], ["3.8.0", "3.9.0"]),
    (">3.8", 'python_full_version > "3.8.0"', ["3.8.1"], ["3.8.0"]),
    ("<=3.8", 'python_full_version <= "3.8.0"', ["3.8.0"], ["3.8.1"]),
    ("!=3.6", 'python_full_version != "3.6"', ["3.6.1", "3.7.0"], ["3.6.0"]),
    ("3.8.*", 'python_version == "3.8.*"', ["3.8.12"], ["3.9.0"]),
    ("~=3.8", 'python_version >= "3.8" and python_version < "4.0"', ["3.12.0"], ["3.7.0"]),
    ("^2.7 || ^3.6", '(python_version >= "2.7" and python_version < "3.0") or (python_version >= "3.6" and python_version < "4.0")',
     ["2.7.18", "3.6.0"], ["3.5.0", "4.0.0"]),
])
def test_poetry_python_restriction_becomes_a_marker(
        python: str, marker: str, allowed: list[str], refused: list[str], tmp_path: Path) -> None:
    assert poetry_requirement_lines("pkg", {"version": "^1", "python": python}, tmp_path) == [f"pkg>=1,<2; {marker}"]

    def applies(full_version: str) -> bool:
        short = ".".join(full_version.split(".")[:2])
        return Marker(marker).evaluate({"python_full_version": full_version, "python_version": short})

    assert [applies(version) for version in allowed + refused] == [True] * len(allowed) + [False] * len(refused)


def test_poetry_python_restriction_allowing_any_python_adds_no_marker(tmp_path: Path) -> None:
    assert poetry_requirement_lines("pkg", {"version": "1.0", "python": "*"}, tmp_path) == ["pkg==1.0"]


def test_poetry_tables_become_requirement_lines(tmp_path: Path) -> None:
    library = tmp_path / "libs" / "lib"
    library.mkdir(parents=True)
    wheel = tmp_path / "dist" / "tool-1.0-py3-none-any.whl"
    write(tmp_path, "dist/tool-1.0-py3-none-any.whl")
    spaced = tmp_path / "my libs" / "lib"
    cases = [
        ({"version": "^1.2", "extras": ["socks", "http2"]}, ["pkg[socks,http2]>=1.2,<2.0"]),
        ({"version": "^1.2", "markers": "sys_platform == 'linux'"}, ["pkg>=1.2,<2.0; sys_platform == 'linux'"]),
        ({"version": "1.0", "markers": "os_name == 'nt' or os_name == 'posix'", "python": "^3.8"},
         ['pkg==1.0; (os_name == \'nt\' or os_name == \'posix\') and python_version >= "3.8" and python_version < "4.0"']),
        ({"version": "1.0", "platform": "linux"}, ['pkg==1.0; sys_platform == "linux"']),
        ({"version": "1.0", "platform": "linux || darwin"}, ['pkg==1.0; sys_platform == "linux" or sys_platform == "darwin"']),
        ({"version": "1.0", "optional": True}, []),
        ({"version": "1.0", "source": "private", "allow-prereleases": True}, ["pkg==1.0"]),
        ({"git": "https://github.com/o/pkg.git"}, ["pkg @ git+https://github.com/o/pkg.git"]),
        ({"git": "https://github.com/o/pkg.git", "branch": "main"}, ["pkg @ git+https://github.com/o/pkg.git@main"]),
        ({"git": "https://github.com/o/pkg.git", "tag": "v1.0"}, ["pkg @ git+https://github.com/o/pkg.git@v1.0"]),
        ({"git": "https://github.com/o/pkg.git", "rev": "abc123", "subdirectory": "sub", "extras": ["x"]},
         ["pkg[x] @ git+https://github.com/o/pkg.git@abc123#subdirectory=sub"]),
        ({"git": "git@github.com:o/pkg.git", "python": ">=3.9"},
         ['pkg @ git+ssh://git@github.com/o/pkg.git ; python_version >= "3.9"']),
        ({"git": "git+ssh://git@host/o/pkg.git"}, ["pkg @ git+ssh://git@host/o/pkg.git"]),
        ({"url": "https://example.com/pkg-1.0.tar.gz"}, ["pkg @ https://example.com/pkg-1.0.tar.gz"]),
        ({"url": "https://example.com/pkg.zip", "subdirectory": "py"}, ["pkg @ https://example.com/pkg.zip#subdirectory=py"]),
        ({"path": "libs/lib"}, [f"pkg @ {library.as_uri()}"]),
        ({"path": "./libs/../libs/lib", "extras": ["dev"]}, [f"pkg[dev] @ {library.as_uri()}"]),
        ({"path": str(library), "develop": False}, [f"pkg @ {library.as_uri()}"]),
        ({"path": "libs", "subdirectory": "lib"}, [f"pkg @ {library.as_uri()}"]),
        ({"path": "libs/lib", "develop": True}, [f"-e {library}"]),
        ({"path": "libs/lib", "develop": True, "extras": ["a", "b"]}, [f"-e {library}[a,b]"]),
        ({"path": "my libs/lib", "develop": True}, [f"-e '{spaced}'"]),
        ({"path": "dist/tool-1.0-py3-none-any.whl", "develop": True}, [f"pkg @ {wheel.as_uri()}"]),  # a file is never editable
        ({"file": "dist/tool-1.0-py3-none-any.whl", "markers": "os_name == 'posix'"},
         [f"pkg @ {wheel.as_uri()} ; os_name == 'posix'"]),
        ([{"version": "<2", "python": "<3.10"}, {"version": ">=2", "python": ">=3.10"}],
         ['pkg<2; python_version < "3.10"', 'pkg>=2; python_version >= "3.10"']),
        (["^1", {"version": "^2"}], ["pkg>=1,<2", "pkg>=2,<3"]),
    ]
    for declaration, expected in cases:
        lines = poetry_requirement_lines("pkg", declaration, tmp_path)
        assert lines == expected, declaration
        for line in lines:
            if not line.startswith("-e "):
                assert Requirement(line).name == "pkg"


@pytest.mark.parametrize(("declaration", "fragment"), [
    (3, "must be a version string, a table or a list of tables"),
    ({"version": 3}, "has a non-string version (3)"),
    ({"version": "1", "extras": "dev"}, "extras must be a list of names"),
    ({"version": "1", "python": "^x"}, "has python '^x', which is no poetry version constraint"),
    ({"path": "lib", "develop": True, "python": "^3.8"}, "is a develop = true path with markers (python_version >= \"3.8\""),
])
def test_poetry_declaration_errors(declaration: object, fragment: str, tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    message = project_error(poetry_requirement_lines, "pkg", declaration, tmp_path)
    assert message.startswith(f"{tmp_path / 'pyproject.toml'}: poetry dependency 'pkg' ")
    assert fragment in message


# --------------------------------------------------------------------------------------------------
# PEP 735 dependency groups and uv's default selection


GROUPS = {
    "dependency-groups": {
        "Dev_Tools": ["black", {"include-group": "test"}],
        "test": ["pytest>=8", {"include-group": "Cov"}],
        "cov": ["coverage"],
        "dev": [{"include-group": "test"}, "ruff"],
    },
    "tool": {"uv": {"dev-dependencies": ["legacy-tool"]}},
}


def test_dependency_groups_expand_includes_and_append_uv_legacy_dev_dependencies(tmp_path: Path) -> None:
    assert dependency_groups(GROUPS, tmp_path) == {
        "dev-tools": ("black", "pytest>=8", "coverage"),
        "test": ("pytest>=8", "coverage"),
        "cov": ("coverage",),
        "dev": ("pytest>=8", "coverage", "ruff", "legacy-tool"),
    }


@pytest.mark.parametrize(("name", "requirements"), [
    ("dev-tools", ("black", "pytest>=8", "coverage")),
    ("DEV.tools", ("black", "pytest>=8", "coverage")),
    ("dev", ("pytest>=8", "coverage", "ruff", "legacy-tool")),
])
def test_resolve_dependency_group_normalizes_the_name(name: str, requirements: tuple[str, ...], tmp_path: Path) -> None:
    assert resolve_dependency_group(GROUPS, tmp_path, name) == requirements


def test_uv_legacy_dev_dependencies_alone_make_the_dev_group(tmp_path: Path) -> None:
    pyproject = {"tool": {"uv": {"dev-dependencies": ["pytest"]}}}
    assert dependency_groups(pyproject, tmp_path) == {"dev": ("pytest",)}
    assert uv_default_groups(pyproject, tmp_path) == ("dev",)


@pytest.mark.parametrize(("pyproject", "fragments"), [
    ({"dependency-groups": {"dev": ["x"]}}, ["declares no dependency group 'lint' (dependency groups: dev): pick a declared one"]),
    ({"dependency-groups": {"lint": ["ruff", {"include-group": "style"}]}},
     ["dependency group 'lint' includes 'style', which [dependency-groups] does not declare (lint): fix the name"]),
    ({"dependency-groups": {"lint": [{"include-group": "dev"}]}, "tool": {"uv": {"dev-dependencies": ["x"]}}},
     ["dependency group 'lint' includes 'dev', which [dependency-groups] does not declare"]),  # as in uv: legacy is not includable
    ({"dependency-groups": {"lint": [{"include-group": "test"}], "test": [{"include-group": "lint"}]}},
     ["include each other in a cycle (lint -> test -> lint): remove one of those include-group entries"]),
    ({"dependency-groups": {"lint": [{"include-group": "lint"}]}}, ["cycle (lint -> lint)"]),
    ({"dependency-groups": {"Lint": ["ruff"], "lint": ["flake8"]}},
     ["dependency groups 'Lint' and 'lint' both normalize to 'lint': merge them or rename one"]),
    ({"dependency-groups": {"lint": ["ruff", 3]}},
     ["dependency group 'lint' has an entry that is neither a requirement string nor an {include-group = \"NAME\"} table (3)"]),
    ({"dependency-groups": {"lint": [{"include-group": "x", "extra": 1}]}}, ["has an entry that is neither"]),
    ({"dependency-groups": {"lint": [{"include": "x"}]}}, ["has an entry that is neither"]),
    ({"dependency-groups": {"lint": "ruff"}}, ["dependency group 'lint' must be a list"]),
    ({"dependency-groups": ["ruff"]}, ["[dependency-groups] must be a table"]),
    ({"tool": {"uv": {"dev-dependencies": "pytest"}}}, ["[tool.uv] dev-dependencies must be a list of requirement strings"]),
])
def test_dependency_group_errors(pyproject: dict, fragments: list[str], tmp_path: Path) -> None:
    message = project_error(resolve_dependency_group, pyproject, tmp_path, "lint")
    assert message.startswith(str(tmp_path / "pyproject.toml"))
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(("groups", "uv", "defaults"), [
    ({"dev": [], "lint": []}, {}, ("dev",)),
    ({"lint": [], "test": []}, {}, ()),
    ({"dev": [], "lint": [], "test": []}, {"default-groups": ["Lint", "test", "lint"]}, ("lint", "test")),
    ({"dev": [], "lint": [], "test": []}, {"default-groups": "all"}, ("dev", "lint", "test")),
    ({"dev": []}, {"default-groups": []}, ()),
    ({"lint": []}, {"default-groups": ["dev"], "dev-dependencies": ["x"]}, ("dev",)),
    ({}, {}, ()),
])
def test_uv_default_groups(groups: dict, uv: dict, defaults: tuple[str, ...], tmp_path: Path) -> None:
    assert uv_default_groups({"dependency-groups": groups, "tool": {"uv": uv}}, tmp_path) == defaults


@pytest.mark.parametrize(("setting", "fragment"), [
    (["dev", "docs"], "default group 'docs' (from [tool.uv] default-groups) is not declared in [dependency-groups] (dev, lint): "
                      "declare it or remove it from default-groups"),
    ("dev", 'default-groups must be a list of group names or "all"'),
    ([1], 'default-groups must be a list of group names or "all"'),
])
def test_uv_default_groups_errors(setting: object, fragment: str, tmp_path: Path) -> None:
    pyproject = {"dependency-groups": {"dev": [], "lint": []}, "tool": {"uv": {"default-groups": setting}}}
    assert fragment in project_error(uv_default_groups, pyproject, tmp_path)
    assert fragment in project_error(find_dev_sources, pyproject, tmp_path)


# --------------------------------------------------------------------------------------------------
# Poetry groups


POETRY = {"tool": {"poetry": {
    "dependencies": {"python": "^3.8", "requests": "^2"},
    "group": {
        "Test": {"dependencies": {"pytest": "^8", "python": "^3.9"}},
        "docs": {"optional": True, "dependencies": {"sphinx": ">=7"}},
        "lint": {"dependencies": {"ruff": "*"}, "include-groups": ["test"]},
        "dev": {"dependencies": {"ipython": "*"}},
    },
    "dev-dependencies": {"black": "23.1", "pytest": "^8"},
}}}


def test_poetry_default_groups_are_the_non_optional_ones(tmp_path: Path) -> None:
    assert poetry_default_groups(POETRY, tmp_path) == ("test", "lint", "dev")


@pytest.mark.parametrize(("name", "requirements"), [
    ("test", ("pytest>=8,<9",)),
    ("docs", ("sphinx>=7",)),
    ("LINT", ("ruff", "pytest>=8,<9")),
    ("dev", ("ipython", "black==23.1", "pytest>=8,<9")),  # legacy dev-dependencies merge into dev, duplicates once
])
def test_resolve_poetry_group(name: str, requirements: tuple[str, ...], tmp_path: Path) -> None:
    assert resolve_poetry_group(POETRY, tmp_path, name) == requirements


@pytest.mark.parametrize(("group", "name", "fragment"), [
    ({"lint": {"dependencies": {}}}, "docs", "declares no poetry group 'docs' (poetry groups: lint): pick a declared one"),
    ({"lint": {"include-groups": ["style"]}}, "lint", "poetry group 'lint' includes 'style', which is not declared (lint)"),
    ({"a": {"include-groups": ["b"]}, "b": {"include-groups": ["a"]}}, "a", "include each other in a cycle (a -> b -> a)"),
    ({"lint": {"optional": "yes"}}, "lint", "[tool.poetry.group.lint] optional must be true or false"),
    ({"lint": {"include-groups": "test"}}, "lint", "include-groups must be a list of group names"),
    ({"lint": ["ruff"]}, "lint", "[tool.poetry.group.lint] must be a table"),
    ({"lint": {"dependencies": ["ruff"]}}, "lint", "[tool.poetry.group.lint] dependencies must be a table"),
    ({"Lint": {}, "lint": {}}, "lint", "two poetry groups normalize to 'lint'"),
])
def test_poetry_group_errors(group: dict, name: str, fragment: str, tmp_path: Path) -> None:
    message = project_error(resolve_poetry_group, {"tool": {"poetry": {"group": group}}}, tmp_path, name)
    assert message.startswith(str(tmp_path / "pyproject.toml"))
    assert fragment in message


# --------------------------------------------------------------------------------------------------
# PDM's development groups


PDM = {
    "project": {"name": "My_App", "optional-dependencies": {"docs": ["sphinx"]}},
    "dependency-groups": {"dev": ["pytest>=8"], "Lint": ["ruff", {"include-group": "typing"}]},
    "tool": {"pdm": {"dev-dependencies": {
        "dev": ["-e file:///${PROJECT_ROOT}/../lib", "pytest>=8"],
        "typing": ["mypy"],
        "all": ["my-app[lint,test,docs]", "my_app"],
        "Test": ["coverage", "-e ./packages/helper[fancy]"],
    }}},
}


def test_pdm_entries_become_lines_pip_and_uv_read_from_a_temp_file(tmp_path: Path) -> None:
    project = tmp_path / "app"
    library, helper, archive = tmp_path / "lib", project / "packages" / "helper", project / "dist" / "tool-1.0.tar.gz"
    write(project, "dist/tool-1.0.tar.gz")
    library.mkdir()
    helper.mkdir(parents=True)
    spaced = tmp_path / "my libs" / "lib"
    cases = [
        ("pytest>=8; python_version >= '3.9'", "pytest>=8; python_version >= '3.9'"),  # PEP 508: as written
        ("-e file:///${PROJECT_ROOT}/../lib", f"-e {library}"),
        ("-e file:///${PROJECT_ROOT}/packages/helper#egg=helper[fancy]", f"-e {helper}[fancy]"),
        ("-e file:///${PROJECT_ROOT}/packages#subdirectory=helper", f"-e {helper}"),
        ("-e ./packages/helper", f"-e {helper}"),
        ("-e ../lib[a,b]", f"-e {library}[a,b]"),
        ("-e packages/../packages/helper", f"-e {helper}"),  # an existing path needs no leading dot
        ("-e {root:uri}/../lib", f"-e {library}"),  # hatch's form, which pdm reads too
        (f"-e {library.as_uri()}", f"-e {library}"),
        ("-e lib @ file:///${PROJECT_ROOT}/../lib", f"-e {library}"),
        ("-e file:///${PROJECT_ROOT}/../my%20libs/lib", f"-e '{spaced}'"),
        ("lib @ file:///${PROJECT_ROOT}/../lib", f"lib @ {library.as_uri()}"),
        ("lib[x] @ file:///${PROJECT_ROOT}/../lib ; os_name == 'posix'", f'lib[x] @ {library.as_uri()} ; os_name == "posix"'),
        ("tool @ file:///${PROJECT_ROOT}/dist/tool-1.0.tar.gz", f"tool @ {archive.as_uri()}"),
        ("lib @ ../lib", f"lib @ {library.as_uri()}"),
        ("../lib", str(library)),
        ("./packages/helper[fancy]; sys_platform == 'linux'", f"{helper}[fancy] ; sys_platform == 'linux'"),
        ("file:///${PROJECT_ROOT}/../lib", str(library)),
        ("-e git+https://github.com/o/pkg.git@main#egg=pkg", "-e git+https://github.com/o/pkg.git@main#egg=pkg"),
        ("pkg @ git+https://github.com/o/pkg.git", "pkg @ git+https://github.com/o/pkg.git"),
        ("-e pkg @ git+https://github.com/o/pkg.git@v1", "-e git+https://github.com/o/pkg.git@v1#egg=pkg"),
        ("-e pkg @ git+https://github.com/o/pkg.git#subdirectory=py", "-e git+https://github.com/o/pkg.git#subdirectory=py&egg=pkg"),
        ("https://example.com/pkg-1.0.tar.gz", "https://example.com/pkg-1.0.tar.gz"),
    ]
    for entry, expected in cases:
        assert pdm_requirement_line(entry, project, "[tool.pdm.dev-dependencies] group 'dev'") == expected, entry


@pytest.mark.parametrize(("entry", "fragment"), [
    ("-e pytest", "is editable but names no local directory or VCS URL, which pdm refuses: drop -e, or give the directory"),
    ("-e https://example.com/pkg-1.0.tar.gz", "is editable but names no local directory"),
    ("-e pkg @ https://example.com/pkg-1.0.tar.gz", "is editable but names no local directory"),
    ("-e pkg @ git+https://github.com/o/pkg.git ; os_name == 'nt'",
     "is an editable VCS checkout with markers (os_name == \"nt\"), which a requirement line cannot express: drop -e or"),
    ("-e pkg[x] @ git+https://github.com/o/pkg.git", "is an editable VCS checkout with extras, which a requirement line "
                                                     "cannot express: drop -e or the extras"),
    ("-e ${PROJECT_ROOT}/lib", "uses ${PROJECT_ROOT} outside file:///${PROJECT_ROOT}/PATH, the only place pdm expands it: "
                               "write the path as file:///${PROJECT_ROOT}/PATH or ./PATH"),
    ("-e file:///${PROJECT_ROOT}/dist/tool-1.0.tar.gz", "is a file, which pdm refuses (only a directory can be editable): drop -e"),
    ("-e ../lib ; os_name == 'posix'", "is editable with markers (os_name == 'posix'), which a requirement line cannot express"),
    ("libs/other", "is neither a PEP 508 requirement nor a local path (pdm reads a path only when it starts with '.' or exists)"),
    ("pytest >= =", "is neither a PEP 508 requirement nor a local path: fix it"),
    ("file:///${PROJECT_ROOT}/my%20libs/lib", "which an unnamed requirement line cannot express: name it: NAME @ file:///${PROJECT_ROOT}/PATH"),
])
def test_pdm_entry_errors_name_the_file_the_group_and_the_entry(entry: str, fragment: str, tmp_path: Path) -> None:
    write(tmp_path, "dist/tool-1.0.tar.gz")
    message = project_error(pdm_requirement_line, entry, tmp_path, "[tool.pdm.dev-dependencies] group 'dev'")
    assert message.startswith(f"{tmp_path / 'pyproject.toml'}: [tool.pdm.dev-dependencies] group 'dev' entry {entry!r} ")
    assert fragment in message


def test_pdm_merges_dependency_groups_and_its_own_table(tmp_path: Path) -> None:
    groups = pdm_groups(PDM, tmp_path)
    assert list(groups) == ["dev", "lint", "typing", "all", "test"]
    assert [entry for _, entry in groups["dev"]] == ["pytest>=8", "-e file:///${PROJECT_ROOT}/../lib", "pytest>=8"]
    pdm_table = "[tool.pdm.dev-dependencies] group 'dev'"
    assert [where for where, _ in groups["dev"]] == ["[dependency-groups] group 'dev'", pdm_table, pdm_table]
    assert pdm_default_groups(PDM, tmp_path) == ("dev", "lint", "typing", "all", "test")
    assert pdm_default_groups({"dependency-groups": {"dev": []}}, tmp_path) == ()  # not a pdm project: uv's reading


@pytest.mark.parametrize(("name", "requirements"), [
    ("dev", ("pytest>=8", "-e {root}/lib")),
    ("LINT", ("ruff", "mypy")),  # an include-group of [dependency-groups] may name a group of the pdm table
    ("test", ("coverage", "-e {root}/app/packages/helper[fancy]")),
    # self-references: groups are expanded, an extra stays an extra of the project, the project alone is dropped
    ("all", ("ruff", "mypy", "coverage", "-e {root}/app/packages/helper[fancy]", "My_App[docs]")),
])
def test_resolve_pdm_group(name: str, requirements: tuple[str, ...], tmp_path: Path) -> None:
    lines = resolve_pdm_group(PDM, tmp_path / "app", name)
    assert lines == tuple(line.format(root=tmp_path) for line in requirements)


@pytest.mark.parametrize(("pyproject", "fragment"), [
    ({"tool": {"pdm": {"dev-dependencies": ["pytest"]}}}, "[tool.pdm.dev-dependencies] must be a table: fix its type"),
    ({"tool": {"pdm": {"dev-dependencies": {}}}, "project": 3}, "declares no pdm dev group 'test' (pdm dev groups: none)"),
    ({"tool": {"pdm": {"dev-dependencies": {"test": "pytest"}}}},
     "[tool.pdm.dev-dependencies] group 'test' must be a list of requirement strings: fix its type"),
    ({"tool": {"pdm": {"dev-dependencies": {"test": ["pytest", 3]}}}},
     "[tool.pdm.dev-dependencies] group 'test' has an entry that is neither a requirement string nor an "
     "{include-group = \"NAME\"} table (3): fix it"),
    ({"tool": {"pdm": {"dev-dependencies": {"Default": []}}}},
     "[tool.pdm.dev-dependencies] group 'Default': pdm reserves the name 'default' for the project's own dependencies"),
    ({"dependency-groups": {"Test": [], "test": []}, "tool": {"pdm": {"dev-dependencies": {}}}},
     "dependency groups 'Test' and 'test' both normalize to 'test': merge them or rename one"),
    ({"dependency-groups": {"test": "pytest"}, "tool": {"pdm": {"dev-dependencies": {}}}},
     "[dependency-groups] group 'test' must be a list of requirement strings"),
    ({"tool": {"pdm": {"dev-dependencies": {"test": [{"include-group": "lint"}]}}}},
     "[tool.pdm.dev-dependencies] group 'test' includes 'lint', which is no pdm dev group (test): fix the name or declare"),
    ({"dependency-groups": {"test": [{"include-group": "lint"}]}, "tool": {"pdm": {"dev-dependencies": {"lint": ["proj[test]"]}}},
      "project": {"name": "proj"}},
     "pdm dev groups include each other in a cycle (test -> lint -> test): remove one of those include-group entries or "
     "self-references"),
    ({"tool": {"pdm": {"dev-dependencies": {"lint": []}}}}, "declares no pdm dev group 'test' (pdm dev groups: lint): pick"),
    ({"tool": {"pdm": {"dev-dependencies": {"test": ["-e pytest"]}}}},
     "[tool.pdm.dev-dependencies] group 'test' entry '-e pytest' is editable but names no local directory"),
])
def test_pdm_group_errors(pyproject: dict, fragment: str, tmp_path: Path) -> None:
    message = project_error(resolve_pdm_group, pyproject, tmp_path, "test")
    assert message.startswith(str(tmp_path / "pyproject.toml"))
    assert fragment in message
    if "declares no pdm dev group" not in fragment:
        assert fragment in project_error(find_dev_sources, pyproject, tmp_path)


def test_a_malformed_tool_pdm_table_is_an_error_only_when_a_pdm_group_is_asked_for(tmp_path: Path) -> None:
    pyproject = {"tool": {"pdm": 3}, "dependency-groups": {"dev": ["pytest"]}}
    assert find_dev_sources(pyproject, tmp_path).reason == "dependency group dev (uv sync's default)"  # not pdm's
    assert project_error(resolve_pdm_group, pyproject, tmp_path, "dev").endswith("[tool.pdm] must be a table: fix its type")


# --------------------------------------------------------------------------------------------------
# The default development set


@pytest.mark.parametrize(("pyproject", "files", "kind", "names", "reason"), [
    ({"dependency-groups": {"dev": ["ruff"]}, **POETRY, "project": {"optional-dependencies": {"dev": ["x"]}}},
     ["requirements-dev.txt"], DevSourceKind.DEPENDENCY_GROUPS, ("dev",), "dependency group dev (uv sync's default)"),
    ({"dependency-groups": {"dev": [], "lint": [], "test": []}, "tool": {"uv": {"default-groups": "all"}}},
     [], DevSourceKind.DEPENDENCY_GROUPS, ("dev", "lint", "test"), '[tool.uv] default-groups = "all": dev, lint, test'),
    ({"dependency-groups": {"dev": [], "lint": [], "test": []}, "tool": {"uv": {"default-groups": ["lint", "test"]}}},
     [], DevSourceKind.DEPENDENCY_GROUPS, ("lint", "test"), "dependency groups lint, test ([tool.uv] default-groups)"),
    ({"dependency-groups": {"dev": [], "lint": []}, "tool": {"uv": {"default-groups": ["lint"]}}},
     [], DevSourceKind.DEPENDENCY_GROUPS, ("lint",), "dependency group lint ([tool.uv] default-groups)"),
    ({"dependency-groups": {"lint": ["ruff"]}, **POETRY}, [], DevSourceKind.POETRY_GROUPS, ("test", "lint", "dev"),
     "poetry groups test, lint, dev (poetry install's default: every group not marked optional)"),
    ({"dependency-groups": {"dev": ["ruff"]}, "tool": {"uv": {"default-groups": []}},
      "project": {"optional-dependencies": {"dev": []}}},
     [], DevSourceKind.EXTRA, ("dev",), "extra dev (declared in [project.optional-dependencies])"),
    ({"tool": {"poetry": {"group": {"docs": {"optional": True}}}}, "project": {"optional-dependencies": {"Dev": []}}},
     [], DevSourceKind.EXTRA, ("dev",), "extra dev (declared in [project.optional-dependencies])"),
    ({"tool": {"poetry": {"extras": {"dev": ["pytest"]}}}}, [], DevSourceKind.EXTRA, ("dev",),
     "extra dev (declared in [tool.poetry.extras])"),
    ({"project": {"optional-dependencies": {"docs": []}}}, ["requirements/dev.txt"], DevSourceKind.REQUIREMENT_FILE, (),
     "requirements/dev.txt (a conventional development requirements file)"),
    ({"project": {}}, ["requirements-dev.txt", "requirements/dev.txt"], DevSourceKind.REQUIREMENT_FILE, (),
     "requirements-dev.txt (a conventional development requirements file)"),
    # pdm: after poetry, before the dev extra; a [tool.pdm.dev-dependencies] table makes [dependency-groups] pdm's
    ({"tool": {"pdm": {"dev-dependencies": {"lint": [], "test": []}}}, "project": {"optional-dependencies": {"dev": []}}},
     ["requirements-dev.txt"], DevSourceKind.PDM_GROUPS, ("lint", "test"),
     "pdm dev-dependencies groups lint, test (pdm install's default: all of them)"),
    ({"tool": {"pdm": {"dev-dependencies": {"dev": []}}}}, ["pdm.lock"], DevSourceKind.PDM_GROUPS, ("dev",),
     "pdm dev-dependencies group dev (pdm install's default: all of them)"),
    # a pdm.lock beside pyproject.toml makes [dependency-groups] pdm's, though no group is uv's default dev
    ({"project": {}, "dependency-groups": {"test": [], "tox": []}}, ["pyproject.toml", "pdm.lock"],
     DevSourceKind.PDM_GROUPS, ("test", "tox"), "pdm development groups test, tox ([dependency-groups], read as pdm "
     "reads them: the project has a pdm.lock; pdm install's default: all of them)"),
    ({"project": {}, "dependency-groups": {"dev": [], "docs": []}}, ["pyproject.toml", "pdm.lock", "uv.lock"],
     DevSourceKind.DEPENDENCY_GROUPS, ("dev",), "dependency group dev (uv sync's default)"),  # the uv.lock wins
    ({"dependency-groups": {"dev": [], "docs": []}, "tool": {"pdm": {"dev-dependencies": {"dev": [], "lint": []}},
                                                           "uv": {"default-groups": ["docs"]}}},
     [], DevSourceKind.PDM_GROUPS, ("dev", "docs", "lint"),
     "pdm dev-dependencies groups dev, docs, lint (with [dependency-groups], merged as pdm merges them; "
     "pdm install's default: all of them)"),
    ({**POETRY, "dependency-groups": {"lint": []}, "tool": {**POETRY["tool"], "pdm": {"dev-dependencies": {"lint": []}}}},
     [], DevSourceKind.POETRY_GROUPS, ("test", "lint", "dev"),
     "poetry groups test, lint, dev (poetry install's default: every group not marked optional)"),
    ({"tool": {"pdm": {"dev-dependencies": {}}}, "project": {"optional-dependencies": {"dev": []}}}, ["pdm.lock"],
     DevSourceKind.EXTRA, ("dev",), "extra dev (declared in [project.optional-dependencies])"),
])
def test_find_dev_sources_takes_the_first_source_that_yields(
        pyproject: dict, files: list[str], kind: DevSourceKind, names: tuple[str, ...], reason: str, tmp_path: Path) -> None:
    write(tmp_path, *files)
    sources = find_dev_sources(pyproject, tmp_path)
    assert (sources.kind, sources.names or sources.extras, sources.reason, sources.confirmed) == (kind, names, reason, True)
    expected_files = (tmp_path / files[0],) if kind is DevSourceKind.REQUIREMENT_FILE else ()
    assert sources.requirement_files == expected_files


def test_find_dev_sources_resolves_the_group_requirements(tmp_path: Path) -> None:
    uv = find_dev_sources({**GROUPS, "tool": {"uv": {"default-groups": ["dev", "dev-tools"]}}}, tmp_path)
    assert uv.requirements == ("pytest>=8", "coverage", "ruff", "black")
    poetry = find_dev_sources(POETRY, tmp_path)
    assert poetry.requirements == ("pytest>=8,<9", "ruff", "ipython", "black==23.1")
    pdm = find_dev_sources(PDM, tmp_path / "app")
    assert pdm.names == ("dev", "lint", "typing", "all", "test")
    assert pdm.requirements == ("pytest>=8", f"-e {tmp_path / 'lib'}", "ruff", "mypy", "coverage",
                                f"-e {tmp_path / 'app' / 'packages' / 'helper'}[fancy]", "My_App[docs]")


@pytest.mark.parametrize(("pyproject", "files", "reason", "fallback"), [
    ({"project": {"dynamic": ["optional-dependencies"]}}, ["requirements-dev.txt"],
     "dev extra, if the build declares it ([project] optional-dependencies is dynamic)", "requirements-dev.txt"),
    ({}, ["setup.py"], "dev extra, if the build declares it (setup.py decides)", None),
    ({"build-system": {}}, ["setup.cfg", "dev-requirements.txt"], "dev extra, if the build declares it (setup.cfg decides)",
     "dev-requirements.txt"),
])
def test_find_dev_sources_leaves_a_build_decided_dev_extra_to_check(
        pyproject: dict, files: list[str], reason: str, fallback: str | None, tmp_path: Path) -> None:
    write(tmp_path, *files)
    sources = find_dev_sources(pyproject, tmp_path)
    assert (sources.kind, sources.extras, sources.reason, sources.confirmed) == (DevSourceKind.EXTRA, ("dev",), reason, False)
    if fallback is None:
        assert sources.fallback is None
    else:
        assert sources.fallback is not None
        assert (sources.fallback.kind, sources.fallback.requirement_files) == (DevSourceKind.REQUIREMENT_FILE,
                                                                               (tmp_path / fallback,))


@pytest.mark.parametrize("index", range(4))
def test_conventional_requirement_files_are_tried_in_order(index: int, tmp_path: Path) -> None:
    names = ["requirements-dev.txt", "dev-requirements.txt", "requirements_dev.txt", "requirements/dev.txt"]
    write(tmp_path, *names[index:])
    assert conventional_requirement_file(tmp_path).path == tmp_path / names[index]


@pytest.mark.parametrize("name", ["test-requirements.txt", "requirements-test.txt", "requirements_test.txt",
                                  "test_requirements.txt", "requirements-tests.txt", "tests-requirements.txt",
                                  "requirements/test.txt", "requirements/tests.txt"])
def test_test_file_conventions_come_after_the_development_ones(name: str, tmp_path: Path) -> None:
    write(tmp_path, name, "requirements.txt")
    (tmp_path / "requirements.txt").write_text("-e .\n")
    assert conventional_requirement_file(tmp_path) == (tmp_path / name, "a conventional test requirements file")
    write(tmp_path, "requirements/dev.txt")
    assert conventional_requirement_file(tmp_path).path == tmp_path / "requirements/dev.txt"


@pytest.mark.parametrize(("text", "line"), [
    ("-e .[standard]\nclick==8.1.7\n", "-e .[standard]"), ("# pinned\n.\n", "."),
    ("--editable ./  # the project\n", "--editable ./"),
    ("-e.\n", "-e."), ("requests==2.0\n", None), ("-e ./lib\n", None), ("# -e .\n", None), ("-r other.txt\n", None),
])
def test_a_requirements_txt_counts_only_when_it_installs_the_project_itself(text: str, line: str | None,
                                                                               tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(text)
    found = conventional_requirement_file(tmp_path)
    assert (found and found.why) == (line and f"it installs the project itself: {line}")
    if line is not None:
        sources = find_dev_sources({"project": {"name": "x"}}, tmp_path)
        assert (sources.requirement_files, sources.reason) == ((tmp_path / "requirements.txt",),
                                                              f"requirements.txt (it installs the project itself: {line})")


def test_conventional_requirement_file_must_be_a_file(tmp_path: Path) -> None:
    (tmp_path / "requirements-dev.txt").mkdir()
    assert conventional_requirement_file(tmp_path) is None
    write(tmp_path, "requirements_dev.txt")
    assert conventional_requirement_file(tmp_path).path == tmp_path / "requirements_dev.txt"


def test_no_default_development_set_is_an_error_saying_why_none_of_the_declarations_is_one(tmp_path: Path) -> None:
    pyproject = {"project": {"optional-dependencies": {"docs": [], "Test": []}}, "dependency-groups": {"test": ["pytest"],
                                                                                                      "tox": ["tox"]}}
    with pytest.raises(NoDevelopmentDeclared):
        find_dev_sources(pyproject, tmp_path)
    assert project_error(find_dev_sources, pyproject, tmp_path) == (
        f"{tmp_path} declares no default development set (extras: docs, test, none is dev; dependency groups: test, tox, "
        "none is uv's default dev): pick one with --group NAME, --extra NAME or -r FILE, or pass --no-default-groups to "
        "install the project alone")
    emptied = {"dependency-groups": {"dev": []}, "tool": {"uv": {"default-groups": []}}}
    assert "(dependency groups: dev, [tool.uv] default-groups is empty): " in project_error(find_dev_sources, emptied, tmp_path)


def test_no_default_development_set_error_lists_poetry_groups_and_requirement_files(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "requirements-docs.txt", "requirements/docs.txt", "other.txt", "requirements/notes.md")
    (tmp_path / "requirements.txt").write_text("requests==2.32.3\n# -e .\n")  # pins, not the project itself
    pyproject = {"project": {}, "tool": {"poetry": {"group": {"docs": {"optional": True}}}}}
    message = project_error(find_dev_sources, pyproject, tmp_path)
    assert ("(poetry groups: docs (optional); requirement files: requirements-docs.txt, requirements.txt, "
            "requirements/docs.txt, none is a conventional development file): " in message)


def test_no_declaration_at_all_says_so(tmp_path: Path) -> None:
    message = project_error(find_dev_sources, {"project": {"name": "x"}}, tmp_path)
    assert message == (f"{tmp_path} declares no default development set (no extras, dependency groups, poetry groups, pdm "
                       "dev groups or requirement files): pick one with --group NAME, --extra NAME or -r FILE, or pass "
                       "--no-default-groups to install the project alone")


def test_a_pdm_lock_makes_the_project_pdms(tmp_path: Path) -> None:
    """pdm-project/pdm's shape: [dependency-groups] test and tox, no dev, a pdm.lock: pdm install installs them all."""
    pyproject = {"project": {"name": "tool"}, "dependency-groups": {"test": ["pytest", "tool[cli]"], "tox": ["tox"]}}
    write(tmp_path, "pyproject.toml")
    assert not pdm_project(pyproject, tmp_path) and pdm_default_groups(pyproject, tmp_path) == ()
    assert default_development_groups(pyproject, tmp_path) == (None, ())
    write(tmp_path, "pdm.lock")
    assert pdm_project(pyproject, tmp_path) and pdm_default_groups(pyproject, tmp_path) == ("test", "tox")
    assert default_development_groups(pyproject, tmp_path) == (DevSourceKind.PDM_GROUPS, ("test", "tox"))
    assert find_dev_sources(pyproject, tmp_path).requirements == ("pytest", "tool[cli]", "tox"), "pdm's self-reference"
    assert resolve_requested_groups(pyproject, tmp_path, ["Tox"]) == ("tox",)
    write(tmp_path, "uv.lock")
    assert not pdm_project(pyproject, tmp_path), "uv installs from its uv.lock: the groups are read as uv reads them"
    assert pdm_project({"dependency-groups": {"test": []}}, tmp_path), "uv.lock needs [project]: the pdm.lock is used"


def test_default_development_groups_and_declared_groups(tmp_path: Path) -> None:
    assert default_development_groups({"dependency-groups": {"dev": [], "lint": []}}, tmp_path) == (
        DevSourceKind.DEPENDENCY_GROUPS, ("dev",))
    assert default_development_groups(POETRY, tmp_path) == (DevSourceKind.POETRY_GROUPS, ("test", "lint", "dev"))
    assert default_development_groups(PDM, tmp_path) == (DevSourceKind.PDM_GROUPS, ("dev", "lint", "typing", "all", "test"))
    assert declared_groups({**POETRY, "dependency-groups": {"Cov": [], "lint": []}}, tmp_path) == (
        "cov", "lint", "test", "docs", "dev")
    assert declared_groups({}, tmp_path) == ()


def test_hatch_environments_other_than_the_default_are_named(tmp_path: Path) -> None:
    """pypa/hatch declares its test dependencies only in hatch.toml's non-default environments: the exit-6 line must say
    installdev saw them and that the default one (the one it reads) declares nothing, rather than that the project
    declares nothing."""
    (tmp_path / "hatch.toml").write_text('[envs.hatch-test]\nextra-dependencies = ["filelock"]\n[envs.docs]\ndetached = true\n')
    pyproject = {"tool": {"hatch": {"envs": {"types": {"extra-dependencies": ["mypy"]}}}}}
    assert declared_summary(pyproject, tmp_path) == "hatch environments: types, hatch-test, docs"
    assert declared_summary(pyproject, tmp_path, why_not_default=True) == (
        "hatch environments: types, hatch-test, docs, the default one declares nothing to install")
    (tmp_path / "hatch.toml").write_text("not = [toml")
    assert declared_summary(pyproject, tmp_path) == "hatch environments: types"


@pytest.mark.parametrize(("pyproject", "files", "summary"), [
    ({"project": {"dynamic": ["optional-dependencies"]}, "tool": {"uv": {"dev-dependencies": ["x"]}}}, [],
     "extras: decided by the build; dependency groups: dev"),
    ({"tool": {"poetry": {"dev-dependencies": {"x": "*"}, "group": {"docs": {"optional": True}}}}}, ["dev-requirements.txt"],
     "poetry groups: docs (optional), dev; requirement files: dev-requirements.txt"),
    ({"project": {"optional-dependencies": ["not", "a", "table"]}, "dependency-groups": 3, "tool": {"poetry": {"group": 3}}}, [],
     "no extras, dependency groups, poetry groups, pdm dev groups or requirement files"),
    ({"tool": 3}, ["setup.py"], "extras: decided by the build"),
    ({"build-system": {}}, [], "no extras, dependency groups, poetry groups, pdm dev groups or requirement files"),
    (PDM, ["requirements-lint.txt"], "extras: docs; dependency groups: dev, lint; pdm dev groups: dev, typing, all, test; "
                                     "requirement files: requirements-lint.txt"),
    ({"tool": {"pdm": {"dev-dependencies": ["malformed"]}}}, [],
     "no extras, dependency groups, poetry groups, pdm dev groups or requirement files"),
])
def test_declared_summary(pyproject: dict, files: list[str], summary: str, tmp_path: Path) -> None:
    write(tmp_path, *files)
    assert declared_summary(pyproject, tmp_path) == summary
    assert "none is" not in summary and "is empty" not in summary


# --------------------------------------------------------------------------------------------------
# Explicitly requested groups


def test_requested_groups_resolve_dependency_groups_then_poetry_groups(tmp_path: Path) -> None:
    pyproject = {**POETRY, "dependency-groups": {"test": ["pytest<8"], "cov": ["coverage", "pytest<8"]}}
    assert resolve_requested_groups(pyproject, tmp_path, ["Test", "cov", "docs"]) == ("pytest<8", "coverage", "sphinx>=7")


def test_requested_groups_of_a_pdm_project_are_pdm_groups_merged_with_dependency_groups(tmp_path: Path) -> None:
    project = tmp_path / "app"
    assert resolve_requested_groups(PDM, project, ["DEV", "typing"]) == ("pytest>=8", f"-e {tmp_path / 'lib'}", "mypy")
    assert resolve_requested_groups(PDM, project, ["lint"]) == ("ruff", "mypy")
    with_poetry = {**PDM, "tool": {**PDM["tool"], **POETRY["tool"]}}
    assert resolve_requested_groups(with_poetry, project, ["test", "docs"]) == (
        "coverage", f"-e {project / 'packages' / 'helper'}[fancy]", "sphinx>=7")  # pdm's test, then poetry's docs


@pytest.mark.parametrize(("pyproject", "listing"), [
    ({**POETRY, "dependency-groups": {"cov": []}}, "(dependency groups: cov; poetry groups: test, docs, lint, dev)"),
    ({"dependency-groups": {"cov": []}}, "(dependency groups: cov)"),
    ({"tool": {"poetry": {"group": {"cov": {}}}}}, "(poetry groups: cov)"),
    ({"tool": {"pdm": {"dev-dependencies": {"cov": []}}}}, "(pdm dev groups: cov)"),
    ({"dependency-groups": {"cov": []}, "tool": {"pdm": {"dev-dependencies": {"lint": []}}, **POETRY["tool"]}},
     "(pdm dev groups: cov, lint; poetry groups: test, docs, lint, dev)"),
])
def test_requested_unknown_group_is_an_error_listing_the_groups(pyproject: dict, listing: str, tmp_path: Path) -> None:
    assert project_error(resolve_requested_groups, pyproject, tmp_path, ["cov", "typing"]) == (
        f"{tmp_path} declares no group 'typing' {listing}: fix the group name (--group, --no-group, --only-group or the setting)")


def test_requested_group_of_a_project_without_groups_says_it_has_none(tmp_path: Path) -> None:
    assert project_error(resolve_requested_groups, {}, tmp_path, ["dev"]) == (
        f"{tmp_path} declares no group 'dev' (it declares no groups): fix the group name (--group, --no-group, "
        "--only-group or the setting)")
