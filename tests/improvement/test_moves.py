"""The one vocabulary of corrective-action moves (``improvement.models.MOVES``) matches the
lifecycle table and the services that write history rows."""

from __future__ import annotations

from django.utils import translation

from improvement import services
from improvement.models import MOVES, TRANSITION_LABELS, CorrectiveAction, done


def _transition_methods() -> set[str]:
    return {
        name
        for name in dir(CorrectiveAction)
        if hasattr(getattr(CorrectiveAction, name, None), "_django_fsm")
    }


def test_every_lifecycle_move_has_a_button_and_a_service():
    assert set(TRANSITION_LABELS) == _transition_methods() == set(services.TRANSITIONS)


def test_every_move_a_service_writes_has_words():
    written = {"open", "edit", "link", "unlink", "escalate", *services.TRANSITIONS}
    assert written == set(MOVES)


def test_an_unknown_move_reads_as_its_name(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        assert done("start") == "started"
        assert done("imported") == "imported"
