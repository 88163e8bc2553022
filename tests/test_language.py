"""The exercises' feedback in Korean (GANLIB_LANGUAGE=ko): the Korean notebooks' first cell sets it.

Each wrong answer is checked twice, in English and in Korean. The Korean message must be the
catalog's Korean (read from the .po with Babel, not through ganlib's gettext), carry every number
the English one quotes, and leave no English sentence behind.
"""

from __future__ import annotations

import functools
import math
import re

import pytest
import torch
import torch.nn.functional as F
from babel.messages.pofile import read_po
from test_coursework import (
    coverage_squared,
    nearest_right,
    parzen_exp_then_log,
    training_step,
)

from ganlib import coursework
from ganlib.language import LOCALE, _, language
from translation import catalogs as tr
from translation import review

HANGUL = re.compile(r"[\uac00-\ud7a3]")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?")
CATALOG = tr.catalog_path(tr.GANLIB)


def korean() -> dict[str, str]:
    with CATALOG.open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id}


# One wrong answer for each kind of message: a named mistake, an unknown one, a wrong shape, a
# missing return, a call into ganlib, and each check of the book.
WRONG = [
    (coursework.check_value_function, lambda r, f: r.mean() + (1 - f).mean()),
    (coursework.check_value_function, lambda r, f: r.log().mean() + (1 - f).log().mean() + 0.1),
    (coursework.check_value_function, lambda r, f: r.log() + 0 * f.sum()),
    (coursework.check_value_function, lambda r, f: None),
    (coursework.check_optimal_discriminator, lambda p, q: q / (p + q)),
    (coursework.check_optimal_discriminator, lambda p, q: (p / (p + q))[:1]),
    (
        functools.partial(coursework.check_generator_loss, kind="minimax"),
        lambda a: torch.log(1 - torch.sigmoid(a)).mean(),
    ),
    (
        functools.partial(coursework.check_generator_loss, kind="nonsaturating"),
        lambda a: -F.logsigmoid(-a).mean(),
    ),
    (
        coursework.check_discriminator_loss,
        lambda ar, af: -(ar.log().mean() + torch.log1p(-af).mean()),
    ),
    (coursework.check_jensen_shannon, lambda p, q: (p * (p / q).log()).sum()),
    (coursework.check_jensen_shannon, lambda p, q: 0.0 * p.sum() + math.log(2)),
    (coursework.check_mode_coverage, coverage_squared),
    (coursework.check_mode_coverage, lambda s, c, std: 3),
    (coursework.check_nearest, lambda s, t: (lambda d, i: (d**2, i))(*nearest_right(s, t))),
    (coursework.check_nearest, lambda s, t: torch.cdist(s.double(), t.double()).min(dim=0)),
    (coursework.check_parzen, parzen_exp_then_log),
    (coursework.check_training_step, functools.partial(training_step, bug="reused noise")),
    (coursework.check_training_step, functools.partial(training_step, bug="one D step")),
    (
        coursework.check_value_function,
        lambda r, f: __import__("ganlib").value_function(r, f),
    ),
]


def _failure(check, answer) -> str:
    with pytest.raises(coursework.CheckFailed) as e:
        check(answer)
    return str(e.value)


@pytest.mark.parametrize(("check", "answer"), WRONG)
def test_feedback_in_korean_when_asked(check, answer, monkeypatch):
    monkeypatch.delenv("GANLIB_LANGUAGE", raising=False)
    english = _failure(check, answer)
    monkeypatch.setenv("GANLIB_LANGUAGE", "ko")
    message = _failure(check, answer)
    assert HANGUL.search(message), message
    # The same numbers (and shapes, steps, indices) as the English message quotes.
    assert sorted(NUMBER.findall(message)) == sorted(NUMBER.findall(english)), (english, message)
    # Each sentence the English quotes whole (the mistake, the case) is the catalog's Korean.
    catalog = korean()
    quoted = [m for m in catalog if "{" not in m and len(m.split()) > 3 and m in english]
    for piece in quoted:
        assert catalog[piece] in message, (piece, catalog[piece], message)
    # No English sentence is left: three English words in a row are never maths or code here.
    assert not ENGLISH_RUN.findall(message), (ENGLISH_RUN.findall(message), message)


ENGLISH_RUN = re.compile(r"\b[a-z]{2,}(?: [a-z]{2,}){2,}\b")


def test_english_is_the_default_and_the_variable_is_read_each_time(monkeypatch):
    monkeypatch.delenv("GANLIB_LANGUAGE", raising=False)
    assert language() == "en" and _("D's loss") == "D's loss"
    monkeypatch.setenv("GANLIB_LANGUAGE", "ko")  # set after import, as the notebook's %env does
    assert language() == "ko" and _("D's loss") == korean()["D's loss"] != "D's loss"
    monkeypatch.setenv("GANLIB_LANGUAGE", "ko_KR.UTF-8")  # a locale's name means its language
    assert language() == "ko"
    monkeypatch.setenv("GANLIB_LANGUAGE", "")
    assert language() == "en"


def test_a_language_without_messages_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("GANLIB_LANGUAGE", "fr")
    with pytest.raises(ValueError, match=r"GANLIB_LANGUAGE='fr'.*\('en', 'ko'\)"):
        coursework.check_value_function(lambda r, f: r.mean())


def test_success_messages_in_korean(monkeypatch):
    monkeypatch.setenv("GANLIB_LANGUAGE", "ko")
    done = coursework.check_optimal_discriminator(lambda p, q: p / (p + q))
    assert done.startswith("check_optimal_discriminator") and done.endswith("✓")
    assert HANGUL.search(done)


def test_every_message_of_ganlib_is_translated_with_its_fields():
    catalog = korean()
    extracted = {m for m, _where in tr.ganlib_messages()}
    assert extracted == set(catalog), "run `make translations`"
    assert len(catalog) > 100
    untranslated = [m for m, k in catalog.items() if not k]
    assert not untranslated, f"{len(untranslated)} untranslated, first: {untranslated[:3]}"
    for english, ko in catalog.items():
        assert not review.problems(english, ko), (english, review.problems(english, ko))
        assert HANGUL.search(ko), f"no Korean in the translation of {english!r}"
    assert (LOCALE / "ko" / "LC_MESSAGES" / "ganlib.mo").exists()
