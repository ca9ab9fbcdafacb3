"""nbgrader's configuration for the course: run nbgrader's commands from this folder.

    cd exercises
    nbgrader generate_assignment fundamentals      # source/ -> release/ (no solutions, no hidden tests)
    nbgrader autograde fundamentals                 # submitted/<student>/ -> autograded/ + gradebook.db
    nbgrader generate_feedback fundamentals         # autograded/ -> feedback/ (HTML)

The course directory is this folder: instructor notebooks in ``source/<assignment>/``, and
nbgrader's working folders (release/, submitted/, autograded/, feedback/) and its database
(gradebook.db) next to them; git ignores all of those. Every test cell calls
``autograder.checks.check``, so the kernel that runs the notebooks needs this repository's
package installed (``pip install -e .`` from the repository root, which the Makefile does).
"""
import os

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "nn-from-scratch"

# Grading runs each notebook top to bottom; no cell of the exercises needs more than a few
# seconds, so a minute per cell stops only a learner's endless loop.
c.Execute.timeout = 60
# An unfilled answer raises NotImplementedError, as the released stubs do.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Released notebooks get the course's address (pyproject.toml, [project.urls]) in place of the
# sources' {{book_url}} and {{repository_url}} placeholders. First in the list, so that the
# checksums and cell sources nbgrader stores for grading are those of the text learners receive.
from autograder.address_preprocessor import FillCourseAddress  # noqa: E402
from nbgrader.converters import GenerateAssignment  # noqa: E402

c.GenerateAssignment.preprocessors = [
    FillCourseAddress, *GenerateAssignment.class_traits()["preprocessors"].default()]
