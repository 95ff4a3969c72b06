"""The complaint list at /complaints/: who sees what, filters, search, sorting, keyset pages."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import services
from complaints.filters import PAGE_SIZES, SORTS, Cursor, decode_cursor, encode_cursor
from complaints.models import Complaint, State

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def listed(response) -> list[str]:
    return [c.reference for c in response.context["page"].rows]


def register(by, **fields) -> Complaint:
    fields.setdefault("complainant_name", "Zhang Wei")
    fields.setdefault("complainant_phone", "139 0000 0000")
    return services.register(
        by=by,
        channel=fields.pop("channel", "phone"),
        description=fields.pop("description", "x"),
        **fields,
    )


def walk(client, address: str) -> list[list[str]]:
    """Follow the "Next" links from ``address``; the references of every page."""
    pages = []
    while address:
        response = client.get(address)
        assert response.status_code == 200
        pages.append(listed(response))
        match = re.search(r'rel="next" href="([^"]+)"', response.content.decode())
        address = ("/complaints/" + match.group(1).replace("&amp;", "&")) if match else None
    return pages


# --- visibility ----------------------------------------------------------------------------------


@pytest.fixture
def spread(make_complaint, frontline, frontline2, frontline_b, dept_b, manager_b):
    """One complaint in each corner of visibility."""
    return {
        "mine": make_complaint(State.ASSIGNED, handler=frontline),
        "colleagues": make_complaint(State.ASSIGNED, handler=frontline2),
        "dept_queue": make_complaint(State.CLASSIFIED),
        "unrouted": services.register(by=None, channel="web", description="from the web"),
        "other_dept": register(frontline_b, department=dept_b),
    }


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("frontline", {"mine", "dept_queue", "unrouted"}),
        ("frontline2", {"colleagues", "dept_queue", "unrouted"}),
        ("manager", {"mine", "colleagues", "dept_queue", "unrouted"}),
        ("manager_b", {"other_dept", "unrouted"}),
        ("gm", {"mine", "colleagues", "dept_queue", "unrouted", "other_dept"}),
        ("auditor", {"mine", "colleagues", "dept_queue", "unrouted", "other_dept"}),
    ],
)
def test_the_list_shows_each_tier_what_it_may_see(request, client, spread, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/complaints/")
    assert response.status_code == 200
    assert set(listed(response)) == {spread[key].reference for key in expected}


def test_a_login_without_a_staff_tier_gets_403(client, outsider, spread):
    client.force_login(outsider)
    assert client.get("/complaints/").status_code == 403
    assert client.get("/").status_code == 403


def test_auditors_get_a_change_history_link_per_row(client, auditor, spread):
    client.force_login(auditor)
    page = client.get("/complaints/").content.decode()
    assert f'href="/complaints/{spread["mine"].reference}/history/"' in page


def test_a_confidential_complainant_is_masked_in_the_list(client, manager_b, dept_b, frontline):
    register(
        frontline,
        department=dept_b,
        confidential=True,
        subject_department=dept_b,
        complainant_name="Wang Fang",
    )
    client.force_login(manager_b)
    page = client.get("/complaints/").content.decode()
    assert "Wang Fang" not in page and "W*******g" in page


def test_a_name_or_phone_search_does_not_reveal_a_masked_complainant(
    client, manager_b, gm, dept_b, frontline
):
    hidden = register(
        frontline,
        department=dept_b,
        confidential=True,
        subject_department=dept_b,
        complainant_name="Wang Fang",
        complainant_phone="13912345678",
        description="About the billing desk",
    )
    client.force_login(manager_b)
    assert listed(client.get("/complaints/?q=Wang+Fang")) == []
    assert listed(client.get("/complaints/?q=1391234")) == []
    # The complaint itself stays findable by what the unit may see.
    assert listed(client.get("/complaints/?q=billing+desk")) == [hidden.reference]
    client.force_login(gm)
    assert listed(client.get("/complaints/?q=Wang+Fang")) == [hidden.reference]


# --- query counts and no full-table count ---------------------------------------------------------


@pytest.mark.parametrize("per_page", [PAGE_SIZES[0], PAGE_SIZES[-1]])
def test_a_list_page_costs_the_same_queries_whatever_its_size(
    client, gm, frontline, manager, category, per_page, django_assert_max_num_queries
):
    for i in range(per_page + 5):
        c = register(frontline, complainant_name=f"Person {i}")
        if i % 3 == 0:
            c = services.classify(
                c, by=manager, category=category, priority="urgent", department=c.department
            )
            services.assign(c, by=manager, assignee=frontline)
    client.force_login(gm)
    # Seven, one for the root-cause filter's choices (#16), one for the bulk bar's handler
    # picker, and the navigation's queue counts and saved views on a cold cache.
    with django_assert_max_num_queries(9 + 2):
        response = client.get(f"/complaints/?per_page={per_page}")
    assert len(listed(response)) == per_page
    assert response.context["page"].has_next
    # A grouped sort reads at most one query per group (eight states), whatever the size.
    with django_assert_max_num_queries(8 + 2 + len(State.values)):
        response = client.get(f"/complaints/?per_page={per_page}&sort=state")
    assert len(listed(response)) == per_page


def test_the_list_never_counts_the_whole_table(client, gm, frontline):
    for _ in range(3):
        register(frontline)
    client.force_login(gm)
    with CaptureQueriesContext(connection) as queries:
        client.get("/complaints/?state=open&sort=priority")
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    # Only the navigation's queue counts, each over at most a hundred rows (complaints.queues).
    assert all(sql.upper().count("COUNT(") == sql.upper().count("LIMIT 100") for sql in counts)
    assert not [q["sql"] for q in queries.captured_queries if " OFFSET " in q["sql"].upper()]


# --- filters and search ---------------------------------------------------------------------------


@pytest.fixture
def variety(frontline, manager, category, other_category, dept_a, dept_b):
    now = timezone.now()
    a = register(
        frontline,
        channel="email",
        description="The bill is wrong twice",
        complainant_name="Chen Jing",
        complainant_phone="+86 138-1111-2222",
        received_at=now - timedelta(days=10),
    )
    a = services.classify(a, by=manager, category=category, priority="major", department=dept_a)
    # A major complaint sits at the manager tier: the manager handles it.
    a = services.assign(a, by=manager, assignee=manager)
    b = register(
        frontline,
        channel="letter",
        description="Rude at the counter",
        complainant_name="Liu Yang",
        received_at=now - timedelta(days=2),
    )
    b = services.classify(
        b, by=manager, category=other_category, priority="urgent", department=dept_a
    )
    c = register(frontline, description="Waited an hour", complainant_name="Zhao Lei")
    # Whatever deadlines the SLA policies gave them, these are the ones the tests read.
    for complaint, due in (
        (a, timedelta(days=2)),
        (b, timedelta(days=1)),
        (c, -timedelta(minutes=5)),
    ):
        services.set_deadlines(
            complaint,
            by=None,
            action="sla",
            reason="",
            next_due_at=now + due,
            resolution_due_at=now + due,
        )
    return {"a": reload(a), "b": reload(b), "c": reload(c)}


def reload(c):
    return Complaint.objects.get(pk=c.pk)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=classified", {"b"}),
        ("state=open", {"a", "b", "c"}),
        ("priority=major", {"a"}),
        ("channel=letter", {"b"}),
        ("overdue=true", {"c"}),
        ("overdue=false", {"a", "b"}),
        ("assignee=null", {"b", "c"}),
        ("q=bill+is", {"a"}),
        ("q=liu", {"b"}),
        ("q=1381111", {"a"}),
        ("q=138+1111+2222", {"a"}),
    ],
)
def test_list_filters(client, gm, variety, query, expected):
    client.force_login(gm)
    response = client.get(f"/complaints/?{query}")
    assert response.status_code == 200
    assert set(listed(response)) == {variety[k].reference for k in expected}


def test_filter_by_assignee_department_category_and_dates(
    client, gm, variety, manager, dept_a, dept_b, category
):
    client.force_login(gm)
    refs = {k: v.reference for k, v in variety.items()}
    assert set(listed(client.get(f"/complaints/?assignee={manager.pk}"))) == {refs["a"]}
    assert set(listed(client.get(f"/complaints/?department={dept_a.pk}"))) == set(refs.values())
    assert listed(client.get(f"/complaints/?department={dept_b.pk}")) == []
    # A top-level category matches its sub-categories.
    assert set(listed(client.get(f"/complaints/?category={category.parent_id}"))) == {refs["a"]}
    since = (timezone.localdate() - timedelta(days=3)).isoformat()
    until = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.get(f"/complaints/?received_after={since}&received_before={until}")
    assert set(listed(response)) == {refs["b"]}


def test_search_by_whole_reference_finds_exactly_that_complaint(client, gm, variety):
    client.force_login(gm)
    response = client.get(f"/complaints/?q={variety['b'].reference.lower()}")
    assert listed(response) == [variety["b"].reference]


def test_a_one_or_two_character_search_finds_names_starting_with_it_and_says_so(
    client, gm, frontline
):
    wang = register(frontline, description="账单重复扣费", complainant_name="王伟")
    register(frontline, description="王伟经理态度恶劣", complainant_name="李娜")
    client.force_login(gm)
    response = client.get("/complaints/?q=王伟")
    # Not the complaint that names 王伟 in its description: that takes three characters.
    assert listed(response) == [wang.reference]
    assert listed(client.get("/complaints/?q=王")) == [wang.reference]
    assert "one or two find the complainants whose names start with them" in (
        response.content.decode()
    )
    assert len(listed(client.get("/complaints/?q=王伟经理"))) == 1


def test_an_invalid_filter_is_400_with_a_message(client, gm, variety):
    client.force_login(gm)
    response = client.get("/complaints/?received_after=not-a-date")
    assert response.status_code == 400
    assert "Some filters are not valid" in response.content.decode()
    assert listed(response) == []


def test_due_markers_show_overdue_and_time_left(client, gm, variety):
    services.set_deadlines(
        variety["b"],
        by=None,
        action="sla",
        reason="",
        next_due_at=timezone.now() + timedelta(hours=3, minutes=10),
    )
    client.force_login(gm)
    page = client.get("/complaints/").content.decode()
    assert "overdue" in page
    assert "due in 3\xa0hours" in page


def test_a_complaint_past_its_resolution_deadline_with_nothing_next_is_listed_as_overdue(
    client, gm, make_complaint
):
    late = make_complaint(State.ASSIGNED)
    services.set_deadlines(
        late,
        by=None,
        action="sla",
        reason="",
        next_due_at=None,
        resolution_due_at=timezone.now() - timedelta(hours=26),
    )
    client.force_login(gm)
    response = client.get("/complaints/?overdue=true")
    assert listed(response) == [late.reference]
    assert "overdue" in response.content.decode()


# --- sorting and keyset pagination ----------------------------------------------------------------


def test_sort_by_priority_puts_major_first_and_by_due_puts_no_deadline_last(client, gm, variety):
    client.force_login(gm)
    refs = {k: v.reference for k, v in variety.items()}
    assert listed(client.get("/complaints/?sort=priority")) == [refs["a"], refs["b"], refs["c"]]
    assert listed(client.get("/complaints/?sort=-received")) == [refs["c"], refs["b"], refs["a"]]
    assert listed(client.get("/complaints/?sort=reference")) == [refs["a"], refs["b"], refs["c"]]
    assert listed(client.get("/complaints/?sort=due"))[0] == refs["c"]


@pytest.mark.parametrize(
    "sort", ["-received", "received", "reference", "-due", "due", "priority", "-state"]
)
def test_walking_the_pages_shows_every_complaint_once_in_order(
    client, gm, frontline, manager, category, sort
):
    same_moment = timezone.now() - timedelta(days=1)
    for i in range(57):
        # Many share one received_at and one deadline: the id breaks the ties.
        c = register(
            frontline, received_at=same_moment if i % 2 else same_moment - timedelta(minutes=i)
        )
        if i % 4 == 0:
            services.set_deadlines(c, by=None, action="sla", reason="", next_due_at=same_moment)
        if i % 5 == 0:
            services.classify(
                c, by=manager, category=category, priority="major", department=c.department
            )
    client.force_login(gm)
    pages = walk(client, f"/complaints/?sort={sort}&per_page=25")
    assert [len(p) for p in pages] == [25, 25, 7]
    flat = [ref for page in pages for ref in page]
    assert len(set(flat)) == 57
    # The same order as one big query would give.
    response = client.get(f"/complaints/?sort={sort}&per_page=100")
    assert listed(response) == flat


def test_previous_goes_back_to_the_page_before(client, gm, frontline):
    for _ in range(30):
        register(frontline)
    client.force_login(gm)
    first = client.get("/complaints/?per_page=25")
    second = client.get(f"/complaints/?per_page=25&after={first.context['page'].next_cursor}")
    assert second.context["page"].has_previous and not second.context["page"].has_next
    back = client.get(f"/complaints/?per_page=25&before={second.context['page'].previous_cursor}")
    assert listed(back) == listed(first)
    assert back.context["page"].has_next and not back.context["page"].has_previous


def test_a_tampered_page_link_shows_the_first_page_with_a_message(client, gm, frontline):
    register(frontline)
    client.force_login(gm)
    for token in (
        "garbage!",
        encode_cursor("reference", 0, "C-1", 1),  # another sort's link
        encode_cursor("-received", 0, "not a time", 1),
        encode_cursor("-received", 5, "2026-01-01T00:00:00+08:00", 1),  # no such group
    ):
        response = client.get(f"/complaints/?after={token}")
        assert response.status_code == 400
        assert "That page link is no longer valid" in response.content.decode()
        assert len(listed(response)) == 1


def test_an_unknown_sort_or_page_size_falls_back_to_the_defaults(client, gm, frontline):
    register(frontline)
    client.force_login(gm)
    response = client.get("/complaints/?sort=password&per_page=1000000")
    assert response.status_code == 200
    assert response.context["sort"] == "-received"
    assert response.context["page"].per_page == PAGE_SIZES[0]


def test_keyset_cursor_round_trips_datetimes():
    moment = datetime(2026, 3, 1, 8, 30, tzinfo=timezone.get_current_timezone())
    groups = SORTS["due"].groups(False, {})
    token = encode_cursor("due", 1, moment, 7)
    assert decode_cursor(token, "due", groups) == Cursor(1, moment, 7)
