"""The tox reader (installdev.request.project.readers.tox): which configuration tox 4 reads, which environment is the
development one, and that environment's deps, extras and dependency groups as tox reads them. Pure: small hand-written
configurations in tmp_path, no tox, no network."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest
from installdev.errors import ProjectError
from installdev.request.project.documents import parse_toml
from installdev.request.project.readers.tox import ToxEnv, tox_config_files, tox_development_env


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def pyproject_of(directory: Path, text: str) -> dict:
    path = write(directory / "pyproject.toml", text)
    return parse_toml(path, path.read_bytes())


def read(directory: Path, pyproject: dict | None = None) -> ToxEnv:
    env = tox_development_env(directory, pyproject or {})
    assert env is not None
    return env


# --------------------------------------------------------------------------------------------------
# Discovery and precedence


def test_no_tox_configuration_gives_none(tmp_path: Path) -> None:
    write(tmp_path / "setup.cfg", "[metadata]\nname = x\n")
    assert tox_development_env(tmp_path, {"project": {"name": "x"}}) is None
    assert tox_config_files(tmp_path) == (tmp_path / "setup.cfg",)


def test_tox_ini_comes_first_even_over_tox_toml(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", "[testenv]\ndeps = from-ini\n")
    write(tmp_path / "tox.toml", '[env_run_base]\ndeps = ["from-toml"]\n')
    env = read(tmp_path)
    assert (env.config_file, env.requirement_lines) == (tmp_path / "tox.ini", ("from-ini",))
    assert tox_config_files(tmp_path) == (tmp_path / "tox.ini", tmp_path / "tox.toml")


def test_a_tox_ini_without_environments_still_wins_and_gives_none(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", "[flake8]\nmax-line-length = 100\n")
    write(tmp_path / "tox.toml", '[env_run_base]\ndeps = ["from-toml"]\n')
    assert tox_development_env(tmp_path, {}) is None


def test_setup_cfg_needs_a_tox_tox_section(tmp_path: Path) -> None:
    write(tmp_path / "setup.cfg", "[testenv]\ndeps = ignored\n")
    write(tmp_path / "tox.toml", '[env_run_base]\ndeps = ["from-toml"]\n')
    assert read(tmp_path).config_file == tmp_path / "tox.toml"

    write(tmp_path / "setup.cfg", "[tox:tox]\nenvlist = py312\n\n[testenv]\ndeps = from-setup-cfg\n")
    env = read(tmp_path)
    assert (env.config_file, env.env, env.requirement_lines) == (tmp_path / "setup.cfg", "testenv (as py312)",
                                                                  ("from-setup-cfg",))
    assert env.reason == "setup.cfg [testenv] (tox's base test environment, as py312): deps"


def test_setup_cfg_comes_before_pyproject(tmp_path: Path) -> None:
    pyproject = pyproject_of(tmp_path, '[tool.tox.env_run_base]\ndeps = ["from-pyproject"]\n')
    write(tmp_path / "setup.cfg", "[tox:tox]\n\n[testenv]\ndeps = from-setup-cfg\n")
    assert read(tmp_path, pyproject).requirement_lines == ("from-setup-cfg",)


def test_native_tool_tox_comes_before_legacy_tox_ini(tmp_path: Path) -> None:
    pyproject = pyproject_of(tmp_path, '''
        [tool.tox]
        legacy_tox_ini = """
        [tox]
        min_version = 4.0
        [testenv]
        deps = from-legacy
        """
        env_list = ["3.13"]
        [tool.tox.env_run_base]
        deps = ["from-native"]
    ''')
    env = read(tmp_path, pyproject)
    assert (env.config_file, env.env, env.requirement_lines) == (tmp_path / "pyproject.toml", "env_run_base (as 3.13)",
                                                                  ("from-native",))
    assert env.reason == ("pyproject.toml [tool.tox.env_run_base] (tox's base test environment, as 3.13): deps")


def test_legacy_tox_ini(tmp_path: Path) -> None:
    pyproject = pyproject_of(tmp_path, '''
        [tool.tox]
        legacy_tox_ini = """
        [tox]
        envlist = lint, py311
        [testenv]
        deps =
            pytest
            py311: tomli
        extras = test
        """
    ''')
    env = read(tmp_path, pyproject)
    assert (env.env, env.requirement_lines, env.extras) == ("testenv (as py311)", ("pytest", "tomli"), ("test",))
    assert env.reason == ("pyproject.toml [tool.tox] legacy_tox_ini [testenv] (tox's base test environment, as "
                          "py311): deps, extras test")


def test_pyproject_comes_before_tox_toml(tmp_path: Path) -> None:
    pyproject = pyproject_of(tmp_path, '[tool.tox]\nlegacy_tox_ini = "[testenv]\\ndeps = from-legacy\\n"\n')
    write(tmp_path / "tox.toml", '[env_run_base]\ndeps = ["from-toml"]\n')
    assert read(tmp_path, pyproject).requirement_lines == ("from-legacy",)
    assert tox_config_files(tmp_path) == (tmp_path / "pyproject.toml", tmp_path / "tox.toml")


def test_an_empty_tox_toml_is_no_configuration(tmp_path: Path) -> None:
    write(tmp_path / "tox.toml", "")
    assert tox_development_env(tmp_path, {}) is None


# --------------------------------------------------------------------------------------------------
# Which environment


def test_dev_environment_inherits_testenv(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", """
        [tox]
        env_list = py312
        [testenv]
        deps = pytest
        extras = test
        [testenv:dev]
        extras = Dev_Tools
    """)
    env = read(tmp_path)
    assert (env.env, env.requirement_lines, env.extras) == ("testenv:dev", ("pytest",), ("dev-tools",))
    assert env.reason == "tox.ini [testenv:dev] (tox's dev environment): deps, extras dev-tools"


def test_generative_section_defining_dev(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", """
        [testenv:{dev,lint}]
        deps =
            dev: ipython
            lint: ruff
    """)
    env = read(tmp_path)
    assert (env.env, env.requirement_lines) == ("testenv:{dev,lint} (as dev)", ("ipython",))
    assert env.reason.startswith("tox.ini [testenv:{dev,lint}] (tox's dev environment)")


def test_base_environment_for_the_first_python_env_of_env_list(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", """
        [tox]
        envlist =
            lint
            docs, py3{12-13}-django{42,50}
        [testenv]
        deps =
            django42: Django>=4.2,<5
            django50: Django>=5,<5.1
            py313: only-313
    """)
    env = read(tmp_path)
    assert (env.env, env.requirement_lines) == ("testenv (as py312-django42)", ("Django>=4.2,<5",))


def test_without_a_python_env_in_env_list_the_env_is_py(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", """
        [tox]
        env_list = lint, docs
        [testenv]
        deps =
            py: for-py
            lint: for-lint
    """)
    env = read(tmp_path)
    assert (env.env, env.requirement_lines) == ("testenv (as py)", ("for-py",))


def test_the_representative_env_reads_its_own_section_first(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", """
        [tox]
        env_list = 3.12
        [testenv]
        deps = base
        extras = test
        [testenv:3.12]
        deps = own
    """)
    env = read(tmp_path)
    assert (env.env, env.requirement_lines, env.extras) == ("testenv:3.12", ("own",), ("test",))
    assert env.reason == "tox.ini [testenv:3.12] (tox's test environment 3.12): deps, extras test"


def test_base_option_replaces_the_testenv_inheritance(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", """
        [testenv]
        deps = not-inherited
        extras = not-inherited
        [shared]
        deps = from-shared
        [testenv:dev]
        base = shared
    """)
    env = read(tmp_path)
    assert (env.requirement_lines, env.extras) == (("from-shared",), ())


def test_a_key_filtered_to_nothing_falls_back_to_the_base_section(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", """
        [testenv]
        deps = base-deps
        [testenv:dev]
        deps = py27: old-only
    """)
    assert read(tmp_path).requirement_lines == ("base-deps",)


def test_empty_environment_gives_none(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", "[tox]\nenv_list = py312\n[testenv]\ncommands = pytest\ndeps =\n")
    assert tox_development_env(tmp_path, {}) is None
    write(tmp_path / "tox.ini", "[testenv:dev]\nusedevelop = true\n")
    assert tox_development_env(tmp_path, {}) is None


# --------------------------------------------------------------------------------------------------
# INI values: factors, comments, continuations, lists


def test_factor_conditions(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", f"""
        [tox]
        env_list = py312-django42
        [testenv]
        deps =
            always
            py312: yes-py312
            py311: no-py311
            lint,django42: yes-any
            lint,typing: no-any
            py312-django42: yes-all
            py312-django50: no-all
            !py27: yes-not
            !py312: no-not
            !py311-!lint: yes-neither
            {{py311,py312}}-django42: yes-braces
            {sys.platform}: yes-platform
    """)
    assert read(tmp_path).requirement_lines == ("always", "yes-py312", "yes-any", "yes-all", "yes-not", "yes-neither",
                                                "yes-braces", "yes-platform")


def test_comments_and_escaped_hashes(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", r"""
        [testenv:dev]
        deps =
            # a comment line
            pytest  # why pytest
            pkg @ https://example.org/pkg.zip\#sha256=abc
    """)
    assert read(tmp_path).requirement_lines == ("pytest", "pkg @ https://example.org/pkg.zip#sha256=abc")


def test_backslash_continuation_and_a_skipped_condition_with_its_continuation(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", """
        [testenv:dev]
        deps =
            requests\\
              [socks]
            py27: old\\
              continued
            kept
    """)
    assert read(tmp_path).requirement_lines == ("requests[socks]", "kept")


def test_extras_and_dependency_groups_comma_and_newline_lists(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", """
        [testenv:dev]
        extras = Test_Extra, docs.Extra,test-extra
        dependency_groups =
            Dev
            lint, Type_Check
            dev
    """)
    env = read(tmp_path)
    assert (env.extras, env.dependency_groups) == (("test-extra", "docs-extra"), ("dev", "lint", "type-check"))
    assert env.requirement_lines == ()
    assert env.reason == ("tox.ini [testenv:dev] (tox's dev environment): extras test-extra, docs-extra, dependency "
                          "groups dev, lint, type-check")


# --------------------------------------------------------------------------------------------------
# Substitutions


def test_static_substitutions(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", r"""
        [testenv:dev]
        deps =
            plugin-{envname}
            other-{env_name}
            pkg @ file://{toxinidir}{/}wheels{/}pkg.whl
            pkg2 @ file://{tox_root}/pkg2
            sep{:}x
            literal\{brace\}
    """)
    root = tmp_path.absolute()
    assert read(tmp_path).requirement_lines == (
        "plugin-dev", "other-dev", f"pkg @ file://{root}{os.sep}wheels{os.sep}pkg.whl", f"pkg2 @ file://{root}/pkg2",
        f"sep{os.pathsep}x", "literal{brace}")


def test_run_time_substitutions_skip_the_line_with_a_note(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", """
        [testenv:dev]
        deps =
            x{env:FOO}
            y{env:BAR:default}
            {envpython}
            z{tty:on:off}
            {glob:*.whl}
            kept
        extras = {env:EXTRA}, plain
    """)
    env = read(tmp_path)
    assert (env.requirement_lines, env.extras) == (("kept",), ())
    assert env.notes == (
        "skipped deps line 'x{env:FOO}': tox substitutes {env:FOO} at run time",
        "skipped deps line 'y{env:BAR:default}': tox substitutes {env:BAR:default} at run time",
        "skipped deps line '{envpython}': tox substitutes {envpython} at run time",
        "skipped deps line 'z{tty:on:off}': tox substitutes {tty:on:off} at run time",
        "skipped deps line '{glob:*.whl}': installdev cannot resolve {glob:*.whl} without running tox",
        "skipped extras entry '{env:EXTRA}, plain': tox substitutes {env:EXTRA} at run time",
    )


def test_posargs_are_dropped_or_replaced_by_their_default(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", """
        [testenv:dev]
        deps =
            pytest {posargs}
            {posargs:coverage}
            []
    """)
    env = read(tmp_path)
    assert env.requirement_lines == ("pytest", "coverage")
    assert env.notes == (
        "dropped {posargs} from deps line 'pytest {posargs}': installdev passes tox no positional arguments",
        "replaced {posargs:coverage} by its default 'coverage' in deps line '{posargs:coverage}': installdev passes "
        "tox no positional arguments",
        "dropped [] from deps line '[]': installdev passes tox no positional arguments",
    )


def test_section_references(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", """
        [tox]
        env_list = py312
        [common]
        deps =
            shared-a
            py312: shared-py312
            py311: shared-py311
            shared-{envname}{env:NOPE}
        [testenv]
        deps =
            {[common]deps}
            own
            {[missing]deps:fallback}
            {[common]nokey}
    """)
    env = read(tmp_path)
    assert env.requirement_lines == ("shared-a", "shared-py312", "own", "fallback")
    assert env.notes == ("skipped [common] deps line 'shared-{envname}{env:NOPE}': tox substitutes {env:NOPE} at run "
                         "time",
                         "skipped deps line '{[common]nokey}': installdev cannot resolve {[common]nokey} without "
                         "running tox")


def test_a_reference_cycle_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", "[a]\ndeps = {[b]deps}\n[b]\ndeps = {[a]deps}\n[testenv:dev]\ndeps = {[a]deps}\n")
    with pytest.raises(ProjectError, match=r"tox\.ini: substitutions refer to each other in a cycle "
                                           r"\(\[a\] deps -> \[b\] deps -> \[a\] deps\)"):
        tox_development_env(tmp_path, {})


# --------------------------------------------------------------------------------------------------
# deps line kinds


def test_requirement_constraint_and_editable_lines(tmp_path: Path) -> None:
    write(tmp_path / "requirements" / "test.txt", "pytest\n")
    write(tmp_path / "requirements" / "dev.txt", "ruff\n")
    write(tmp_path / "constraints.txt", "pytest<9\n")
    write(tmp_path / "my dir" / "c.txt", "x\n")
    write(tmp_path / "tox.ini", r"""
        [testenv:dev]
        deps =
            -r requirements/test.txt
            -rrequirements/dev.txt
            --requirement={toxinidir}/requirements/test.txt
            -c constraints.txt
            --constraint my\ dir/c.txt
            -e .
            --editable ../sibling[extra]
            -e git+https://example.org/repo.git\#egg=repo
            .[test]
            ./vendor/pkg ; python_version < "3.12"
            --index-url https://example.org/simple
    """)
    root = tmp_path.absolute()
    env = read(tmp_path)
    assert env.requirement_files == (root / "requirements" / "test.txt", root / "requirements" / "dev.txt")
    assert env.constraint_files == (root / "constraints.txt", root / "my dir" / "c.txt")
    assert env.requirement_lines == (f"-e {root}", f"-e {root.parent / 'sibling'}[extra]",
                                     "-e git+https://example.org/repo.git#egg=repo", f"{root}[test]",
                                     f'{root / "vendor" / "pkg"} ; python_version < "3.12"')
    assert env.notes == ("skipped deps line '--index-url https://example.org/simple': installdev does not pass pip "
                         "options from tox's deps",)


def test_a_missing_requirement_file_is_an_error_naming_the_line(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", "[testenv]\ndeps = -r requirements/test.txt\n")
    with pytest.raises(ProjectError) as error:
        tox_development_env(tmp_path, {})
    assert str(error.value) == (f"{tmp_path / 'tox.ini'} [testenv] deps names -r requirements/test.txt, which does not "
                                "exist: fix tox.ini or pass -r FILE")


def test_a_missing_constraint_file_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "tox.toml", '[env.dev]\ndeps = ["-c constraints.txt"]\n')
    with pytest.raises(ProjectError) as error:
        tox_development_env(tmp_path, {})
    assert str(error.value) == (f"{tmp_path / 'tox.toml'} [env.dev] deps names -c constraints.txt, which does not "
                                "exist: fix tox.toml or pass -c FILE")


def test_a_remote_requirement_file_is_skipped_with_a_note(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", "[testenv:dev]\ndeps =\n    -r https://example.org/req.txt\n    pytest\n")
    env = read(tmp_path)
    assert (env.requirement_lines, env.requirement_files) == (("pytest",), ())
    assert env.notes == ("skipped deps line '-r https://example.org/req.txt': installdev reads only local requirement "
                         "files",)


def test_duplicates_are_removed_in_order(tmp_path: Path) -> None:
    write(tmp_path / "req.txt", "x\n")
    write(tmp_path / "tox.ini", "[testenv:dev]\ndeps =\n    b\n    a\n    b\n    -r req.txt\n    -rreq.txt\n")
    env = read(tmp_path)
    assert (env.requirement_lines, env.requirement_files) == (("b", "a"), (tmp_path.absolute() / "req.txt",))


# --------------------------------------------------------------------------------------------------
# TOML


def test_tox_toml_dev_env_inherits_env_run_base(tmp_path: Path) -> None:
    write(tmp_path / "tox.toml", """
        env_list = ["3.12"]
        [env_run_base]
        deps = ["pytest>=8", "-e {tox_root}/plugins/p"]
        extras = ["Test"]
        [env.dev]
        dependency_groups = ["Dev_Group"]
    """)
    env = read(tmp_path)
    root = tmp_path.absolute()
    assert (env.env, env.requirement_lines, env.extras, env.dependency_groups) == (
        "env.dev", ("pytest>=8", f"-e {root / 'plugins' / 'p'}"), ("test",), ("dev-group",))
    assert env.reason == ("tox.toml [env.dev] (tox's dev environment): deps, extras test, dependency groups "
                          "dev-group")


def test_tox_toml_base_env_for_the_first_python_env(tmp_path: Path) -> None:
    write(tmp_path / "tox.toml", """
        env_list = ["lint", { product = [["py312", "py313"], ["django42"]] }]
        [env_run_base]
        deps = ["plugin-{env_name}"]
        [env.lint]
        deps = ["ruff"]
    """)
    env = read(tmp_path)
    assert (env.env, env.requirement_lines) == ("env_run_base (as py312-django42)", ("plugin-py312-django42",))
    assert env.reason == ("tox.toml [env_run_base] (tox's base test environment, as py312-django42): deps")


def test_tox_toml_range_factor_group(tmp_path: Path) -> None:
    write(tmp_path / "tox.toml", """
        env_list = [{ product = [{ prefix = "py3", start = 11, stop = 12 }] }]
        [env_run_base]
        deps = ["x-{env_name}"]
    """)
    assert read(tmp_path).requirement_lines == ("x-py311",)


def test_tox_toml_base_key_replaces_env_run_base(tmp_path: Path) -> None:
    write(tmp_path / "tox.toml", """
        [env_run_base]
        deps = ["not-inherited"]
        [shared]
        deps = ["from-shared"]
        [env.dev]
        base = ["shared"]
    """)
    assert read(tmp_path).requirement_lines == ("from-shared",)


def test_tox_toml_deps_as_one_string(tmp_path: Path) -> None:
    write(tmp_path / "tox.toml", '[env.dev]\ndeps = """\npytest\nmock\n"""\n')
    assert read(tmp_path).requirement_lines == ("pytest", "mock")


def test_toml_ref_replace(tmp_path: Path) -> None:
    pyproject = pyproject_of(tmp_path, """
        [tool.tox.env_run_base]
        deps = ["pytest", "coverage"]
        extras = ["test"]
        [tool.tox.env.docs]
        deps = ["sphinx", { replace = "ref", of = ["tool", "tox", "env_run_base", "deps"], extend = true }]
        [tool.tox.env.dev]
        deps = [
            { replace = "ref", env = "docs", key = "deps", extend = true },
            "ipython",
        ]
        extras = [{ replace = "ref", of = ["tool", "tox", "env_run_base", "extras"], extend = true }, "Docs"]
    """)
    env = read(tmp_path, pyproject)
    assert (env.requirement_lines, env.extras) == (("sphinx", "pytest", "coverage", "ipython"), ("test", "docs"))
    assert env.reason == "pyproject.toml [tool.tox.env.dev] (tox's dev environment): deps, extras test, docs"


def test_toml_other_replacements_are_noted(tmp_path: Path) -> None:
    write(tmp_path / "tox.toml", """
        [env.dev]
        deps = [
            "kept",
            { replace = "env", name = "EXTRA_DEP", default = "x" },
            { replace = "if", condition = "factor.py312", then = ["y"], extend = true },
            { replace = "posargs", default = ["from-default"], extend = true },
            "z{env:FOO}",
        ]
    """)
    env = read(tmp_path)
    where = f"{tmp_path / 'tox.toml'} [env.dev] deps"
    assert env.requirement_lines == ("kept", "from-default")
    assert env.notes == (
        f"{where}: skipped {{ replace = 'env' }} entry {{'replace': 'env', 'name': 'EXTRA_DEP', 'default': 'x'}}: tox "
        "resolves it at run time",
        f"{where}: skipped {{ replace = 'if' }} entry {{'replace': 'if', 'condition': 'factor.py312', 'then': ['y'], "
        "'extend': True}: tox resolves it in ways installdev does not reproduce",
        f"{where}: used the default ['from-default'] of {{ replace = \"posargs\" }}: installdev passes tox no "
        "positional arguments",
        "skipped deps line 'z{env:FOO}': tox substitutes {env:FOO} at run time",
    )


def test_toml_ref_to_an_unset_key_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "tox.toml", '[env.dev]\ndeps = [{ replace = "ref", of = ["env_run_base", "deps"], extend = true }]\n')
    with pytest.raises(ProjectError, match=r"tox\.toml \[env\.dev\] deps: .* refers to env_run_base\.deps, which "
                                           r"tox\.toml does not set: fix the reference"):
        tox_development_env(tmp_path, {})


def test_toml_ref_giving_a_list_needs_extend(tmp_path: Path) -> None:
    write(tmp_path / "tox.toml", """
        [env_run_base]
        deps = ["a"]
        [env.dev]
        deps = [{ replace = "ref", of = ["env_run_base", "deps"] }]
    """)
    with pytest.raises(ProjectError, match=r"tox\.toml \[env\.dev\] deps: the reference .* gives a list, which tox "
                                           r"nests in this one: add extend = true"):
        tox_development_env(tmp_path, {})


# --------------------------------------------------------------------------------------------------
# Malformed configurations


@pytest.mark.parametrize(("name", "text", "message"), [
    ("tox.ini", "[testenv\ndeps = x\n", r"tox\.ini is not a valid INI file, so tox cannot read it \(.*\): fix it"),
    ("tox.ini", "deps = x\n", r"tox\.ini is not a valid INI file, so tox cannot read it \(File contains no section "
                              r"headers"),
    ("tox.ini", "[testenv]\ndeps = a\ndeps = b\n", r"tox\.ini is not a valid INI file.*option 'deps'.*already exists"),
    ("setup.cfg", "[tox:tox]\n[tox:tox]\n", r"setup\.cfg is not a valid INI file.*section 'tox:tox' already exists"),
    ("tox.toml", "[env.dev\n", r"tox\.toml is not valid TOML"),
    ("tox.toml", "env = 3\n", r"tox\.toml: \[env\] must be a table: fix its type"),
    ("tox.toml", "[env]\ndev = 3\n", r"tox\.toml: \[env\.dev\] must be a table: fix its type"),
    ("tox.toml", "[env.dev]\nextras = \"test\"\n", r"tox\.toml \[env\.dev\] extras must be a list of strings: fix its "
                                                   r"type"),
    ("tox.toml", "[env.dev]\ndeps = [1]\n", r"tox\.toml \[env\.dev\] deps has an entry that is neither a string nor a "
                                            r"\{ replace = \.\.\. \} table \(1\): fix it"),
    ("tox.toml", "env_list = \"py312\"\n[env_run_base]\ndeps = [\"x\"]\n", r"tox\.toml: env_list must be a list of "
                                                                          r"environment names: fix its type"),
    ("tox.toml", "[env.dev]\nbase = \"x\"\n", r"tox\.toml: \[env\.dev\] base must be a list of table names"),
])
def test_malformed_configuration_is_a_project_error_naming_the_file(tmp_path: Path, name: str, text: str,
                                                                     message: str) -> None:
    write(tmp_path / name, text)
    with pytest.raises(ProjectError, match=message) as error:
        tox_development_env(tmp_path, {})
    assert "\n" not in str(error.value)
    assert str(tmp_path / name) in str(error.value)


def test_malformed_pyproject_tox_tables(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"pyproject\.toml: \[tool\.tox\] must be a table: fix its type"):
        tox_development_env(tmp_path, {"tool": {"tox": "x"}})
    with pytest.raises(ProjectError, match=r"pyproject\.toml \[tool\.tox\] legacy_tox_ini must be a string holding "
                                           r"tox\.ini's text: fix its type"):
        tox_development_env(tmp_path, {"tool": {"tox": {"legacy_tox_ini": ["x"]}}})
    with pytest.raises(ProjectError, match=r"pyproject\.toml \[tool\.tox\] legacy_tox_ini is not a valid INI file"):
        tox_development_env(tmp_path, {"tool": {"tox": {"legacy_tox_ini": "no section\n"}}})


def test_a_tox_ini_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "tox.ini").write_bytes(b"[testenv]\ndeps = caf\xe9\n")
    with pytest.raises(ProjectError, match=r"tox\.ini is not UTF-8, which tox requires: save it as UTF-8"):
        tox_development_env(tmp_path, {})


def test_only_skipped_entries_still_give_the_env_with_its_notes(tmp_path: Path) -> None:
    write(tmp_path / "tox.ini", "[testenv:dev]\ndeps = {env:DEPS}\n")
    env = read(tmp_path)
    assert (env.requirement_lines, env.notes) == ((), ("skipped deps line '{env:DEPS}': tox substitutes {env:DEPS} at "
                                                       "run time",))
    assert env.reason == "tox.ini [testenv:dev] (tox's dev environment): nothing installdev can install (see its notes)"


@pytest.mark.skipif(sys.platform == "win32", reason="paths are spelled POSIX-style")
def test_tox_config_files_in_order(tmp_path: Path) -> None:
    for name in ("tox.toml", "pyproject.toml", "setup.cfg", "tox.ini"):
        write(tmp_path / name, "")
    assert tox_config_files(tmp_path) == tuple(tmp_path / name for name in ("tox.ini", "setup.cfg", "pyproject.toml",
                                                                            "tox.toml"))


def test_toml_string_section_references_are_not_resolved(tmp_path: Path) -> None:
    write(tmp_path / "tox.toml", '[env.dev]\ndeps = ["{[env_run_base]deps:fallback}", "kept"]\n')
    env = read(tmp_path)
    assert (env.requirement_lines, env.notes) == (("kept",), (
        "skipped deps line '{[env_run_base]deps:fallback}': installdev cannot resolve {[env_run_base]deps:fallback} "
        "without running tox",))
