from __future__ import annotations

import pytest
from django.urls import reverse

from improvement.models import ActionState, CorrectiveAction

pytestmark = pytest.mark.django_db


def test_the_admin_runs_transitions_through_the_service(client, open_action, frontline):
    action = open_action()
    client.force_login(frontline)
    page = client.get(reverse("admin:improvement_correctiveaction_change", args=[action.pk]))
    assert page.status_code == 200 and b'value="start"' in page.content
    url = reverse("admin:improvement_correctiveaction_transition", args=[action.pk, "complete"])
    response = client.post(url, {"evidence": "Briefed the team"})
    assert response.status_code == 302
    fresh = CorrectiveAction.objects.get(pk=action.pk)
    assert fresh.state == ActionState.DONE and fresh.evidence == "Briefed the team"
    row = fresh.history.latest("history_id")
    assert (row.history_user, row.history_transition) == (frontline, "complete")


def test_the_admin_hides_other_departments_actions_and_never_deletes(
    client, open_action, frontline_b, gm
):
    action = open_action()
    client.force_login(frontline_b)
    change = reverse("admin:improvement_correctiveaction_change", args=[action.pk])
    assert client.get(change).status_code == 404
    client.force_login(gm)
    delete = reverse("admin:improvement_correctiveaction_delete", args=[action.pk])
    assert client.get(delete).status_code == 403
    listing = client.get(reverse("admin:improvement_correctiveaction_changelist"))
    assert listing.status_code == 200 and action.title in listing.content.decode()


def test_an_auditor_reads_but_cannot_change(client, open_action, auditor):
    action = open_action()
    client.force_login(auditor)
    page = client.get(reverse("admin:improvement_correctiveaction_change", args=[action.pk]))
    assert page.status_code == 200 and b'value="start"' not in page.content
    url = reverse("admin:improvement_correctiveaction_transition", args=[action.pk, "start"])
    client.post(url, {})
    assert CorrectiveAction.objects.get(pk=action.pk).state == ActionState.PLANNED
