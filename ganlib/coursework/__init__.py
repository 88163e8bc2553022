"""Feedback on the exercises: checks students run on their own code (not part of the paper).

Each ``check_*`` calls the student's function on fixed and random inputs and edge cases, compares
with the formula written out here (not with ganlib's own implementation), and either returns a
one-line confirmation or raises :class:`CheckFailed` saying what is wrong in the reader's terms:
which input, what was expected, what came back, and, when the answer matches a typical mistake
(a missing log, swapped terms, a wrong sign, a sum instead of a mean, probabilities where logits
were meant), that mistake by name. ``NotImplementedError`` from an unfinished exercise passes
through unchanged. The messages are in English, or in Korean where ``GANLIB_LANGUAGE=ko`` (the
Korean chapters set it in their first cell; ``ganlib.language``).

A function that is, or calls, the ganlib function its exercise asks the student to write fails
with a message saying so: the exercise is to write the formula, and a check that passed
``ganlib.value_function`` would grade the library, not the student.

``engine`` runs the student's function and words the diagnosis; ``formulas`` checks Eq. 1, Prop. 1
and Theorem 1's formulas, ``metrics`` the later chapters' measures, ``training_step`` Algorithm 1.
``byvalue`` lets the same checks judge a function that lives in another process (`make grade`
calls the student's functions in a sandbox, and judges outside it).
"""

from .engine import CheckFailed
from .formulas import (
    check_discriminator_loss,
    check_generator_loss,
    check_jensen_shannon,
    check_optimal_discriminator,
    check_value_function,
)
from .metrics import check_mode_coverage, check_nearest, check_parzen
from .training_step import check_training_step

__all__ = [
    "CheckFailed",
    "check_discriminator_loss",
    "check_generator_loss",
    "check_jensen_shannon",
    "check_mode_coverage",
    "check_nearest",
    "check_optimal_discriminator",
    "check_parzen",
    "check_training_step",
    "check_value_function",
]
