"""The hatch reader (installdev.request.project.readers.hatch): hatch's default environment from pyproject.toml or
hatch.toml, its template, context formatting and notes, and the errors for a malformed configuration. Pure: small
hand-written configurations in tmp_path, no hatch, no network."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from installdev.errors import ProjectError
from installdev.request.project.documents import parse_toml
from installdev.request.project.readers.hatch import HatchEnv, hatch_config_files, hatch_default_env


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def pyproject_of(directory: Path, text: str) -> dict:
    path = write(directory / "pyproject.toml", text)
    return parse_toml(path, path.read_bytes())


def read(directory: Path, pyproject: dict) -> HatchEnv:
    env = hatch_default_env(directory, pyproject)
    assert env is not None
    return env


def test_default_env_in_pyproject(tmp_path: Path) -> None:
    pyproject = pyproject_of(tmp_path, """
        [project]
        name = "demo"
        [tool.hatch.envs.default]
        dependencies = ["pytest>=8", "coverage[toml]"]
        extra-dependencies = ["mypy", "pytest>=8"]
        features = ["Test_Extra", "docs", "test-extra"]
        dependency-groups = ["Dev", "lint"]
    """)
    env = read(tmp_path, pyproject)
    assert env == HatchEnv(tmp_path / "pyproject.toml", ("pytest>=8", "coverage[toml]", "mypy"),
                           ("test-extra", "docs"), ("dev", "lint"), ())
    assert env.reason == ("hatch's default environment ([tool.hatch.envs.default] in pyproject.toml): dependencies, "
                          "features test-extra, docs, dependency groups dev, lint")
    assert hatch_config_files(tmp_path) == (tmp_path / "pyproject.toml",)


def test_features_only(tmp_path: Path) -> None:
    pyproject = pyproject_of(tmp_path, '[tool.hatch.envs.default]\nfeatures = ["test"]\n')
    env = read(tmp_path, pyproject)
    assert (env.requirement_lines, env.extras) == ((), ("test",))
    assert env.reason == "hatch's default environment ([tool.hatch.envs.default] in pyproject.toml): features test"


def test_hatch_toml_envs_replace_pyproject_envs(tmp_path: Path) -> None:
    pyproject = pyproject_of(tmp_path, """
        [tool.hatch.envs.default]
        dependencies = ["from-pyproject"]
        features = ["not-merged"]
    """)
    write(tmp_path / "hatch.toml", '[envs.default]\ndependencies = ["from-hatch-toml"]\n')
    env = read(tmp_path, pyproject)
    assert (env.config_file, env.requirement_lines, env.extras) == (tmp_path / "hatch.toml", ("from-hatch-toml",), ())
    assert env.reason == "hatch's default environment ([envs.default] in hatch.toml): dependencies"
    assert hatch_config_files(tmp_path) == (tmp_path / "pyproject.toml", tmp_path / "hatch.toml")


def test_hatch_toml_without_envs_leaves_pyproject_envs(tmp_path: Path) -> None:
    pyproject = pyproject_of(tmp_path, '[tool.hatch.envs.default]\ndependencies = ["from-pyproject"]\n')
    write(tmp_path / "hatch.toml", '[version]\npath = "demo/__init__.py"\n')
    env = read(tmp_path, pyproject)
    assert (env.config_file, env.requirement_lines) == (tmp_path / "pyproject.toml", ("from-pyproject",))


def test_hatch_toml_alone(tmp_path: Path) -> None:
    write(tmp_path / "hatch.toml", '[envs.default]\nextra-dependencies = ["ipython"]\n')
    env = read(tmp_path, {})
    assert (env.config_file, env.requirement_lines) == (tmp_path / "hatch.toml", ("ipython",))


def test_template_inheritance(tmp_path: Path) -> None:
    pyproject = pyproject_of(tmp_path, """
        [tool.hatch.envs.base]
        dependencies = ["from-base"]
        features = ["base-feature"]
        matrix = [{ python = ["3.12"] }]
        [tool.hatch.envs.default]
        template = "base"
        features = ["own"]
    """)
    env = read(tmp_path, pyproject)
    assert (env.requirement_lines, env.extras, env.notes) == (("from-base",), ("own",), ())


def test_detached_template_gives_skip_install_to_the_default_env(tmp_path: Path) -> None:
    pyproject = pyproject_of(tmp_path, """
        [tool.hatch.envs.tools]
        detached = true
        dependencies = ["ruff"]
        [tool.hatch.envs.default]
        template = "tools"
    """)
    env = read(tmp_path, pyproject)
    assert (env.requirement_lines, env.notes) == (("ruff",), (
        "[tool.hatch.envs.tools] sets skip-install = true: installdev installs the project anyway",))


def test_settings_that_change_nothing_are_noted(tmp_path: Path) -> None:
    pyproject = pyproject_of(tmp_path, """
        [tool.hatch.envs.default]
        dependencies = ["pytest"]
        skip-install = true
        dev-mode = false
        detached = true
        matrix = [{ python = ["3.12", "3.13"] }]
        [tool.hatch.envs.default.overrides]
        platform.windows.dependencies = ["pywin32"]
    """)
    assert read(tmp_path, pyproject).notes == (
        "[tool.hatch.envs.default] sets detached = true: installdev installs the project anyway",
        "[tool.hatch.envs.default] sets skip-install = true: installdev installs the project anyway",
        "[tool.hatch.envs.default] sets dev-mode = false: installdev installs the project editable anyway",
        "[tool.hatch.envs.default] sets matrix = ...: installdev reads the default environment itself, not the "
        "environments its matrix generates",
        "[tool.hatch.envs.default] sets overrides = ...: installdev does not apply hatch's conditional overrides",
    )


def test_settings_as_installdev_behaves_are_not_noted(tmp_path: Path) -> None:
    pyproject = pyproject_of(tmp_path, """
        [tool.hatch.envs.default]
        dependencies = ["pytest"]
        skip-install = false
        dev-mode = true
    """)
    assert read(tmp_path, pyproject).notes == ()


def test_context_formatting(tmp_path: Path) -> None:
    pyproject = pyproject_of(tmp_path, """
        [tool.hatch.envs.default]
        dependencies = [
            "lib @ {root:uri}/libs/lib",
            "sibling @ {root:parent:uri}/sibling",
            "real @ {root:real:uri}",
            "plugin-{env_name}",
            "braces @ file:///x{{y}}",
        ]
    """)
    root = tmp_path.absolute()
    uri = f"file://{root}" if os.sep == "/" else f"file:///{str(root).replace(os.sep, '/')}"
    parent_uri = uri.rsplit("/", 1)[0]
    with pytest.raises(ProjectError, match=r"uses the path modifier 'real:uri', which is not parent, uri or real"):
        hatch_default_env(tmp_path, pyproject)
    pyproject["tool"]["hatch"]["envs"]["default"]["dependencies"].remove("real @ {root:real:uri}")
    assert read(tmp_path, pyproject).requirement_lines == (
        f"lib @ {uri}/libs/lib", f"sibling @ {parent_uri}/sibling", "plugin-default", "braces @ file:///x{y}")


def test_context_paths_and_separators(tmp_path: Path) -> None:
    pyproject = {"tool": {"hatch": {"envs": {"default": {"dependencies": [
        "a @ file://{root}{/}a", "b @ file://{home:parent}/b", "c @ file://{root:parent:parent}/c"]}}}}}
    root = tmp_path.absolute()
    assert read(tmp_path, pyproject).requirement_lines == (
        f"a @ file://{os.path.normpath(root)}{os.sep}a", f"b @ file://{os.path.dirname(os.path.expanduser('~'))}/b",
        f"c @ file://{root.parent.parent}/c")


def test_run_time_context_fields_skip_the_entry_with_a_note(tmp_path: Path) -> None:
    pyproject = {"tool": {"hatch": {"envs": {"default": {
        "dependencies": ["kept", "x{env:FOO}", "y{env:BAR:default}", "z{matrix:python}"],
        "extra-dependencies": ["{args}"]}}}}}
    env = read(tmp_path, pyproject)
    assert env.requirement_lines == ("kept",)
    assert env.notes == (
        "skipped dependencies entry 'x{env:FOO}': hatch formats {env:FOO} at run time",
        "skipped dependencies entry 'y{env:BAR:default}': hatch formats {env:BAR:default} at run time",
        "skipped dependencies entry 'z{matrix:python}': hatch formats {matrix:python} at run time",
        "skipped extra-dependencies entry '{args}': hatch formats {args} at run time",
    )
    assert env.reason == ("hatch's default environment ([tool.hatch.envs.default] in pyproject.toml): dependencies")


def test_only_skipped_entries_still_give_the_env_with_its_notes(tmp_path: Path) -> None:
    env = read(tmp_path, {"tool": {"hatch": {"envs": {"default": {"dependencies": ["{env:DEP}"]}}}}})
    assert (env.requirement_lines, env.notes) == ((), ("skipped dependencies entry '{env:DEP}': hatch formats "
                                                       "{env:DEP} at run time",))
    assert env.reason == ("hatch's default environment ([tool.hatch.envs.default] in pyproject.toml): nothing "
                          "installdev can install (see its notes)")


@pytest.mark.parametrize("pyproject", [
    {},
    {"tool": {"hatch": {"version": {"path": "x.py"}}}},
    {"tool": {"hatch": {"envs": {"lint": {"dependencies": ["ruff"]}}}}},
    {"tool": {"hatch": {"envs": {"default": {"dependencies": [], "skip-install": True}}}}},
    {"tool": {"hatch": {"envs": {"default": {"python": "3.12", "scripts": {"test": "pytest"}}}}}},
])
def test_none_without_a_default_env_declaring_something(tmp_path: Path, pyproject: dict) -> None:
    assert hatch_default_env(tmp_path, pyproject) is None


@pytest.mark.parametrize(("envs", "message"), [
    ("x", r"pyproject\.toml: \[tool\.hatch\.envs\] must be a table of environments: fix its type"),
    ({"default": "x"}, r"pyproject\.toml: \[tool\.hatch\.envs\.default\] must be a table: fix its type"),
    ({"default": {"dependencies": "pytest"}},
     r"pyproject\.toml: \[tool\.hatch\.envs\.default\] dependencies must be a list of requirement strings: fix its "
     r"type"),
    ({"default": {"dependencies": [3]}},
     r"pyproject\.toml: \[tool\.hatch\.envs\.default\] dependencies has an entry that is not a string \(3\): fix it"),
    ({"default": {"extra-dependencies": ["not a requirement!"]}},
     r"pyproject\.toml: \[tool\.hatch\.envs\.default\] extra-dependencies entry 'not a requirement!' is not a valid "
     r"PEP 508 requirement \(.*\): fix it"),
    ({"default": {"features": "test"}},
     r"pyproject\.toml: \[tool\.hatch\.envs\.default\] features must be a list of names: fix its type"),
    ({"default": {"dependency-groups": [""]}},
     r"pyproject\.toml: \[tool\.hatch\.envs\.default\] dependency-groups has an entry that is not a non-empty string"),
    ({"default": {"dependencies": ["x{unknown}"]}},
     r"pyproject\.toml: \[tool\.hatch\.envs\.default\] dependencies entry 'x\{unknown\}': it uses the unknown context "
     r"field \{unknown\}, which hatch refuses: fix it \(write literal braces as \{\{ and \}\}\)"),
    ({"default": {"dependencies": ["x{root"]}},
     r"pyproject\.toml: \[tool\.hatch\.envs\.default\] dependencies entry 'x\{root': .*, which hatch refuses"),
    ({"default": {"template": "missing", "features": ["x"]}},
     r"pyproject\.toml: \[tool\.hatch\.envs\.default\] template refers to 'missing', which is no environment: fix the "
     r"template"),
    ({"default": {"template": "a"}, "a": {"template": "b"}, "b": {"template": "a"}},
     r"pyproject\.toml: the environments' templates form a cycle \(default -> a -> b -> a\): fix one template"),
    ({"default": {"template": 1}},
     r"pyproject\.toml: \[tool\.hatch\.envs\.default\] template must be an environment name: fix its type"),
])
def test_malformed_configuration_is_a_project_error_naming_the_file_and_key(tmp_path: Path, envs: object,
                                                                            message: str) -> None:
    with pytest.raises(ProjectError, match=message) as error:
        hatch_default_env(tmp_path, {"tool": {"hatch": {"envs": envs}}})
    assert "\n" not in str(error.value)
    assert str(tmp_path / "pyproject.toml") in str(error.value)


def test_malformed_tables_and_files(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"pyproject\.toml: \[tool\.hatch\] must be a table: fix its type"):
        hatch_default_env(tmp_path, {"tool": {"hatch": []}})
    write(tmp_path / "hatch.toml", "[envs.default\n")
    with pytest.raises(ProjectError, match=r"hatch\.toml is not valid TOML"):
        hatch_default_env(tmp_path, {})
    write(tmp_path / "hatch.toml", "envs = 1\n")
    with pytest.raises(ProjectError, match=r"hatch\.toml: \[envs\] must be a table of environments: fix its type"):
        hatch_default_env(tmp_path, {})
    write(tmp_path / "hatch.toml", '[envs.default]\nfeatures = [""]\n')
    with pytest.raises(ProjectError, match=r"hatch\.toml: \[envs\.default\] features has an entry that is not a "
                                           r"non-empty string \(''\): fix it"):
        hatch_default_env(tmp_path, {})


def test_a_template_chain_back_to_default_ends_there(tmp_path: Path) -> None:
    pyproject = {"tool": {"hatch": {"envs": {"default": {"template": "a", "features": ["own"]},
                                             "a": {"template": "default", "dependencies": ["from-a"]}}}}}
    env = read(tmp_path, pyproject)
    assert (env.requirement_lines, env.extras) == (("from-a",), ("own",))
