"""references.bib and the chapters' citations, read from the sources (this builds nothing).

The strict build already fails on a citation key that references.bib lacks (sphinxcontrib-bibtex
warns); this test says so in seconds, and checks what the build does not: every entry can be
found by a reader (a DOI, an arXiv id, failing both a URL, or a note that none exists), no key is defined twice, and no
chapter still cites in plain text ("Author (1989)") instead of through the bibliography.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from pybtex.database import parse_file

REPO = Path(__file__).resolve().parents[2]
BIB = REPO / "references.bib"
CHAPTERS = REPO / "chapters"
# {cite}`a,b`, {cite:p}`a`, {cite:t}`a`, {cite:ps}`a` ...
CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
# "Cybenko (1989)", "(Glorot and Bengio, 2010)", "He et al., 2015": a plain-text citation.
PLAIN_CITATION = re.compile(
    r"\b[A-Z][a-z]+(?: et al\.| and [A-Z][a-z]+)?,? \(?(?:19[5-9]\d|20[0-2]\d)[a-z]?\)?[,;)]")


def bib_keys() -> list[str]:
    return re.findall(r"^@\w+\{([^,\s]+),", BIB.read_text(encoding="utf-8"), re.MULTILINE)


def prose(text: str) -> str:
    """A chapter's text without code cells, code blocks and inline code."""
    text = re.sub(r"^(`{3,}|:{3,})\{code-cell\}.*?^\1\s*$", "", text, flags=re.S | re.M)
    text = re.sub(r"^(`{3,})(?!\{).*?^\1\s*$", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def test_every_entry_has_a_doi_an_arxiv_id_or_a_url():
    database = parse_file(str(BIB))
    missing = [key for key, entry in database.entries.items()
               if not ({"doi", "eprint", "url"} & {f.lower() for f in entry.fields})
               and "no doi" not in entry.fields.get("note", "").lower()]
    assert not missing, (f"entries with neither doi, eprint (arXiv) nor url, nor a note saying "
                         f"that none exists: {missing}")
    for key, entry in database.entries.items():
        fields = {f.lower(): v for f, v in entry.fields.items()}
        if "eprint" in fields:
            assert fields.get("archiveprefix", "").lower() == "arxiv", (
                f"{key}: eprint without archiveprefix = {{arXiv}}")
            assert re.fullmatch(r"\d{4}\.\d{4,5}", fields["eprint"]), (
                f"{key}: not an arXiv id: {fields['eprint']!r}")
        if "doi" in fields:
            assert fields["doi"].startswith("10."), f"{key}: not a DOI: {fields['doi']!r}"


def test_no_key_is_defined_twice():
    keys = bib_keys()
    assert len(keys) == len(set(keys)), sorted(k for k in set(keys) if keys.count(k) > 1)


@pytest.mark.parametrize("source", sorted(CHAPTERS.glob("*.md")), ids=lambda p: p.stem)
def test_chapter_cites_known_keys_and_only_through_the_bibliography(source: Path):
    text = source.read_text(encoding="utf-8")
    known = set(bib_keys())
    cited = {key.strip() for group in CITE_ROLE.findall(text) for key in group.split(",")}
    assert not cited - known, f"{source.name} cites keys not in references.bib: {sorted(cited - known)}"
    plain = PLAIN_CITATION.findall(prose(CITE_ROLE.sub("", text)))
    spots = [m.group(0) for m in PLAIN_CITATION.finditer(prose(CITE_ROLE.sub("", text)))]
    assert not plain, f"{source.name} cites in plain text, not through {{cite}}: {spots}"


def test_the_plain_citation_pattern_finds_what_it_should():
    assert PLAIN_CITATION.search("proved it (Cybenko, 1989).")
    assert PLAIN_CITATION.search("Glorot and Bengio (2010) proposed")
    assert PLAIN_CITATION.search("(He et al., 2015; Zhang et al., 2019)")
    assert not PLAIN_CITATION.search("shape (2000, 100)")
    assert not PLAIN_CITATION.search("{cite:t}`cybenko1989` proved")
