"""installdev's own reading of release-only specifiers gives packaging's answers, and hands everything else to it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from installdev.request.project.python_specifier import PythonSpecifier, _release_clauses
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

RELEASES = st.lists(st.integers(min_value=0, max_value=14), min_size=1, max_size=4).map(tuple)
VERSIONS = st.tuples(st.integers(2, 4), st.integers(0, 15), st.integers(0, 12))


@st.composite
def release_clause(draw) -> str:
    operator = draw(st.sampled_from(["~=", "==", "!=", "<=", ">=", "<", ">"]))
    release = draw(RELEASES)
    if operator == "~=" and len(release) < 2:
        release = (*release, 0)
    wildcard = operator in ("==", "!=") and draw(st.booleans())
    spaces = draw(st.sampled_from(["", " ", "  "]))
    return f"{spaces}{operator}{spaces}{'.'.join(map(str, release))}{'.*' if wildcard else ''}{spaces}"


def packaging_says(text: str, version: tuple[int, int, int]) -> bool:
    return SpecifierSet(text).contains(Version(".".join(map(str, version))), prereleases=True)


@settings(max_examples=1000, deadline=None)
@given(st.lists(release_clause(), min_size=1, max_size=3), VERSIONS)
def test_release_only_specifiers_are_read_here_with_packagings_answers(clauses: list[str], version) -> None:
    text = ",".join(clauses)
    specifier = PythonSpecifier(text)
    assert _release_clauses(text) is not None  # read here, not by packaging
    assert specifier.contains(version) == packaging_says(text, version), (text, version)


@pytest.mark.parametrize("text", [">=3.10", ">=3.9,<4", "~=3.11", "==3.12.*", "!=3.13.0,>=3.10", ">3.10", "<=3.12.5",
                                  "==3", "~=3.10.0", ">=3.10, <3.13, !=3.11.*", ",>=3.10,"])
@pytest.mark.parametrize("version", [(3, 9, 18), (3, 10, 0), (3, 11, 7), (3, 12, 0), (3, 12, 5), (3, 13, 0), (4, 0, 0)])
def test_the_specifiers_projects_write(text: str, version) -> None:
    assert PythonSpecifier(text).contains(version) == packaging_says(text, version)
    assert str(PythonSpecifier(text)) == str(SpecifierSet(text))  # as messages show it


@pytest.mark.parametrize("text", [">=3.10rc1", ">=3.10.post1", "==3.12.1+local", ">=1!3.10", "===3.12.1", ">=v3.10",
                                  ">=3.10.dev0"])
@pytest.mark.parametrize("version", [(3, 9, 0), (3, 10, 0), (3, 12, 1)])
def test_other_specifiers_are_left_to_packaging(text: str, version) -> None:
    assert _release_clauses(text) is None
    assert PythonSpecifier(text).contains(version) == packaging_says(text, version)
    assert str(PythonSpecifier(text)) == str(SpecifierSet(text))


@pytest.mark.parametrize("text", [">=three", "3.10", "~=3", ">=3.10.*", "=>3.10", ">=3.10;", "<<3"])
def test_what_is_no_specifier_is_refused_as_packaging_refuses_it(text: str) -> None:
    with pytest.raises(InvalidSpecifier):
        SpecifierSet(text)
    with pytest.raises(ValueError):
        PythonSpecifier(text)
