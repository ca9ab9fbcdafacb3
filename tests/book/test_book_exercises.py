"""The exercises at the end of each course chapter, in the built book (issue 15).

Each chapter ends with at least six {exercise} blocks (sphinx-exercise), each with a {solution}
that is collapsed until the reader opens it (``:class: dropdown``, sphinx-togglebutton); and
every citation links to its entry on the bibliography page, which gives each work a DOI, arXiv
or publisher link. The checks are plain functions of a built page, so they can be run on any
build; the tests run them on the session's book (``built_book``, tests/conftest.py).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.slow

COURSE = ("01_fundamentals", "02_backpropagation", "03_activations", "04_optimization",
          "05_regularization", "06_architectures", "07_interview")
MIN_EXERCISES = 6


def exercise_problems(html: str) -> list[str]:
    """What is wrong with a chapter page's exercises (empty when all is well)."""
    soup = BeautifulSoup(html, "html.parser")
    exercises = soup.select("div.exercise")
    solutions = soup.select("div.solution")
    problems = []
    if len(exercises) < MIN_EXERCISES:
        problems.append(f"{len(exercises)} exercises, fewer than {MIN_EXERCISES}")
    exercise_ids = {e.get("id") for e in exercises}
    answered = set()
    for solution in solutions:
        classes = solution.get("class", [])
        if "dropdown" not in classes:
            problems.append(f"solution {solution.get('id')} is not collapsed (class {classes})")
        link = solution.select_one(".admonition-title a[href^='#']")
        if link is None:
            problems.append(f"solution {solution.get('id')} does not link to its exercise")
            continue
        answered.add(link["href"][1:])
    for missing in sorted(exercise_ids - answered):
        problems.append(f"exercise {missing} has no solution")
    return problems


def citation_problems(chapter_html: str, references_html: str) -> list[str]:
    """Citations that do not link to an entry of the bibliography page, and entries without a
    DOI, arXiv or publisher link."""
    chapter = BeautifulSoup(chapter_html, "html.parser")
    references = BeautifulSoup(references_html, "html.parser")
    entries = {e.get("id"): e for e in references.select(".citation")}
    problems = []
    for link in chapter.select("a[href^='references.html#']"):
        target = link["href"].split("#", 1)[1]
        if target not in entries:
            problems.append(f"citation {link.get_text()!r} links to a missing entry #{target}")
    for key, entry in entries.items():
        if not entry.select("a[href^='https://doi.org/'], a[href^='https://arxiv.org/'], "
                            "a[href^='http']") and "No DOI" not in entry.get_text():
            problems.append(f"bibliography entry {key} has no DOI, arXiv or publisher link")
    return problems


# Clicks the first solution's title and reports whether its body is visible before and after.
TOGGLE_JS = """
async () => {
  const solution = document.querySelector("div.solution.dropdown");
  const body = Array.from(solution.children).find((c) => !c.classList.contains("admonition-title"));
  // sphinx-togglebutton collapses the body (no height, hidden) rather than removing it
  const shown = () => body.getBoundingClientRect().height > 1
                      && getComputedStyle(body).visibility !== "hidden";
  const before = shown();
  (solution.querySelector("button.toggle-button") || solution.querySelector(".admonition-title")).click();
  await new Promise((r) => setTimeout(r, 400));
  return {before: before, after: shown()};
}
"""


@pytest.mark.parametrize("chapter", COURSE)
def test_chapter_ends_with_exercises_whose_answers_are_collapsed(built_book: Path, chapter):
    html = (built_book / "chapters" / f"{chapter}.html").read_text(encoding="utf-8")
    assert exercise_problems(html) == []


@pytest.mark.parametrize("chapter", COURSE)
def test_chapter_citations_link_to_the_bibliography(built_book: Path, chapter):
    html = (built_book / "chapters" / f"{chapter}.html").read_text(encoding="utf-8")
    references = (built_book / "chapters" / "references.html").read_text(encoding="utf-8")
    assert citation_problems(html, references) == []
    assert re.search(r'href="references\.html#', html), f"{chapter} cites nothing"


def test_a_solution_is_hidden_until_opened(open_page):
    visit = open_page("chapters/01_fundamentals.html")
    state = visit.page.evaluate(TOGGLE_JS)
    assert state == {"before": False, "after": True}
    assert visit.problems() == []
