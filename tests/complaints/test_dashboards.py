"""The dashboard at / for each tier: what it shows, and a fixed number of queries each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints import dashboards, services
from complaints.models import Complaint, State

# The navigation's queue counts (one capped query) and saved views (one) on a cold cache; the
# auditor's dashboard counts what is overdue instead (complaints.dashboards.deadline_cards).
NAV_QUERIES = 2

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def row(page: str, complaint: Complaint) -> str:
    """The HTML of ``complaint``'s row in a dashboard table."""
    start = page.index(f'<tr data-reference="{complaint.reference}"')
    return page[start : page.index("</tr>", start)]


def refs(rows) -> list[str]:
    return [c.reference for c in rows]


def due(complaint: Complaint, delta: timedelta) -> Complaint:
    return services.set_deadlines(
        complaint, by=None, action="sla", reason="", next_due_at=timezone.now() + delta
    )


@pytest.fixture
def office(make_complaint, frontline, frontline2, manager, manager_b, frontline_b, dept_b, gm):
    """A small organisation's open work: ours, a colleague's, the queue, escalations, majors,
    and department B's."""
    mine_overdue = due(make_complaint(State.ASSIGNED), -timedelta(hours=2))
    mine_later = due(make_complaint(State.ASSIGNED), timedelta(hours=30))
    colleague = make_complaint(State.ASSIGNED, handler=frontline2)
    queue = due(make_complaint(State.RECEIVED), timedelta(minutes=20))
    escalated = services.escalate(
        make_complaint(State.CLASSIFIED), by=manager, reason="Needs a manager"
    )
    major = make_complaint(State.CLASSIFIED, priority="major")
    closed = make_complaint(State.CLOSED)
    other = services.register(by=frontline_b, channel="phone", description="B", department=dept_b)
    to_gm = services.escalate(
        services.escalate(other, by=manager_b, reason="up"), by=manager_b, reason="to GM"
    )
    return {
        "mine_overdue": mine_overdue,
        "mine_later": mine_later,
        "colleague": colleague,
        "queue": queue,
        "escalated": escalated,
        "major": major,
        "closed": closed,
        "to_gm": to_gm,
    }


# --- frontline -----------------------------------------------------------------------------------


def test_frontline_dashboard_lists_my_open_complaints_and_the_department_queue(
    client, frontline, office, django_assert_max_num_queries
):
    client.force_login(frontline)
    with django_assert_max_num_queries(6 + NAV_QUERIES):
        response = client.get("/")
    assert response.status_code == 200
    assert refs(response.context["my_open"]) == [
        office["mine_overdue"].reference,  # the most urgent deadline first
        office["mine_later"].reference,
    ]
    assert set(refs(response.context["queue"])) == {
        office["queue"].reference,
        office["escalated"].reference,
        office["major"].reference,
    }
    page = response.content.decode()
    assert office["colleague"].reference not in page
    assert office["closed"].reference not in page
    assert 'href="/complaints/new/"' in page
    # Due markers read next_due_at (whatever the SLA code later wrote there).
    assert "due-marker overdue" in row(page, office["mine_overdue"])
    assert "due in " in row(page, office["mine_later"])
    # Quick filters lead to the list with the filter applied.
    assert f'href="/complaints/?assignee={frontline.pk}&amp;state=open"' in page
    assert 'href="/complaints/?overdue=true&amp;sort=due"' in page


# --- department manager --------------------------------------------------------------------------


def test_manager_dashboard_counts_the_department_and_lists_escalations(
    client, manager, frontline, frontline2, office, django_assert_max_num_queries
):
    client.force_login(manager)
    with django_assert_max_num_queries(9 + NAV_QUERIES):
        response = client.get("/")
    assert response.status_code == 200
    by_state = {row.state: row.count for row in response.context["by_state"]}
    assert by_state == {
        "received": 1,
        "classified": 2,
        "assigned": 3,
        "resolved": 0,
        "followed_up": 0,
    }
    assert response.context["figures"] == {
        "handling": 6,
        "unassigned": 3,
        "overdue": 1,
        "major": 1,
    }
    workload = {u.username: (u.open_count, u.overdue_count) for u in response.context["workload"]}
    assert workload == {"frontline": (2, 1), "frontline2": (1, 0), "manager": (0, 0)}
    # Waiting at the manager tier: the hand-escalated one and the major one (majors start there).
    assert set(refs(response.context["escalations"])) == {
        office["escalated"].reference,
        office["major"].reference,
    }
    assert office["to_gm"].reference not in response.content.decode()


def test_manager_workload_counts_only_the_complaints_the_manager_sees(
    manager, manager_b, frontline, frontline_b, dept_b, category, make_complaint
):
    # A handler of department B keeps B's complaint when they move to department A (the
    # assignment is not undone by a staff change): A's manager does not see that complaint,
    # so their workload table does not count it either.
    other = services.register(by=frontline_b, channel="phone", description="B", department=dept_b)
    other = services.classify(
        other, by=manager_b, category=category, priority="normal", department=dept_b, route=False
    )
    services.assign(other, by=manager_b, assignee=frontline_b)
    make_complaint(State.ASSIGNED)
    services.set_staff_profile(
        frontline_b, tier="frontline", department=manager.staff_profile.department
    )
    workload = {u.username: u.open_count for u in dashboards.handler_workload(manager)}
    assert workload == {"frontline": 1, "frontline_b": 0, "manager": 0}
    # Department B's manager, who sees it, still counts nothing for a handler no longer theirs.
    assert [u.username for u in dashboards.handler_workload(manager_b)] == ["manager_b"]


# --- general manager -----------------------------------------------------------------------------


def test_gm_dashboard_shows_the_organisation_majors_escalations_and_month(
    client, gm, office, dept_a, dept_b, django_assert_max_num_queries
):
    client.force_login(gm)
    with django_assert_max_num_queries(11 + NAV_QUERIES):
        response = client.get("/")
    assert response.status_code == 200
    rows = {
        row.department.code: (row.handling, row.unassigned, row.overdue, row.major)
        for row in response.context["departments"]
    }
    assert rows == {dept_a.code: (6, 3, 1, 1), dept_b.code: (1, 1, 0, 0)}
    assert refs(response.context["major"]) == [office["major"].reference]
    assert refs(response.context["escalations"]) == [office["to_gm"].reference]
    headlines = response.context["headlines"]
    # Everything was received, one was resolved and closed this month, one is overdue.
    assert headlines == {"received": 8, "resolved": 1, "closed": 1, "overdue": 1}


def test_gm_dashboard_lists_the_unrouted_intake_queue_as_its_own_row(client, gm, dept_a):
    services.register(by=None, channel="web", description="From the public form")
    client.force_login(gm)
    rows = client.get("/").context["departments"]
    assert [(row.department, row.handling, row.unassigned) for row in rows] == [
        (dept_a, 0, 0),
        (None, 1, 1),
    ]


def test_month_headlines_leave_out_earlier_months(frontline, gm, make_complaint):
    start = dashboards.month_start()
    make_complaint(State.RECEIVED, received_at=start - timedelta(minutes=1))
    make_complaint(State.RECEIVED, received_at=start)
    assert dashboards.month_headlines(gm)["received"] == 1


# --- auditor -------------------------------------------------------------------------------------


def test_auditor_dashboard_offers_search_and_links_to_change_history(
    client, auditor, office, django_assert_max_num_queries
):
    client.force_login(auditor)
    with django_assert_max_num_queries(5 + NAV_QUERIES):
        response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'action="/complaints/"' in page and 'name="q"' in page
    latest = response.context["recent_changes"][0]
    assert latest.reference == office["to_gm"].reference
    assert latest.history_transition == "escalate"
    assert "<td>Escalated</td>" in page
    assert f'href="/complaints/{latest.reference}/history/"' in page
    # Auditors change nothing: no registration button, no register link in the navigation.
    assert 'href="/complaints/new/"' not in page


# --- navigation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        ("frontline", {"dashboard", "list", "register", "reports"}, {"audit", "admin"}),
        ("manager", {"dashboard", "list", "register", "reports"}, {"audit", "admin"}),
        ("gm", {"dashboard", "list", "register", "reports", "audit", "admin"}, set()),
        ("auditor", {"dashboard", "list", "reports", "audit"}, {"register", "admin"}),
    ],
)
def test_navigation_shows_only_what_the_tier_may_use(request, client, persona, shown, hidden):
    client.force_login(request.getfixturevalue(persona))
    page = client.get("/").content.decode()
    for key in shown:
        assert f'data-nav="{key}"' in page
    for key in hidden:
        assert f'data-nav="{key}"' not in page
