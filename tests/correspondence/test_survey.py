"""The satisfaction survey: the complainant answers the follow-up from a signed link.

The survey messages are written straight into the outbox here (the outbox's own work is tested
elsewhere); what matters is what the complainant sees, what the answer records, and what the
staff see of it. Times are Asia/Shanghai, frozen.
"""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from complaints import services
from complaints.models import Complaint, State
from correspondence import survey
from correspondence.models import Message
from reporting import selectors
from reporting.months import Month

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
RESOLVED_AT = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
# 15:30 UTC: the UTC date is still 30 November, the local date too, and the local month ends
# half an hour later.
LAST_HALF_HOUR = dt.datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    caches[settings.REDRESS_RATE_LIMIT_CACHE].clear()
    yield
    caches[settings.REDRESS_RATE_LIMIT_CACHE].clear()


def send_survey(complaint: Complaint, *, status=Message.Status.SENT) -> Message:
    """What the outbox holds once the survey went out by SMS, at the frozen moment (the
    resolution already queued it: its send runs after a commit these tests do not make)."""
    message, _created = Message.objects.update_or_create(
        complaint=complaint,
        channel="sms",
        event_key=f"survey:{complaint.version}",
        defaults={
            "purpose": "survey",
            "event_version": complaint.version,
            "recipient": "+8613800138000",
            "language": complaint.complainant_language,
            "body": f"Please tell us: {survey.link_for(complaint)}",
            "status": status,
            "created_at": dt.datetime.now(tz=SHANGHAI),
            "sent_at": dt.datetime.now(tz=SHANGHAI) if status == Message.Status.SENT else None,
        },
    )
    return message


@pytest.fixture
def surveyed(make_complaint):
    """A resolved complaint whose survey link went out at 10:05 on the day it was resolved."""
    with time_machine.travel(RESOLVED_AT, tick=False):
        complaint = make_complaint(
            State.RESOLVED, description="The agent shouted at me", complainant_email="li@example.cn"
        )
    with time_machine.travel(RESOLVED_AT + dt.timedelta(minutes=5), tick=False):
        send_survey(complaint)
        token = survey.make_token(complaint)
    return complaint, token


def url(token: str, **query) -> str:
    path = reverse("correspondence:survey", kwargs={"token": token})
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def answer(client, token, moment, **data):
    with time_machine.travel(moment, tick=False):
        return client.post(url(token), {"comment": "", **data})


def follow_up_rows(complaint):
    return Complaint.history.filter(id=complaint.pk, history_transition="follow_up")


def fresh(complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def assert_closed_page(response, complaint):
    assert response.status_code == 410
    text = response.content.decode()
    assert "已经使用或已过期" in text or "already been used or has expired" in text
    for private in (complaint.reference, "Li Lei", "0013 8000", "shouted", "li@example.cn"):
        assert private not in text
    assert 'name="outcome"' not in text


# --- the page ---------------------------------------------------------------------------------


def test_the_page_shows_the_reference_and_three_answers_and_nothing_personal(client, surveyed):
    complaint, token = surveyed
    with time_machine.travel(RESOLVED_AT + dt.timedelta(hours=2), tick=False):
        response = client.get(url(token))
    assert response.status_code == 200
    text = response.content.decode()
    assert complaint.reference in text
    assert settings.REDRESS_ORGANISATION_NAME in text
    for value in ("satisfied", "basically_satisfied", "dissatisfied"):
        assert f'value="{value}"' in text
    assert 'value="unreachable"' not in text
    for private in ("Li Lei", "0013 8000", "shouted", "li@example.cn", complaint.tracking_code):
        assert private not in text
    assert "no-store" in response.headers["Cache-Control"]
    assert "csrfmiddlewaretoken" in text
    assert "<script>" not in text  # the CSP allows no inline script


def test_the_page_speaks_the_complainants_language_and_switches_on_request(client, surveyed):
    complaint, token = surveyed
    assert complaint.complainant_language == "zh-hans"
    with time_machine.travel(RESOLVED_AT + dt.timedelta(hours=2), tick=False):
        chinese = client.get(url(token), HTTP_ACCEPT_LANGUAGE="en")
        english = client.get(url(token, lang="en"))
        back = client.get(url(token, lang="zh-hans"), HTTP_ACCEPT_LANGUAGE="en")
    for page in (chinese, back):
        text = page.content.decode()
        assert '<html lang="zh-hans">' in text
        assert "基本满意" in text and "不满意" in text
        assert "您对我们处理您投诉的情况是否满意" in text
        assert 'href="?lang=en"' in text
    text = english.content.decode()
    assert '<html lang="en">' in text
    assert "Basically satisfied" in text and "Dissatisfied" in text
    assert "基本满意" not in text


def test_an_english_speaking_complainant_gets_english_first(client, make_complaint):
    with time_machine.travel(RESOLVED_AT, tick=False):
        complaint = make_complaint(State.RESOLVED, complainant_language="en")
        token = survey.make_token(complaint)
        response = client.get(url(token), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "Are you satisfied with how we handled your complaint?" in response.content.decode()


# --- answering --------------------------------------------------------------------------------


def test_a_satisfied_answer_is_the_follow_up_and_counts_in_the_month_it_was_given(client, surveyed):
    complaint, token = surveyed
    response = answer(client, token, LAST_HALF_HOUR, outcome="satisfied", comment="Very quick")
    assert response.status_code == 200
    assert "Very quick" not in response.content.decode()

    complaint = fresh(complaint)
    assert complaint.state == State.FOLLOWED_UP
    assert complaint.follow_up_outcome == "satisfied"
    assert complaint.follow_up_comment == "Very quick"
    assert complaint.followed_up_at == LAST_HALF_HOUR
    (row,) = follow_up_rows(complaint)
    assert row.history_user is None
    with translation.override(settings.LANGUAGE_CODE):
        assert (
            row.history_change_reason == f"{translation.gettext('Satisfaction survey')}: Very quick"
        )
    assert row.history_date == LAST_HALF_HOUR

    november = selectors.compute_bundle(selectors.Scope.organisation(), Month(2026, 11))
    december = selectors.compute_bundle(selectors.Scope.organisation(), Month(2026, 12))
    assert november["figures"]["satisfaction_rate"] == {"num": 1, "den": 1}
    assert december["figures"]["satisfaction_rate"] == {"num": 0, "den": 0}


def test_a_basically_satisfied_answer_counts_as_satisfied(client, surveyed):
    complaint, token = surveyed
    answer(client, token, LAST_HALF_HOUR, outcome="basically_satisfied")
    assert fresh(complaint).follow_up_outcome == "basically_satisfied"
    (row,) = follow_up_rows(complaint)
    with translation.override(settings.LANGUAGE_CODE):
        assert row.history_change_reason == translation.gettext("Satisfaction survey")
    november = selectors.compute_bundle(selectors.Scope.organisation(), Month(2026, 11))
    assert november["figures"]["satisfaction_rate"] == {"num": 1, "den": 1}


def test_a_dissatisfied_answer_reopens_the_complaint_for_its_handler(client, surveyed, frontline):
    complaint, token = surveyed
    response = answer(
        client, token, LAST_HALF_HOUR, outcome="dissatisfied", comment="Nobody apologised"
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="survey-reopened"' in text

    complaint = fresh(complaint)
    assert complaint.state == State.ASSIGNED
    assert complaint.assignee == frontline
    assert complaint.reopen_count == 1
    assert complaint.follow_up_outcome == "dissatisfied"
    rows = Complaint.history.filter(id=complaint.pk, history_date=LAST_HALF_HOUR).order_by(
        "history_id"
    )
    assert [(r.history_transition, r.history_user) for r in rows] == [
        ("follow_up", None),
        ("reopen", None),
    ]
    figures = selectors.compute_bundle(selectors.Scope.organisation(), Month(2026, 11))["figures"]
    assert figures["satisfaction_rate"] == {"num": 0, "den": 1}
    assert figures["reopened"] == 1


def test_the_thank_you_page_speaks_the_complainants_language(client, surveyed):
    complaint, token = surveyed
    response = answer(client, token, LAST_HALF_HOUR, outcome="dissatisfied")
    text = response.content.decode()
    assert '<html lang="zh-hans">' in text
    assert "经办人将与您联系" in text
    assert complaint.reference in text


def test_the_second_answer_gets_the_polite_page_and_records_nothing(client, surveyed):
    complaint, token = surveyed
    answer(client, token, LAST_HALF_HOUR, outcome="satisfied")
    again = answer(client, token, LAST_HALF_HOUR, outcome="dissatisfied")
    assert_closed_page(again, complaint)
    with time_machine.travel(LAST_HALF_HOUR, tick=False):
        assert_closed_page(client.get(url(token)), complaint)
    assert follow_up_rows(complaint).count() == 1
    assert fresh(complaint).state == State.FOLLOWED_UP


def test_an_answer_racing_another_with_the_same_link_is_refused(surveyed):
    # Two tabs: both loaded the open page; the first answer uses the version up.
    complaint, token = surveyed
    with time_machine.travel(LAST_HALF_HOUR, tick=False):
        survey.answer(token, outcome="satisfied")
        with pytest.raises(survey.SurveyClosed):
            survey.answer(token, outcome="dissatisfied")
    assert follow_up_rows(complaint).count() == 1


def test_the_link_lasts_the_configured_days_and_not_a_minute_more(client, surveyed):
    complaint, token = surveyed
    sent = RESOLVED_AT + dt.timedelta(minutes=5)
    days = dt.timedelta(days=settings.REDRESS_SURVEY_DAYS)
    with time_machine.travel(sent + days - dt.timedelta(minutes=1), tick=False):
        assert client.get(url(token)).status_code == 200
    with time_machine.travel(sent + days + dt.timedelta(minutes=1), tick=False):
        assert_closed_page(client.get(url(token)), complaint)
    late = answer(client, token, sent + days + dt.timedelta(minutes=1), outcome="satisfied")
    assert_closed_page(late, complaint)
    assert fresh(complaint).state == State.RESOLVED


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
        lambda token: "not-a-token",
        lambda token: "..",
        lambda token: token.split(":")[0],
    ],
    ids=["tampered signature", "garbage", "dots", "no signature"],
)
def test_a_forged_or_malformed_link_gets_the_polite_page(client, surveyed, forge):
    complaint, token = surveyed
    with time_machine.travel(LAST_HALF_HOUR, tick=False):
        response = client.get(url(forge(token)))
        posted = client.post(url(forge(token)), {"outcome": "satisfied"})
    assert_closed_page(response, complaint)
    assert_closed_page(posted, complaint)
    assert follow_up_rows(complaint).count() == 0


def test_a_link_for_a_complaint_followed_up_by_phone_is_used_up(client, surveyed, frontline):
    complaint, token = surveyed
    with time_machine.travel(LAST_HALF_HOUR, tick=False):
        services.follow_up(complaint, by=frontline, outcome="satisfied", comment="Phoned")
        assert_closed_page(client.get(url(token)), complaint)
        assert_closed_page(client.post(url(token), {"outcome": "satisfied"}), complaint)
    assert follow_up_rows(complaint).count() == 1


def test_a_link_for_a_complaint_changed_since_is_used_up(client, surveyed, frontline):
    complaint, token = surveyed
    with time_machine.travel(LAST_HALF_HOUR, tick=False):
        services.update_details(
            complaint, by=frontline, changes={"complainant_phone": "13900139000"}, reason="Typo"
        )
        assert_closed_page(client.get(url(token)), complaint)


def test_an_answer_without_a_choice_or_with_a_handlers_outcome_is_refused(client, surveyed):
    complaint, token = surveyed
    for data in (
        {},
        {"outcome": "unreachable"},
        {"outcome": "satisfied", "comment": "x" * 1001},
        {"outcome": "satisfied", "comment": "a\x00b"},  # PostgreSQL stores no NUL
    ):
        response = answer(client, token, LAST_HALF_HOUR, **data)
        assert response.status_code == 400
        assert 'name="outcome"' in response.content.decode()
    assert fresh(complaint).state == State.RESOLVED
    assert follow_up_rows(complaint).count() == 0


def test_the_answer_needs_the_csrf_token(surveyed):
    complaint, token = surveyed
    strict = Client(enforce_csrf_checks=True)
    with time_machine.travel(LAST_HALF_HOUR, tick=False):
        response = strict.post(url(token), {"outcome": "satisfied"})
    assert response.status_code == 403
    assert fresh(complaint).state == State.RESOLVED


def test_only_get_and_post_are_answered(client, surveyed):
    _complaint, token = surveyed
    with time_machine.travel(LAST_HALF_HOUR, tick=False):
        assert client.put(url(token)).status_code == 405


def test_a_flood_of_answers_from_one_network_is_refused(client, surveyed, settings):
    complaint, token = surveyed
    settings.REDRESS_PUBLIC_SUBMIT_LIMIT = 2
    for _ in range(2):
        assert answer(client, token, LAST_HALF_HOUR, outcome="").status_code == 400
    refused = answer(client, token, LAST_HALF_HOUR, outcome="satisfied")
    assert refused.status_code == 429
    assert complaint.reference not in refused.content.decode()
    assert fresh(complaint).state == State.RESOLVED


# --- the core rule ----------------------------------------------------------------------------


def test_nobody_but_the_survey_records_a_follow_up_without_a_user(make_complaint):
    complaint = make_complaint(State.RESOLVED)
    with pytest.raises(services.ActionForbidden):
        services.follow_up(complaint, by=None, outcome="satisfied")
    with pytest.raises(services.TransitionRefused):
        services.record_survey_answer(
            complaint, outcome="unreachable", expected_version=complaint.version
        )
    assert fresh(complaint).state == State.RESOLVED


def test_the_survey_answer_refuses_a_complaint_not_resolved(make_complaint):
    complaint = make_complaint(State.ASSIGNED)
    with pytest.raises(services.TransitionRefused):
        services.record_survey_answer(
            complaint, outcome="satisfied", expected_version=complaint.version
        )


# --- what the staff see -----------------------------------------------------------------------


def staff_page(client, user, complaint, moment):
    client.force_login(user)
    with time_machine.travel(moment, tick=False), translation.override("en"):
        response = client.get(
            reverse("complaints:detail", kwargs={"reference": complaint.reference}),
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    return response.content.decode()


def test_the_complaint_page_says_the_survey_is_waiting(client, surveyed, frontline):
    complaint, _token = surveyed
    text = staff_page(client, frontline, complaint, RESOLVED_AT + dt.timedelta(days=1))
    assert "Survey sent on 2026-11-25, waiting for the answer until 2026-12-02." in text


def test_the_complaint_page_asks_for_a_call_once_the_survey_is_unanswered(
    client, surveyed, frontline
):
    complaint, _token = surveyed
    moment = RESOLVED_AT + dt.timedelta(days=settings.REDRESS_SURVEY_DAYS, minutes=6)
    text = staff_page(client, frontline, complaint, moment)
    assert "Survey unanswered since 2026-11-25: follow up by phone." in text


def test_the_complaint_page_says_the_complainant_answered(client, surveyed, frontline):
    complaint, token = surveyed
    answer(client, token, LAST_HALF_HOUR, outcome="dissatisfied")
    text = staff_page(client, frontline, complaint, LAST_HALF_HOUR + dt.timedelta(hours=1))
    assert "Answered by the complainant through the survey on 2026-11-30." in text


def test_the_complaint_page_says_a_phoned_follow_up_used_the_link_up(client, surveyed, frontline):
    complaint, _token = surveyed
    with time_machine.travel(RESOLVED_AT + dt.timedelta(days=1), tick=False):
        services.follow_up(complaint, by=frontline, outcome="satisfied", comment="Phoned")
    text = staff_page(client, frontline, complaint, RESOLVED_AT + dt.timedelta(days=2))
    assert "Survey sent on 2026-11-25, not answered; its link is no longer valid." in text


def test_the_complaint_page_says_nothing_of_a_survey_not_sent(client, make_complaint, frontline):
    with time_machine.travel(RESOLVED_AT, tick=False):
        complaint = make_complaint(State.RESOLVED)
        send_survey(complaint, status=Message.Status.QUEUED)
    text = staff_page(client, frontline, complaint, RESOLVED_AT + dt.timedelta(hours=1))
    assert 'id="survey-status"' not in text


@pytest.mark.django_db(transaction=True)
def test_two_tabs_answering_at_the_same_moment_record_one_follow_up(make_complaint):
    """Both posts pass the page's check before either writes; the row lock and the version make
    the second one stale, and it gets the polite page rather than an error."""
    with time_machine.travel(RESOLVED_AT, tick=False):
        complaint = make_complaint(State.RESOLVED)
        token = survey.make_token(complaint)
    barrier = threading.Barrier(2)
    statuses: list = []

    def post(outcome: str) -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(Client().post(url(token), {"outcome": outcome}).status_code)
        except Exception as exc:  # collected and asserted below
            statuses.append(exc)
        finally:
            connection.close()

    with time_machine.travel(LAST_HALF_HOUR, tick=False):
        threads = [
            threading.Thread(target=post, args=(outcome,))
            for outcome in ("satisfied", "dissatisfied")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sorted(statuses) == [200, 410]
    assert follow_up_rows(complaint).count() == 1
