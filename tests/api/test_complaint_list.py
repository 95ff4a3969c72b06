"""GET /api/v1/complaints/: what each tier sees, the filters, ordering, cursor pages, queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from complaints import services
from complaints.models import State
from tests.api.conftest import error_of, url

pytestmark = pytest.mark.django_db


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


@pytest.fixture
def spread(make_complaint, frontline, frontline2, frontline_b, manager_b, dept_b):
    """One complaint in each corner of the visibility rules."""
    return {
        "unassigned_a": make_complaint(State.CLASSIFIED),
        "mine": make_complaint(State.ASSIGNED, handler=frontline),
        "colleagues": make_complaint(State.ASSIGNED, handler=frontline2),
        # From the public web form: no registering staff member, so no department yet.
        "unrouted": services.register(by=None, channel="web", description="Late delivery"),
        "dept_b": services.register(by=frontline_b, channel="email", description="Billing"),
    }


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("frontline", {"unassigned_a", "mine", "unrouted"}),
        ("frontline2", {"unassigned_a", "colleagues", "unrouted"}),
        ("manager", {"unassigned_a", "mine", "colleagues", "unrouted"}),
        ("manager_b", {"dept_b", "unrouted"}),
        ("frontline_b", {"dept_b", "unrouted"}),
        ("gm", {"unassigned_a", "mine", "colleagues", "unrouted", "dept_b"}),
        ("auditor", {"unassigned_a", "mine", "colleagues", "unrouted", "dept_b"}),
        ("outsider", set()),
    ],
)
def test_list_shows_each_tier_exactly_what_the_visibility_rules_allow(
    persona, visible, spread, api, request
):
    user = request.getfixturevalue(persona)
    got = set(references(api(user).get(url())))
    assert got == {spread[name].reference for name in visible}


def test_list_rows_carry_the_queue_columns(api, manager, make_complaint, category, dept_a):
    complaint = make_complaint(State.ASSIGNED)
    row = api(manager).get(url()).json()["results"][0]
    assert row["reference"] == complaint.reference
    assert row["url"] == f"http://testserver/api/v1/complaints/{complaint.reference}/"
    assert row["state"] == "assigned"
    assert row["version"] == complaint.version
    assert row["category"] == {
        "id": category.pk,
        "code": "rude-staff",
        "name": "Rude staff",
        "path": "Service attitude / Rude staff",
    }
    assert row["department"] == {"id": dept_a.pk, "code": "service", "name": "Customer service"}
    assert row["assignee"]["username"] == "frontline"
    assert row["complainant_name"] == "Li Lei"
    assert row["is_overdue"] is False


def test_list_masks_the_complainant_for_the_unit_complained_about(
    api, manager, gm, make_complaint, dept_a
):
    make_complaint(confidential=True, subject_department=dept_a, complainant_name="Wang Fang")
    assert api(manager).get(url()).json()["results"][0]["complainant_name"] == "W*******g"
    assert api(gm).get(url()).json()["results"][0]["complainant_name"] == "Wang Fang"


class TestFilters:
    def test_by_state_accepts_several(self, api, gm, spread):
        got = references(api(gm).get(url(), {"state": ["received", "assigned"]}))
        assert set(got) == {
            spread[n].reference for n in ("mine", "colleagues", "unrouted", "dept_b")
        }

    def test_by_priority(self, api, gm, make_complaint):
        urgent = make_complaint(priority="urgent")
        make_complaint()
        assert references(api(gm).get(url(), {"priority": "urgent"})) == [urgent.reference]

    def test_by_channel(self, api, gm, spread):
        assert references(api(gm).get(url(), {"channel": "email"})) == [spread["dept_b"].reference]

    def test_by_department(self, api, gm, spread, dept_b):
        assert references(api(gm).get(url(), {"department": dept_b.pk})) == [
            spread["dept_b"].reference
        ]

    def test_by_assignee(self, api, gm, spread, frontline2):
        assert references(api(gm).get(url(), {"assignee": frontline2.pk})) == [
            spread["colleagues"].reference
        ]

    def test_by_category_includes_its_sub_categories(self, api, gm, spread, category):
        by_leaf = set(references(api(gm).get(url(), {"category": category.pk})))
        by_parent = set(references(api(gm).get(url(), {"category": category.parent_id})))
        assert (
            by_leaf
            == by_parent
            == {spread[n].reference for n in ("unassigned_a", "mine", "colleagues")}
        )

    def test_by_tier(self, api, gm, frontline, make_complaint):
        escalated = make_complaint(State.ASSIGNED)
        services.escalate(escalated, by=frontline, reason="Wants a manager")
        make_complaint()
        assert references(api(gm).get(url(), {"tier": "manager"})) == [escalated.reference]

    def test_by_time_received(self, api, gm, make_complaint):
        now = timezone.now()
        old = make_complaint(received_at=now - timedelta(days=40))
        new = make_complaint(received_at=now - timedelta(days=1))
        cut = (now - timedelta(days=10)).isoformat()
        assert references(api(gm).get(url(), {"created_after": cut})) == [new.reference]
        assert references(api(gm).get(url(), {"created_before": cut})) == [old.reference]

    def test_a_time_with_an_offset_postgresql_does_not_know_is_still_understood(
        self, api, gm, make_complaint
    ):
        complaint = make_complaint()
        # -21:26 is valid ISO 8601 but beyond PostgreSQL's ±15:59.
        got = references(api(gm).get(url(), {"created_before": "2074-11-29T18:57:03-21:26"}))
        assert got == [complaint.reference]

    def test_overdue_means_past_the_next_deadline_while_being_handled(
        self, api, gm, make_complaint
    ):
        late = make_complaint()
        services.set_deadlines(
            late, by=None, action="sla", reason="", next_due_at=timezone.now() - timedelta(hours=1)
        )
        on_time = make_complaint()
        services.set_deadlines(
            on_time, by=None, action="sla", reason="", next_due_at=timezone.now() + timedelta(1)
        )
        assert references(api(gm).get(url(), {"overdue": "true"})) == [late.reference]
        assert references(api(gm).get(url(), {"overdue": "false"})) == [on_time.reference]
        assert api(gm).get(url(late.reference)).json()["is_overdue"] is True

    def test_a_complaint_past_its_resolution_deadline_stays_overdue_until_its_clock_stops(
        self, api, gm, make_complaint
    ):
        # With the general manager, past every deadline: nothing is "next", but it is late.
        late = make_complaint()
        services.set_deadlines(
            late,
            by=None,
            action="sla",
            reason="",
            next_due_at=None,
            resolution_due_at=timezone.now() - timedelta(hours=5),
        )
        paused = make_complaint()
        services.set_deadlines(
            paused,
            by=None,
            action="pause",
            reason="",
            next_due_at=None,
            resolution_due_at=timezone.now() - timedelta(hours=5),
            clock_paused_at=timezone.now() - timedelta(days=1),
        )
        assert references(api(gm).get(url(), {"overdue": "true"})) == [late.reference]
        assert references(api(gm).get(url(), {"overdue": "false"})) == [paused.reference]
        assert api(gm).get(url(late.reference)).json()["is_overdue"] is True
        assert api(gm).get(url(paused.reference)).json()["is_overdue"] is False

    @pytest.mark.parametrize(
        "query",
        ["c-2026-000001", "+86 139 0000 0001", "WANG@Example.test", "粤B-12345"],
    )
    def test_search_finds_a_reference_or_the_complainants_contact_in_any_spelling(
        self, api, gm, make_complaint, query
    ):
        with time_machine.travel("2026-03-01 10:00 +0800", tick=True):
            target = make_complaint(
                complainant_phone="13900000001",
                complainant_email="wang@example.test",
                complainant_id_number="粤B 12345",
            )
            make_complaint(complainant_phone="13800000000")
        assert target.reference == "C-2026-000001"
        assert references(api(gm).get(url(), {"search": query})) == [target.reference]

    def test_search_by_contact_never_finds_a_complainant_hidden_from_the_searcher(
        self, api, manager, gm, make_complaint, dept_a
    ):
        hidden = make_complaint(
            complainant_phone="13900000001", confidential=True, subject_department=dept_a
        )
        assert references(api(manager).get(url(), {"search": "13900000001"})) == []
        assert references(api(gm).get(url(), {"search": "13900000001"})) == [hidden.reference]
        # The reference itself is no secret to someone who may see the complaint.
        assert references(api(manager).get(url(), {"search": hidden.reference})) == [
            hidden.reference
        ]

    @pytest.mark.parametrize(
        ("param", "value"),
        [
            ("state", "lost"),
            ("priority", "whenever"),
            ("department", "abc"),
            ("department", "1.5"),
            ("department", str(2**64)),
            ("assignee", "0"),
            ("category", "-3"),
            ("created_after", "yesterday"),
            ("created_before", "2026-13-45"),
            ("created_after", "0001-01-01T00:00:00+05:00"),
            ("tier", "auditor"),
        ],
    )
    def test_a_malformed_filter_is_400_naming_the_parameter(self, api, gm, param, value):
        response = api(gm).get(url(), {param: value})
        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == [param]


class TestOrderingAndPages:
    def test_newest_first_by_default_and_by_request(self, api, gm, make_complaint):
        now = timezone.now()
        older = make_complaint(received_at=now - timedelta(days=2))
        newer = make_complaint(received_at=now - timedelta(days=1))
        assert references(api(gm).get(url())) == [newer.reference, older.reference]
        assert references(api(gm).get(url(), {"ordering": "received_at"})) == [
            older.reference,
            newer.reference,
        ]
        assert references(api(gm).get(url(), {"ordering": "-reference"})) == [
            newer.reference,
            older.reference,
        ]

    def test_cursor_pages_walk_every_complaint_once_without_a_count(self, api, gm, make_complaint):
        made = {make_complaint().reference for _ in range(7)}
        client = api(gm)
        seen: list[str] = []
        response = client.get(url(), {"page_size": 3})
        pages = 0
        while True:
            body = response.json()
            assert "count" not in body
            seen += [row["reference"] for row in body["results"]]
            pages += 1
            if body["next"] is None:
                break
            response = client.get(body["next"])
        assert pages == 3
        assert sorted(seen) == sorted(made)
        assert len(seen) == len(made)

    @pytest.mark.parametrize("page_size", ["0", "201", "ten", "-1", "1.5", ""])
    def test_a_page_size_outside_1_to_200_is_400(self, api, gm, page_size):
        response = api(gm).get(url(), {"page_size": page_size})
        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == ["page_size"]

    @pytest.mark.parametrize("ordering", ["state", "received_at,reference", "-", "description"])
    def test_an_ordering_the_list_does_not_offer_is_400(self, api, gm, ordering):
        response = api(gm).get(url(), {"ordering": ordering})
        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == ["ordering"]

    def test_a_tampered_cursor_is_400(self, api, gm):
        response = api(gm).get(url(), {"cursor": "not-base64!"})
        assert response.status_code == 400
        assert error_of(response)["fields"] == {"cursor": ["Invalid cursor."]}

    def test_a_cursor_with_a_forged_position_is_400_not_500(self, api, gm, make_complaint):
        import base64

        make_complaint()
        forged = base64.b64encode(b"p=not-a-date").decode()
        response = api(gm).get(url(), {"cursor": forged})
        assert response.status_code == 400
        assert error_of(response)["code"] == "invalid"


@pytest.mark.parametrize("page_size", [5, 40])
def test_list_costs_the_same_queries_whatever_the_page_size(
    page_size, api, manager, make_complaint, frontline, frontline2, django_assert_num_queries
):
    for i in range(40):
        make_complaint(
            State.ASSIGNED if i % 2 else State.CLASSIFIED,
            handler=frontline if i % 3 else frontline2,
            confidential=bool(i % 5 == 0),
        )
    client = api(manager)
    # token + user, staff profile, the page: the same 3 for 5 rows or 40.
    with django_assert_num_queries(3):
        response = client.get(url(), {"page_size": page_size, "state": ["assigned", "classified"]})
    assert len(response.json()["results"]) == page_size
