"""nbgrader's configuration for this book's chapters: copy it into your course's root folder.

    cp teaching/nbgrader_config.py COURSE/nbgrader_config.py   (with this checkout on PYTHONPATH)

With it, `nbgrader autograde` runs each chapter's setup cells (tagged ``exercise-setup``) and its
exercises, not the chapter's training: minutes less per submission, and the same cells `make
grade` runs (tests/test_grading.py grades the same submissions both ways). Without it nbgrader
runs the whole chapter, which gives the same points more slowly.
"""

from nbconvert.preprocessors import Preprocessor
from nbgrader.converters import Autograde
from traitlets import Bool

from teaching.student_version import SETUP_TAG, heading


class KeepExercises(Preprocessor):
    """Drop the cells before the exercises that are not setup cells (a notebook that lost its
    tags runs whole)."""

    enabled = Bool(True)  # nbconvert's own preprocessors start disabled

    def preprocess(self, nb, resources):
        try:
            start = heading(nb)
        except ValueError:
            return nb, resources
        setup = [c for c in nb.cells[:start] if SETUP_TAG in c.metadata.get("tags", [])]
        if setup:
            nb.cells = setup + nb.cells[start:]
        return nb, resources


c = get_config()  # noqa: F821 (nbgrader's config loader defines it)
c.Autograde.autograde_preprocessors = [KeepExercises, *Autograde.autograde_preprocessors.default()]
