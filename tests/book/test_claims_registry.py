"""Every number a chapter's prose states comes from its code: the registry of glued values and
assertion cells (tests/book/claims_registry.toml) keeps them from silently vanishing.

A chapter backs a claim in one of two ways (chapters/*.md, MyST notebooks):

- **glue**: a code cell calls ``glue("name", value, display=False)`` (myst-nb) and the prose says
  ``{glue:text}`name:.2f```; the number on the page is whatever the code computed.
- **an assertion cell**: a code cell tagged ``claim-<id>`` whose ``assert`` statements fail the
  (strict) build when the sentence next to it stops being true.

This test reads the chapter sources only (it builds nothing) and compares them with the
registry, in both directions: a glue or an assertion removed from a chapter fails until the
registry entry is removed too (a deliberate, reviewed change), and a new one fails until it is
registered. Each chapter is one table of the registry, named after its file::

    [01_fundamentals.glue]
    perceptron_clean_epoch = "first epoch with no mistake on the separable set"

    [01_fundamentals.assertions]
    scratch-mlp-matches-nnlib = { asserts = 2, claim = "the numpy MLP's losses equal fit's" }

``asserts`` is the number of ``assert`` statements in the cell, so removing one of several fails
too. Glue names must be string literals (so they can be listed). The registry's format is checked
first, so a typo in it says what is wrong.
"""
from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import pytest

REPO = Path(__file__).resolve().parents[2]
CHAPTERS = REPO / "chapters"
REGISTRY = Path(__file__).with_name("claims_registry.toml")
CLAIM_TAG = re.compile(r"^claim-([a-z0-9][a-z0-9-]*)$")
# {glue}`name`, {glue:text}`name:.2f`, {glue:md}`name`, {glue:any}`name`; also the
# ```{glue:figure} name``` / ```{glue} name``` directives.
GLUE_ROLE = re.compile(r"\{glue(?::[a-z]+)?\}`([^`:]+)(?::[^`]*)?`")
GLUE_DIRECTIVE = re.compile(r"^[`:]{3,}\{glue(?::[a-z]+)?\}\s+(\S+)", re.MULTILINE)


@dataclass
class ChapterClaims:
    """What one chapter source glues, refers to, and asserts."""

    glued: set[str] = field(default_factory=set)
    referenced: set[str] = field(default_factory=set)
    assertions: dict[str, int] = field(default_factory=dict)  # claim id -> assert statements
    problems: list[str] = field(default_factory=list)


def python_source(cell_source: str) -> str:
    """A code cell's source with IPython magics and shell lines blanked (so ``ast`` parses it)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in cell_source.splitlines())


def glue_calls(tree: ast.AST) -> list[ast.Call]:
    """Calls of ``glue(...)`` or ``<module>.glue(...)`` in ``tree``."""
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "glue":
                calls.append(node)
    return calls


def chapter_claims(path: Path) -> ChapterClaims:
    """Parse the MyST notebook at ``path`` and collect its glue and claim cells."""
    claims = ChapterClaims()
    notebook = jupytext.read(path)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            claims.referenced |= set(GLUE_ROLE.findall(cell.source))
            claims.referenced |= set(GLUE_DIRECTIVE.findall(cell.source))
            continue
        if cell.cell_type != "code":
            continue
        where = f"{path.name}, code cell {index}"
        try:
            tree = ast.parse(python_source(cell.source))
        except SyntaxError as error:
            claims.problems.append(f"{where}: not Python ({error})")
            continue
        for call in glue_calls(tree):
            first = call.args[0] if call.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                claims.glued.add(first.value)
            else:
                claims.problems.append(
                    f"{where}, line {call.lineno}: glue's name must be a string literal, got "
                    f"{ast.unparse(first) if first is not None else 'no argument'}")
        asserts = sum(isinstance(node, ast.Assert) for node in ast.walk(tree))
        ids = [m.group(1) for tag in cell.metadata.get("tags", []) if (m := CLAIM_TAG.match(tag))]
        if len(ids) > 1:
            claims.problems.append(f"{where}: one claim tag per cell, got {ids}")
        if ids and asserts == 0:
            claims.problems.append(f"{where}: tagged claim-{ids[0]} but has no assert statement")
        if asserts and not ids:
            claims.problems.append(
                f"{where}: {asserts} assert statement(s) but no claim-<id> tag; tag the cell "
                f"(:tags: [claim-<id>]) and register it")
        for claim_id in ids[:1]:
            if claim_id in claims.assertions:
                claims.problems.append(f"{where}: claim id {claim_id!r} used twice")
            claims.assertions[claim_id] = asserts
    return claims


def load_registry(path: Path = REGISTRY) -> dict[str, dict]:
    """The registry, its format checked: {chapter: {"glue": {...}, "assertions": {...}}}."""
    registry = tomllib.loads(path.read_text(encoding="utf-8"))
    for chapter, tables in registry.items():
        unknown = set(tables) - {"glue", "assertions"}
        assert not unknown, f"{path.name} [{chapter}]: unknown tables {sorted(unknown)}"
        for name, description in tables.get("glue", {}).items():
            assert isinstance(description, str) and description.strip(), (
                f"{path.name} [{chapter}.glue] {name}: a non-empty description, got "
                f"{description!r}")
        for claim_id, entry in tables.get("assertions", {}).items():
            assert CLAIM_TAG.match(f"claim-{claim_id}"), (
                f"{path.name} [{chapter}.assertions]: bad claim id {claim_id!r}")
            assert isinstance(entry, dict) and set(entry) == {"asserts", "claim"}, (
                f"{path.name} [{chapter}.assertions] {claim_id}: {{asserts = N, claim = \"...\"}}"
                f", got {entry!r}")
            assert isinstance(entry["asserts"], int) and entry["asserts"] > 0, (
                f"{path.name} [{chapter}.assertions] {claim_id}: asserts must be a positive "
                f"int, got {entry['asserts']!r}")
            assert isinstance(entry["claim"], str) and entry["claim"].strip(), (
                f"{path.name} [{chapter}.assertions] {claim_id}: empty claim")
    return registry


def chapter_sources() -> list[Path]:
    return sorted(p for p in CHAPTERS.glob("*.md") if p.read_text(encoding="utf-8")
                  .startswith("---\njupytext:"))


def test_registry_names_existing_chapters():
    registry = load_registry()
    names = {p.stem for p in chapter_sources()}
    missing = sorted(set(registry) - names)
    assert not missing, f"{REGISTRY.name} lists chapters that are not notebooks: {missing}"


def disagreements(claims: ChapterClaims, entry: dict) -> list[str]:
    """Where a chapter's ``claims`` and its registry ``entry`` differ (empty when they agree)."""
    problems = list(claims.problems)
    registered_glue = set(entry.get("glue", {}))
    for name in sorted(registered_glue - claims.glued):
        problems.append(f"glued value {name!r} is registered but no longer glued")
    for name in sorted(claims.glued - registered_glue):
        problems.append(f"glued value {name!r} is not registered")
    for name in sorted(claims.referenced - claims.glued):
        problems.append(f"the prose refers to {name!r}, which this chapter does not glue")
    for name in sorted(claims.glued - claims.referenced):
        problems.append(f"{name!r} is glued but the prose never shows it")

    registered = {k: v["asserts"] for k, v in entry.get("assertions", {}).items()}
    for claim_id in sorted(set(registered) - set(claims.assertions)):
        problems.append(f"assertion cell claim-{claim_id} is registered but gone")
    for claim_id in sorted(set(claims.assertions) - set(registered)):
        problems.append(f"assertion cell claim-{claim_id} is not registered")
    for claim_id in sorted(set(registered) & set(claims.assertions)):
        if registered[claim_id] != claims.assertions[claim_id]:
            problems.append(f"claim-{claim_id} has {claims.assertions[claim_id]} assert "
                            f"statement(s), the registry says {registered[claim_id]}")
    return problems


@pytest.mark.parametrize("source", chapter_sources(), ids=lambda p: p.stem)
def test_chapter_claims_match_registry(source: Path):
    problems = disagreements(chapter_claims(source), load_registry().get(source.stem, {}))
    assert not problems, (f"{source.name} vs {REGISTRY.name} [{source.stem}]:\n  "
                          + "\n  ".join(problems))


def test_parser_sees_glue_and_claims(tmp_path: Path):
    """The parser itself: literal and non-literal glue, references, tags and assert counts."""
    source = tmp_path / "99_sample.md"
    source.write_text(
        "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
        "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n\n"
        "# Sample\n\n```{code-cell} ipython3\n%matplotlib inline\nfrom myst_nb import glue\n"
        "glue('a', 1.5, display=False)\nglue(name, 2)\n```\n\n"
        "The value is {glue:text}`a:.1f` and {glue}`b`.\n\n"
        "```{code-cell} ipython3\n:tags: [hide-input, claim-a-holds]\n"
        "assert 1 < 2\nfor i in range(2):\n    assert i < 2\n```\n\n"
        "```{code-cell} ipython3\nassert True\n```\n", encoding="utf-8")
    claims = chapter_claims(source)
    assert claims.glued == {"a"}
    assert claims.referenced == {"a", "b"}
    assert claims.assertions == {"a-holds": 2}
    assert len(claims.problems) == 2
    assert "string literal, got name" in claims.problems[0]
    assert "no claim-<id> tag" in claims.problems[1]


def test_a_vanished_claim_is_reported():
    """Removing a glue or an assert (or adding one) makes the chapter disagree with its entry."""
    entry = {"glue": {"a": "a value", "b": "another"},
             "assertions": {"x": {"asserts": 2, "claim": "x holds"}}}
    same = ChapterClaims(glued={"a", "b"}, referenced={"a", "b"}, assertions={"x": 2})
    assert disagreements(same, entry) == []
    fewer = ChapterClaims(glued={"a"}, referenced={"a"}, assertions={"x": 1})
    assert disagreements(fewer, entry) == [
        "glued value 'b' is registered but no longer glued",
        "claim-x has 1 assert statement(s), the registry says 2"]
    gone = ChapterClaims(glued={"a", "b", "c"}, referenced={"a", "b", "c"}, assertions={})
    assert disagreements(gone, entry) == [
        "glued value 'c' is not registered", "assertion cell claim-x is registered but gone"]
    unshown = ChapterClaims(glued={"a", "b"}, referenced={"a", "z"}, assertions={"x": 2})
    assert disagreements(unshown, entry) == [
        "the prose refers to 'z', which this chapter does not glue",
        "'b' is glued but the prose never shows it"]
