from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from improvement.models import ActionState, CorrectiveAction

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_one_action_in_each_state_once():
    call_command("seed_demo", complaints=15, stdout=io.StringIO())
    states = set(CorrectiveAction.objects.values_list("state", flat=True))
    assert states == set(ActionState.values)
    assert CorrectiveAction.objects.filter(links__isnull=False).exists()
    call_command("seed_demo", complaints=15, stdout=io.StringIO())
    assert CorrectiveAction.objects.count() == 5
