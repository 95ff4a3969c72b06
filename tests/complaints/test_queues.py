"""The work queues: what each tier finds in them, their capped and cached counts in the
navigation, "due today" by the local date, the approvals waiting for a manager, overdue
follow-ups, and the clocks of the complaint page."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints import queues, services
from complaints.models import Complaint, State
from escalation import services as sla

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday at the end of a month, 23:30 in Shanghai (15:30 UTC).
MONTH_END_2330 = dt.datetime(2026, 3, 31, 23, 30, tzinfo=SHANGHAI)
NEXT_DAY_0030 = dt.datetime(2026, 4, 1, 0, 30, tzinfo=SHANGHAI)
DEADLINES = dict(
    acceptance_due_at=None,
    first_response_due_at=None,
    resolution_due_at=None,
    follow_up_due_at=None,
    next_due_at=None,
)


@pytest.fixture(autouse=True)
def english_and_cold_cache(settings):
    settings.LANGUAGE_CODE = "en"
    settings.ESCALATION_TASKS_SYNC = True
    cache.clear()
    yield
    cache.clear()


def set_due(complaint: Complaint, **due) -> Complaint:
    """Deadline columns as the escalation app would have written them (no others)."""
    Complaint.objects.filter(pk=complaint.pk).update(**{**DEADLINES, **due})
    return Complaint.objects.get(pk=complaint.pk)


def in_queue(user, key: str, now=None) -> set[str]:
    return set(queues.queue_complaints(user, key, now).values_list("reference", flat=True))


def listed(response) -> list[str]:
    return [c.reference for c in response.context["page"].rows]


@pytest.fixture
def day(make_complaint, frontline, frontline2, frontline_b, manager, manager_b, dept_b):
    """At 2026-03-31 23:30 Shanghai: complaints of department A in several queues and one of
    department B that is overdue."""
    with time_machine.travel(MONTH_END_2330 - dt.timedelta(days=2), tick=False):
        mine = make_complaint(State.ASSIGNED)  # frontline's
        theirs = make_complaint(State.ASSIGNED, handler=frontline2)
        unassigned = make_complaint(State.CLASSIFIED)
        resolved = make_complaint(State.RESOLVED)
        other = make_complaint(State.RECEIVED, by=frontline_b, department=dept_b)
    return {
        "mine": set_due(mine, next_due_at=MONTH_END_2330 + dt.timedelta(minutes=20)),
        "theirs": set_due(theirs, next_due_at=NEXT_DAY_0030 + dt.timedelta(minutes=20)),
        "unassigned": set_due(unassigned, next_due_at=MONTH_END_2330 - dt.timedelta(hours=1)),
        "resolved": set_due(resolved, follow_up_due_at=MONTH_END_2330 - dt.timedelta(hours=2)),
        "other": set_due(other, next_due_at=MONTH_END_2330 - dt.timedelta(hours=3)),
    }


def refs(day, *names) -> set[str]:
    return {day[name].reference for name in names}


def test_each_queue_holds_what_its_name_says_for_a_frontline_agent(day, frontline):
    with time_machine.travel(MONTH_END_2330, tick=False):
        assert in_queue(frontline, "mine") == refs(day, "mine", "resolved")
        assert in_queue(frontline, "unassigned") == refs(day, "unassigned")
        # 23:50 tonight is today; 00:50 tomorrow (Shanghai) is not, though it is still
        # 2026-03-31 in UTC.
        assert in_queue(frontline, "due_today") == refs(day, "mine", "unassigned", "resolved")
        assert in_queue(frontline, "overdue") == refs(day, "unassigned", "resolved")
        assert in_queue(frontline, "follow_ups") == refs(day, "resolved")
        assert in_queue(frontline, "approvals") == set()


def test_due_today_follows_the_shanghai_date_past_midnight(day, manager):
    with time_machine.travel(MONTH_END_2330, tick=False):
        assert day["theirs"].reference not in in_queue(manager, "due_today")
    with time_machine.travel(NEXT_DAY_0030, tick=False):
        # The first of the month: yesterday's deadlines are overdue, not due today.
        assert in_queue(manager, "due_today") == refs(day, "theirs")
        assert in_queue(manager, "overdue") == refs(day, "mine", "unassigned", "resolved")


def test_a_manager_and_the_general_manager_see_their_scope(day, manager, manager_b, gm):
    with time_machine.travel(MONTH_END_2330, tick=False):
        assert in_queue(manager, "overdue") == refs(day, "unassigned", "resolved")
        assert in_queue(manager_b, "overdue") == refs(day, "other")
        assert in_queue(gm, "overdue") == refs(day, "unassigned", "resolved", "other")
        assert in_queue(manager_b, "unassigned") == refs(day, "other")


def test_an_auditor_reads_but_has_no_queues_of_work(client, day, auditor):
    assert queues.queues_for(auditor) == []
    assert queues.queue_counts(auditor) == {}
    client.force_login(auditor)
    response = client.get("/complaints/?queue=overdue")
    assert response.status_code == 200 and listed(response) == []
    assert 'id="queues-menu"' not in response.content.decode()


def test_a_frontline_agent_never_counts_another_departments_complaints(day, frontline, gm):
    with time_machine.travel(MONTH_END_2330, tick=False):
        assert queues.queue_counts(frontline)["overdue"] == 2
        cache.clear()
        assert queues.queue_counts(gm)["overdue"] == 3


def test_the_queue_parameter_combines_with_other_filters(client, day, frontline):
    client.force_login(frontline)
    with time_machine.travel(MONTH_END_2330, tick=False):
        assert set(listed(client.get("/complaints/?queue=overdue"))) == refs(
            day, "unassigned", "resolved"
        )
        assert listed(client.get("/complaints/?queue=overdue&state=resolved")) == [
            day["resolved"].reference
        ]
        assert client.get("/complaints/?queue=nonsense").status_code == 400
        page = client.get("/complaints/?queue=overdue&priority=normal").content.decode()
    # Filtering again keeps the queue; "Show all" leaves it and keeps the other filters.
    assert '<input type="hidden" name="queue" value="overdue" form="filters">' in page
    assert 'id="leave-queue"' in page and 'href="?priority=normal"' in page


def test_a_queue_walks_its_pages(client, frontline, dept_a):
    for i in range(30):
        services.register(
            by=frontline,
            channel="phone",
            description="x",
            complainant_name=f"P{i}",
            department=dept_a,
        )
    client.force_login(frontline)
    first = client.get("/complaints/?queue=unassigned&per_page=25")
    assert len(listed(first)) == 25
    link = re.search(r'rel="next" href="([^"]+)"', first.content.decode()).group(1)
    second = client.get("/complaints/" + link.replace("&amp;", "&"))
    assert len(listed(second)) == 5 and "queue=unassigned" in link


def test_counts_stop_at_99_plus(client, frontline, dept_a):
    for i in range(queues.COUNT_CAP + 1):
        services.register(
            by=frontline,
            channel="phone",
            description="x",
            complainant_name=f"P{i}",
            department=dept_a,
        )
    assert queues.queue_counts(frontline)["unassigned"] == queues.COUNT_CAP
    client.force_login(frontline)
    page = client.get("/complaints/").content.decode()
    assert re.search(r'data-queue="unassigned">\s*<span>[^<]+</span><span[^>]*>99\+</span>', page)


def test_the_navigation_counts_once_then_serves_counts_from_the_cache(
    client, day, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    client.get("/complaints/")  # the session and permissions are loaded once
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        client.get("/complaints/")
    counts = [q["sql"] for q in cold.captured_queries if "COUNT(" in q["sql"].upper()]
    # Every queue's count in one query, each capped at a hundred rows.
    assert len(counts) == 1 and counts[0].count("LIMIT 100") == len(queues.QUEUES)
    with CaptureQueriesContext(connection) as warm:
        client.get("/complaints/")
    assert not [q for q in warm.captured_queries if "COUNT(" in q["sql"].upper()]
    # Nor the saved views of the menu: the navigation costs no query on a warm cache.
    assert not [q for q in warm.captured_queries if "complaints_savedview" in q["sql"]]
    assert len(warm.captured_queries) == len(cold.captured_queries) - 2
    with django_assert_max_num_queries(len(warm.captured_queries)):
        client.get("/complaints/")


def test_the_counts_expire_after_the_configured_seconds(day, frontline, settings):
    settings.REDRESS_QUEUE_COUNT_SECONDS = 30
    with time_machine.travel(MONTH_END_2330, tick=False):
        assert queues.queue_counts(frontline)["unassigned"] == 1
        Complaint.objects.filter(pk=day["unassigned"].pk).update(department=None)
        assert queues.queue_counts(frontline)["unassigned"] == 1  # cached
        queues.forget_counts(frontline)
        assert queues.queue_counts(frontline)["unassigned"] == 0


def test_the_navigation_shows_the_queues_with_their_counts(client, day, frontline):
    client.force_login(frontline)
    with time_machine.travel(MONTH_END_2330, tick=False):
        page = client.get("/").content.decode()
    assert 'id="queues-menu"' in page
    for key in queues.QUEUES:
        shown = f'href="/complaints/?queue={key}"' in page
        assert shown == (key != "approvals")  # a frontline agent decides no request
    assert re.search(r'data-queue-badge="overdue"[^>]*>2<', page)
    assert 'href="/escalation/due-soon/"' in page
    assert 'href="/escalation/requests/"' not in page  # a frontline agent decides nothing


# --- approvals -----------------------------------------------------------------------------------


def test_an_extension_waiting_for_the_manager_is_in_their_approvals_queue(
    client, make_complaint, frontline, manager, manager_b, gm
):
    with time_machine.travel(MONTH_END_2330 - dt.timedelta(days=5), tick=False):
        complaint = make_complaint(State.ASSIGNED)
        sla.request_extension(
            complaint,
            by=frontline,
            proposed_due_at=MONTH_END_2330 + dt.timedelta(days=10),
            reason="Waiting for the bank",
        )
    assert in_queue(manager, "approvals") == {complaint.reference}
    assert in_queue(gm, "approvals") == {complaint.reference}
    assert in_queue(manager_b, "approvals") == set()
    assert in_queue(frontline, "approvals") == set()
    client.force_login(manager)
    page = client.get("/").content.decode()
    assert re.search(r'data-queue-badge="approvals"[^>]*>1<', page)
    assert re.search(r'data-deadline-card="approvals".*?href="/escalation/requests/"', page, re.S)
    assert listed(client.get("/complaints/?queue=approvals")) == [complaint.reference]


# --- overdue follow-ups and clocks ----------------------------------------------------------------


def test_an_overdue_follow_up_is_flagged_in_the_list_and_on_the_dashboard(client, day, frontline):
    client.force_login(frontline)
    with time_machine.travel(MONTH_END_2330, tick=False):
        page = client.get("/complaints/?overdue=true").content.decode()
        assert day["resolved"].reference in page
        assert "follow-up overdue" in page
        assert Complaint.objects.get(pk=day["resolved"].pk).is_overdue
        dashboard = client.get("/").content.decode()
    assert re.search(r'data-deadline-card="overdue".*?>2<', dashboard, re.S)


def test_the_complaint_page_shows_its_clocks_and_links_its_deadlines(client, day, frontline):
    complaint = set_due(
        day["mine"],
        first_response_due_at=MONTH_END_2330 - dt.timedelta(hours=1),
        resolution_due_at=MONTH_END_2330 + dt.timedelta(hours=5),
        next_due_at=MONTH_END_2330 - dt.timedelta(hours=1),
    )
    client.force_login(frontline)
    with time_machine.travel(MONTH_END_2330, tick=False):
        page = client.get(complaint.get_absolute_url()).content.decode()
    assert re.search(r'data-clock="resolution" data-clock-status="running"', page)
    assert "5\xa0hours left" in page or "5 hours left" in page
    assert re.search(r'data-clock="first_response" data-clock-status="overdue"', page)
    assert f'href="/escalation/complaints/{complaint.reference}/"' in page


def test_a_paused_clock_says_so(client, day, frontline):
    complaint = set_due(day["mine"], resolution_due_at=MONTH_END_2330 + dt.timedelta(hours=5))
    Complaint.objects.filter(pk=complaint.pk).update(clock_paused_at=MONTH_END_2330)
    client.force_login(frontline)
    with time_machine.travel(MONTH_END_2330, tick=False):
        page = client.get(complaint.get_absolute_url()).content.decode()
    assert 'data-clock="resolution" data-clock-status="paused"' in page


def test_a_managers_dashboard_shows_one_overdue_figure_follow_ups_included(
    client, day, manager, gm
):
    """The deadline card, the department's figure and the general manager's department row
    count the same complaints: the overdue follow-up too (it was 2 beside 1)."""
    with time_machine.travel(MONTH_END_2330, tick=False):
        client.force_login(manager)
        response = client.get("/")
        page = response.content.decode()
        client.force_login(gm)
        rows = client.get("/").context["departments"]
    assert response.context["figures"]["overdue"] == 2  # unassigned's deadline, the follow-up
    assert re.search(r'data-deadline-card="overdue".*?>2<', page, re.S)
    assert re.search(r'id="figure-overdue".*?>2<', page, re.S)
    assert [r.overdue for r in rows if r.department == day["unassigned"].department] == [2]
