"""Coded root causes (溯源) and accountability (责任认定) recorded at resolution, #16: the
catalogue, the one set of rules behind the service, the form and the admin, the complaint and
history pages, the list filter, the notice to the person named, and the demo data."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count
from django.utils import translation

from complaints import services
from complaints.models import Complaint, RootCause, State
from tests.conftest import RESOLUTION, _staff

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)
FINDING = "Hung up on the caller twice; recording checked."


@pytest.fixture(autouse=True)
def english(settings):
    # Messages are asserted in English: requests without Accept-Language get English too.
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def reload(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_related("cause__parent").get(pk=complaint.pk)


def resolve(complaint: Complaint, by, **changes) -> Complaint:
    return services.resolve(reload(complaint), by=by, **{**RESOLUTION, **changes})


# --- the catalogue ---------------------------------------------------------------------------


def test_the_default_catalogue_has_five_causes_each_with_three_to_five_finer_ones():
    tops = RootCause.objects.filter(parent__isnull=True).annotate(n=Count("children"))
    assert {top.code: top.name for top in tops} == {
        "process": "流程",
        "people": "人员",
        "system": "系统",
        "product": "产品",
        "third-party": "第三方",
    }
    assert all(3 <= top.n <= 5 for top in tops)
    assert str(RootCause.objects.get(code="people-training")) == "人员 / 培训不到位"


# --- resolving through the service ---------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_a_substantiated_resolution_records_cause_department_person_and_finding(
    make_complaint, frontline, frontline2, dept_b
):
    complaint = make_complaint(State.ASSIGNED, subject_department=dept_b)
    resolved = resolve(
        complaint,
        frontline,
        cause="people-attitude",
        responsible_person=frontline2,
        responsibility_finding=f"  {FINDING} ",
    )
    after = reload(resolved)
    assert after.state == State.RESOLVED
    assert after.cause.code == "people-attitude"
    # Nobody named a department: the one complained about is held responsible.
    assert after.responsible_department == dept_b
    assert after.responsible_person == frontline2
    assert after.responsibility_finding == FINDING
    assert after.responsibility_found_at == NOW
    row = after.history.order_by("-history_id").first()
    assert (row.history_transition, row.history_user, row.cause_id) == (
        "resolve",
        frontline,
        after.cause_id,
    )


def test_without_a_department_complained_about_the_handling_department_is_responsible(
    make_complaint, frontline, dept_a, dept_b
):
    complaint = make_complaint(State.ASSIGNED)
    assert reload(resolve(complaint, frontline)).responsible_department == dept_a
    other = make_complaint(State.ASSIGNED)
    named = resolve(other, frontline, responsible_department=dept_b)
    assert reload(named).responsible_department == dept_b


def test_a_substantiated_complaint_cannot_be_resolved_without_a_coded_cause(
    make_complaint, frontline
):
    complaint = make_complaint(State.ASSIGNED)
    with pytest.raises(services.InvalidInput) as refused:
        resolve(complaint, frontline, cause=None)
    assert refused.value.fields == {"cause": "A substantiated complaint needs a coded root cause."}
    assert refused.value.status_code == 400
    assert reload(complaint).state == State.ASSIGNED


def test_an_unsubstantiated_resolution_may_leave_out_the_cause_and_names_nobody(
    make_complaint, frontline, dept_b
):
    complaint = make_complaint(State.ASSIGNED, subject_department=dept_b)
    after = reload(resolve(complaint, frontline, substantiated=False, cause=None))
    assert after.state == State.RESOLVED and after.cause is None
    assert after.responsible_department is None and after.responsible_person is None
    assert after.responsibility_finding == "" and after.responsibility_found_at is None
    coded = reload(resolve(make_complaint(State.ASSIGNED), frontline, substantiated=False))
    assert coded.cause.code == "people-training" and coded.responsible_department is None


@pytest.mark.parametrize(
    ("code", "retire", "message"),
    [
        ("people", None, "人员 is a top-level cause: choose one of its finer causes."),
        ("people-skill", "people-skill", "人员 / 业务技能不足 is no longer in use"),
        ("people-skill", "people", "人员 / 业务技能不足 is no longer in use"),
        ("no-such-cause", None, "There is no root cause no-such-cause."),
    ],
)
def test_a_top_level_retired_or_unknown_cause_is_refused_with_its_reason(
    make_complaint, frontline, code, retire, message
):
    if retire:
        RootCause.objects.filter(code=retire).update(active=False)
    complaint = make_complaint(State.ASSIGNED)
    with pytest.raises(services.InvalidInput) as refused:
        resolve(complaint, frontline, cause=code)
    assert refused.value.fields["cause"].startswith(message)
    assert reload(complaint).state == State.ASSIGNED


def test_the_person_named_must_be_active_staff_and_comes_with_a_finding(
    make_complaint, frontline, frontline2, outsider
):
    complaint = make_complaint(State.ASSIGNED)
    gone = _staff("gone", "frontline", frontline.staff_profile.department)
    gone.is_active = False
    gone.save()
    cases = [
        ({"responsible_person": outsider, "responsibility_finding": FINDING}, "responsible_person"),
        ({"responsible_person": gone, "responsibility_finding": FINDING}, "responsible_person"),
        ({"responsible_person": frontline2}, "responsibility_finding"),
        (
            {
                "substantiated": False,
                "responsible_person": frontline2,
                "responsibility_finding": "x",
            },
            "responsible_person",
        ),
    ]
    for changes, field in cases:
        with pytest.raises(services.InvalidInput) as refused:
            resolve(complaint, frontline, **changes)
        assert field in refused.value.fields, changes
    assert reload(complaint).state == State.ASSIGNED


def test_the_person_complained_about_still_never_handles_their_own_case(
    make_complaint, manager, frontline2
):
    complaint = make_complaint(State.CLASSIFIED, subject_person=frontline2)
    with pytest.raises(services.TransitionRefused):
        services.assign(reload(complaint), by=manager, assignee=frontline2)
    assert reload(complaint).assignee is None
    # Nor resolves it: a manager complained about cannot resolve (and so record the finding
    # of) a case of their own department.
    about_manager = make_complaint(State.ASSIGNED, subject_person=manager)
    with pytest.raises(services.ActionForbidden):
        resolve(about_manager, manager)
    assert reload(about_manager).state == State.ASSIGNED


# --- the staff pages ------------------------------------------------------------------------------


def post_resolve(client, complaint, **data):
    body = {
        **{k: v for k, v in RESOLUTION.items() if k != "substantiated"},
        "substantiated": "true",
        "expected_version": complaint.version,
        **data,
    }
    return client.post(f"/complaints/{complaint.reference}/transitions/resolve/", body)


def test_the_resolve_form_takes_the_cause_by_code_and_the_responsible_person(
    client, make_complaint, frontline, frontline2, dept_b
):
    complaint = make_complaint(State.ASSIGNED)
    client.force_login(frontline)
    response = post_resolve(
        client,
        complaint,
        cause="system-outage",
        responsible_department=dept_b.pk,
        responsible_person=frontline2.pk,
        responsibility_finding=FINDING,
    )
    assert response.status_code == 302
    after = reload(complaint)
    assert (after.cause.code, after.responsible_department, after.responsible_person) == (
        "system-outage",
        dept_b,
        frontline2,
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cause": ""}, "A substantiated complaint needs a coded root cause."),
        ({"cause": "system"}, "系统 is a top-level cause: choose one of its finer causes."),
        (
            {"responsible_person": "frontline2"},
            "Write the finding that names the responsible person.",
        ),
    ],
)
def test_the_resolve_form_says_what_is_missing_and_saves_nothing(
    client, make_complaint, frontline, frontline2, data, message
):
    complaint = make_complaint(State.ASSIGNED)
    if data.get("responsible_person"):
        data = {**data, "responsible_person": frontline2.pk}
    client.force_login(frontline)
    response = post_resolve(client, complaint, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert reload(complaint).state == State.ASSIGNED


def test_the_complaint_page_and_its_history_show_the_cause_and_the_finding_to_staff(
    client, make_complaint, frontline, frontline2, manager
):
    complaint = make_complaint(State.ASSIGNED)
    resolve(
        complaint,
        frontline,
        cause="people-attitude",
        responsible_person=frontline2,
        responsibility_finding=FINDING,
    )
    client.force_login(manager)
    page = client.get(f"/complaints/{complaint.reference}/").content.decode()
    assert '<a href="/complaints/?cause=people-attitude">人员 / 服务态度问题</a>' in page
    assert FINDING in page and "Customer service" in page and "frontline2" in page
    history = client.get(f"/complaints/{complaint.reference}/history/").content.decode()
    assert "Coded root cause" in history and "人员 / 服务态度问题" in history
    assert "Responsible person" in history


def test_the_finding_is_never_shown_on_the_public_tracking_page(
    client, make_complaint, frontline, frontline2
):
    complaint = resolve(
        make_complaint(State.ASSIGNED),
        frontline,
        responsible_person=frontline2,
        responsibility_finding=FINDING,
    )
    tracked = client.post(
        "/track/", {"reference": complaint.reference, "tracking_code": complaint.tracking_code}
    )
    page = client.get(tracked["Location"]).content.decode()
    assert complaint.reference in page
    assert FINDING not in page and "frontline2" not in page and "培训不到位" not in page


def test_the_list_filters_by_cause_and_a_top_level_cause_takes_in_its_finer_ones(
    client, make_complaint, frontline, gm, django_assert_max_num_queries
):
    training = resolve(make_complaint(State.ASSIGNED), frontline, cause="people-training")
    attitude = resolve(make_complaint(State.ASSIGNED), frontline, cause="people-attitude")
    outage = resolve(make_complaint(State.ASSIGNED), frontline, cause="system-outage")
    client.force_login(gm)

    def listed(query: str) -> set[str]:
        response = client.get(f"/complaints/?cause={query}")
        assert response.status_code == 200
        return {row.reference for row in response.context["page"].rows}

    assert listed("people-training") == {training.reference}
    with django_assert_max_num_queries(9 + 2):
        assert listed("people") == {training.reference, attitude.reference}
    assert listed("system") == {outage.reference}
    # An unknown code is a filter error, not an empty list that looks like an answer.
    assert client.get("/complaints/?cause=no-such-cause").status_code == 400


# --- the person named is told --------------------------------------------------------------------


def test_the_person_named_responsible_is_told_by_the_staff_outbox(
    settings, make_complaint, frontline, frontline2, mailoutbox, django_capture_on_commit_callbacks
):
    settings.ESCALATION_TASKS_SYNC = True
    complaint = make_complaint(State.ASSIGNED)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        resolve(
            complaint,
            frontline,
            responsible_person=frontline2,
            responsibility_finding=FINDING,
        )
    told = [mail for mail in mailoutbox if mail.to == [frontline2.email]]
    assert len(told) == 1
    assert complaint.reference in told[0].subject
    assert FINDING in told[0].body
    from escalation.models import Notice

    assert Notice.objects.filter(kind="responsibility-found", sent_at__isnull=False).count() == 1


def test_nobody_is_told_when_no_person_is_named(
    settings, make_complaint, frontline, mailoutbox, django_capture_on_commit_callbacks
):
    settings.ESCALATION_TASKS_SYNC = True
    complaint = make_complaint(State.ASSIGNED)
    with django_capture_on_commit_callbacks(execute=True):
        resolve(complaint, frontline)
    from escalation.models import Notice

    assert not Notice.objects.filter(kind="responsibility-found").exists()


# --- the demo ------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_demo_has_a_recurring_cause_in_last_month_and_findings_that_name_people():
    call_command("seed_demo", stdout=io.StringIO())
    resolved = Complaint.objects.filter(resolved_at__isnull=False)
    assert not resolved.filter(substantiated=True, cause__isnull=True).exists()
    assert not resolved.filter(substantiated=True, responsible_department__isnull=True).exists()
    assert (
        resolved.filter(responsible_person__isnull=False)
        .exclude(responsibility_finding="")
        .exists()
    )
    assert not resolved.filter(substantiated=False, responsible_person__isnull=False).exists()
    # October 2026 is the last full month before NOW: one finer cause came back 5+ times in
    # one department.
    start = dt.datetime(2026, 10, 1, tzinfo=SHANGHAI)
    end = dt.datetime(2026, 11, 1, tzinfo=SHANGHAI)
    top = (
        Complaint.objects.filter(resolved_at__gte=start, resolved_at__lt=end, cause__isnull=False)
        .values("department", "cause")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert top is not None and top["n"] >= 5


# --- resolved at first contact (the staff registration form) --------------------------------


def test_a_substantiated_complaint_resolved_at_first_contact_needs_its_coded_cause(
    client, frontline, category
):
    from tests.intake.test_first_contact import post, resolved_on_the_call

    data = resolved_on_the_call(category, **{"first_contact-substantiated": "true"})
    response = post(client, frontline, data)
    assert response.status_code == 400
    assert "A substantiated complaint needs a coded root cause." in response.content.decode()
    assert not Complaint.objects.exists()

    response = post(client, frontline, {**data, "first_contact-cause": "people-explanation"})
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.cause.code == "people-explanation"
    assert complaint.responsible_department == frontline.staff_profile.department


# --- the admin -----------------------------------------------------------------------------------


def test_the_admins_resolve_button_takes_the_cause_through_the_same_rules(
    client, frontline, make_complaint
):
    from django.urls import reverse

    complaint = make_complaint(State.ASSIGNED)
    client.force_login(frontline)
    url = reverse("admin:complaints_complaint_transition", args=[complaint.pk, "resolve"])
    body = {k: v for k, v in RESOLUTION.items() if k != "substantiated"}
    body.update(substantiated="true", cause="people")
    refused = client.post(url, body, follow=True, headers={"Accept-Language": "en"})
    assert "人员 is a top-level cause" in refused.content.decode()
    assert reload(complaint).state == State.ASSIGNED
    client.post(url, {**body, "cause": "product-design"})
    after = reload(complaint)
    assert after.state == State.RESOLVED and after.cause.code == "product-design"


def test_the_general_manager_keeps_the_catalogue_in_the_admin_and_nobody_deletes_a_cause(
    client, gm, manager
):
    from django.urls import reverse

    client.force_login(gm)
    add = client.post(
        reverse("admin:complaints_rootcause_add"),
        {
            "code": "people-fatigue",
            "name": "疲劳作业",
            "parent": RootCause.objects.get(code="people").pk,
            "active": "on",
        },
    )
    assert add.status_code == 302
    added = RootCause.objects.get(code="people-fatigue")
    assert added.history.get().history_user == gm
    cause = RootCause.objects.get(code="people-skill")
    delete = reverse("admin:complaints_rootcause_delete", args=[cause.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    client.force_login(manager)
    assert client.get(reverse("admin:complaints_rootcause_changelist")).status_code == 200
    assert client.get(reverse("admin:complaints_rootcause_add")).status_code == 403
