"""Duplicate and repeat detection: the service, the look-up endpoint behind the staff form, the
duplicates page of a registered complaint, and the query plan at scale on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from django.db import connection
from django.utils import timezone

from complaints import services
from complaints.models import Complaint
from intake import selectors
from intake.selectors import earlier_complaints, earlier_queryset

PHONE = "138 0013 8000"


# --- the service ----------------------------------------------------------------------------------


def test_the_same_complainant_is_found_by_phone_email_or_id_however_typed(make_complaint):
    by_phone = make_complaint(complainant_phone="+86 138-0013-8000")
    by_email = make_complaint(complainant_phone="", complainant_email="Li.Lei@Example.CN")
    by_id = make_complaint(complainant_phone="", complainant_id_number="沪A-12345")
    make_complaint(complainant_phone="139 0000 0000")  # someone else
    found = earlier_complaints(
        phone="13800138000", email="li.lei@example.cn ", id_number="沪a12345"
    )
    assert {e.complaint for e in found} == {by_phone, by_email, by_id}


@pytest.mark.parametrize("typed", [{"phone": "138"}, {"email": "li"}, {"id_number": "A1"}, {}])
def test_fragments_too_short_to_identify_anyone_find_nothing(make_complaint, typed):
    make_complaint()
    assert earlier_complaints(**typed) == []


def test_an_open_complaint_on_the_same_category_is_offered_as_a_duplicate(
    make_complaint, category, other_category, manager, dept_a
):
    same = make_complaint("classified")  # category = rude staff
    other = services.classify(
        make_complaint(description="billing"),
        by=manager,
        category=other_category,
        priority="normal",
        department=dept_a,
    )
    unclassified = make_complaint()
    closed = make_complaint("closed")
    found = {e.complaint: e for e in earlier_complaints(phone=PHONE, category=category)}
    assert found[same].duplicate
    assert found[unclassified].duplicate  # not classified yet: could be the same matter
    assert not found[other].duplicate  # another matter: a repeat at most
    assert not found[closed].duplicate  # closed: a repeat, not a duplicate
    assert not found[closed].open


def test_duplicates_are_recent_repeats_reach_further_back(make_complaint, settings, time_machine):
    settings.REDRESS_DUPLICATE_WINDOW_DAYS = 30
    settings.REDRESS_REPEAT_WINDOW_DAYS = 365
    old = make_complaint(received_at=timezone.now() - dt.timedelta(days=40))
    ancient = make_complaint(received_at=timezone.now() - dt.timedelta(days=400))
    recent = make_complaint()
    found = earlier_complaints(phone=PHONE)
    assert [e.complaint for e in found] == [recent, old]  # newest first, ancient not at all
    assert [e.duplicate for e in found] == [True, False]
    assert ancient.pk


def test_the_lookup_is_one_query(make_complaint, django_assert_num_queries):
    for _ in range(5):
        make_complaint("classified")
    with django_assert_num_queries(1):
        found = earlier_complaints(phone=PHONE, email="li.lei@example.cn")
        assert [str(e.complaint.category) for e in found]  # category joined, not lazy-loaded


# --- the look-up endpoint -------------------------------------------------------------------------


def lookup(client, user, **params):
    client.force_login(user)
    return client.get("/complaints/new/earlier/", params)


def test_the_endpoint_lists_the_complainants_earlier_complaints_as_json(
    client, frontline, make_complaint, category
):
    earlier = make_complaint("classified")
    response = lookup(client, frontline, phone="13800138000", category=str(category.pk))
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["reference"] == earlier.reference
    assert row["url"] == earlier.get_absolute_url()
    assert row["duplicate"] is True
    assert row["open"] is True
    assert row["summary"] == "Rude agent"


def test_the_endpoint_shows_only_what_the_user_may_see(
    client, frontline, frontline_b, dept_b, make_complaint
):
    mine = make_complaint()
    theirs = make_complaint(department=dept_b, by=frontline_b)
    assert [r["reference"] for r in lookup(client, frontline, phone=PHONE).json()["results"]] == [
        mine.reference
    ]
    assert [r["reference"] for r in lookup(client, frontline_b, phone=PHONE).json()["results"]] == [
        theirs.reference
    ]


def test_a_confidential_complainant_is_not_revealed_to_the_unit_complained_about(
    client, frontline, manager, gm, make_complaint, dept_a
):
    make_complaint(confidential=True, subject_department=dept_a)
    assert lookup(client, manager, phone=PHONE).json()["results"] == []
    assert len(lookup(client, gm, phone=PHONE).json()["results"]) == 1


def test_the_staff_member_complained_about_does_not_learn_who_complained(
    client, frontline, frontline2, make_complaint
):
    make_complaint(subject_person=frontline2)
    assert lookup(client, frontline2, phone=PHONE).json()["results"] == []
    assert len(lookup(client, frontline, phone=PHONE).json()["results"]) == 1


def test_the_endpoint_costs_the_same_queries_for_many_results(
    client, frontline, make_complaint, django_assert_max_num_queries
):
    for _ in range(15):
        make_complaint("classified")
    client.force_login(frontline)
    with django_assert_max_num_queries(5):  # session, user, profile, the look-up
        response = client.get("/complaints/new/earlier/", {"phone": PHONE})
    assert len(response.json()["results"]) == 15


@pytest.mark.parametrize("persona", ["outsider"])
def test_users_without_a_tier_get_403(client, request, persona):
    assert lookup(client, request.getfixturevalue(persona), phone=PHONE).status_code == 403


def test_the_endpoint_is_read_only(client, frontline):
    client.force_login(frontline)
    assert client.post("/complaints/new/earlier/", {"phone": PHONE}).status_code == 405


# --- the duplicates page of a registered complaint ------------------------------------------------


@pytest.fixture
def pair(make_complaint, web_complaint):
    """An open case by phone, and the same person's web complaint in the intake queue."""
    open_case = make_complaint("classified")
    web = web_complaint(complainant_phone="13800138000")
    return open_case, web


def test_the_page_offers_the_open_case_as_a_duplicate(client, manager, pair):
    open_case, web = pair
    client.force_login(manager)
    response = client.get(f"/complaints/{web.reference}/duplicates/")
    assert response.status_code == 200
    [item] = response.context["found"]
    assert item.complaint == open_case
    assert item.duplicate


def test_merging_terminates_the_duplicate_and_points_it_at_the_open_case(client, manager, pair):
    open_case, web = pair
    client.force_login(manager)
    response = client.post(
        f"/complaints/{web.reference}/duplicates/",
        {"action": "merge", "target": open_case.reference, "expected_version": web.version},
    )
    assert response.status_code == 302
    web = Complaint.objects.get(pk=web.pk)
    assert web.state == "withdrawn"
    assert web.merged_into == open_case
    row = web.history.latest("history_id")
    assert (row.history_transition, row.history_user) == ("withdraw", manager)
    assert Complaint.objects.get(pk=open_case.pk).state == "classified"


def test_linking_a_repeat_keeps_the_complaint_open_and_counts_it(client, manager, pair):
    open_case, web = pair
    client.force_login(manager)
    client.post(
        f"/complaints/{web.reference}/duplicates/",
        {"action": "repeat", "target": open_case.reference},
    )
    web = Complaint.objects.get(pk=web.pk)
    assert web.repeat_of == open_case
    assert web.state == "received"
    assert web.history.latest("history_id").history_transition == "link_repeat"
    assert open_case.repeats.count() == 1


def test_a_stale_merge_is_refused_with_409(client, manager, pair):
    open_case, web = pair
    client.force_login(manager)
    response = client.post(
        f"/complaints/{web.reference}/duplicates/",
        {"action": "merge", "target": open_case.reference, "expected_version": web.version + 5},
    )
    assert response.status_code == 409
    assert Complaint.objects.get(pk=web.pk).state == "received"


def test_merging_into_a_closed_case_is_refused_with_409(client, manager, make_complaint, pair):
    _open_case, web = pair
    closed = make_complaint("closed")
    client.force_login(manager)
    response = client.post(
        f"/complaints/{web.reference}/duplicates/",
        {"action": "merge", "target": closed.reference},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 409
    assert "only be merged into another open complaint" in response.content.decode()
    assert Complaint.objects.get(pk=web.pk).state == "received"


def test_an_unknown_target_is_a_400(client, manager, pair):
    _open_case, web = pair
    client.force_login(manager)
    response = client.post(
        f"/complaints/{web.reference}/duplicates/", {"action": "merge", "target": "C-1-1"}
    )
    assert response.status_code == 400


def test_auditors_may_look_but_not_merge(client, auditor, pair):
    open_case, web = pair
    client.force_login(auditor)
    assert client.get(f"/complaints/{web.reference}/duplicates/").status_code == 200
    response = client.post(
        f"/complaints/{web.reference}/duplicates/",
        {"action": "merge", "target": open_case.reference},
    )
    assert response.status_code == 403
    assert Complaint.objects.get(pk=web.pk).state == "received"


def test_an_invisible_complaint_is_404(client, frontline_b, make_complaint):
    complaint = make_complaint("classified")
    client.force_login(frontline_b)
    assert client.get(f"/complaints/{complaint.reference}/duplicates/").status_code == 404
    assert client.post(f"/complaints/{complaint.reference}/duplicates/").status_code == 404


def test_the_duplicates_page_needs_a_login(client, pair):
    response = client.get(f"/complaints/{pair[1].reference}/duplicates/")
    assert response.status_code == 302


# --- at scale -------------------------------------------------------------------------------------

BENCH_ROWS = int(os.environ.get("REDRESS_BENCH_ROWS", "50000"))


def _fill(template: Complaint, rows: int) -> None:
    """Clone ``template`` ``rows`` times in one INSERT ... SELECT: distinct references and
    contacts, received over the last 400 days. Then ANALYZE, as autovacuum would."""
    columns = [
        f.column
        for f in Complaint._meta.concrete_fields
        if f.column
        not in (
            "id",
            "reference",
            "complainant_phone_norm",
            "complainant_email_norm",
            "complainant_id_norm",
            "received_at",
        )
    ]
    column_list = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO complaints_complaint (reference, complainant_phone_norm,
                complainant_email_norm, complainant_id_norm, received_at, {column_list})
            SELECT 'B-' || g, (15000000000 + g)::text, 'user' || g || '@example.com',
                'ID' || g, %s - (g %% 400) * interval '1 day', {column_list}
            FROM complaints_complaint, generate_series(1, %s) AS g
            WHERE id = %s
            """,  # noqa: S608 - column names come from the model, values are parameters
            [timezone.now(), rows, template.pk],
        )
        cursor.execute("ANALYZE complaints_complaint")


def test_the_lookup_uses_the_contact_indexes_at_scale(make_complaint, frontline):
    template = make_complaint()
    _fill(template, BENCH_ROWS)
    qs = earlier_queryset(
        queryset=selectors.visible_for_lookup(frontline),
        phone="15000000042",
        email="user77@example.com",
        id_number="ID99",
    )
    plan = qs[:20].explain()
    for index in ("cmp_phone_norm_idx", "cmp_email_norm_idx", "cmp_id_norm_idx"):
        assert index in plan, plan
    assert "Seq Scan on complaints_complaint" not in plan, plan
    started = time.perf_counter()
    found = list(qs[:20])
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert {c.reference for c in found} == {"B-42", "B-77", "B-99"}
    print(f"\nlook-up over {BENCH_ROWS:,} complaints: {elapsed_ms:.1f} ms\n{plan}")
    assert elapsed_ms < 200
