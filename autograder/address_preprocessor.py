"""The nbgrader preprocessor that writes the course's address into released notebooks.

The instructor's notebooks (``exercises/source``) link to the book and name the repository with
placeholders, ``{{book_url}}`` and ``{{repository_url}}`` (see ``autograder.address``), so that the
address is written only in ``pyproject.toml``. ``exercises/nbgrader_config.py`` puts this
preprocessor first in ``GenerateAssignment``'s list, so ``autograder release NAME`` and a plain
``nbgrader generate_assignment NAME`` both substitute them. It runs before nbgrader computes the
locked cells' checksums and saves their sources to the gradebook, so grading compares submissions
with the text learners received.
"""
from __future__ import annotations

from nbgrader.preprocessors.base import NbGraderPreprocessor

from autograder.address import fill_placeholders


class FillCourseAddress(NbGraderPreprocessor):
    """Replace the address placeholders in every cell's source (markdown and code alike)."""

    def preprocess_cell(self, cell, resources, index):
        cell.source = fill_placeholders(cell.source)
        return cell, resources
