"""Every figure of the monthly report, checked against a month worked out by hand (conftest)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from complaints.models import Complaint
from reporting import figures, selectors
from reporting.months import Month

pytestmark = pytest.mark.django_db

MARCH = Month(2026, 3)


def rate(num, den):
    return {"num": num, "den": den}


def bundle(month=MARCH, qs=None):
    return figures.month_bundle(qs if qs is not None else Complaint.objects.all(), month)


def test_march_headline_figures_are_exactly_those_of_the_script(march):
    assert bundle()["figures"] == {
        "received": 7,  # A B D E F G I (C was received in February, H a year earlier)
        "accepted": 4,  # A B G I (F was accepted on 1 April)
        "rejected": 1,  # D
        "withdrawn": 1,  # E
        "resolved": 4,  # A, B (its latest resolution), C (received in February), I
        "closed": 3,  # A B I
        "open_at_month_end": 4,  # C (resolved, not closed), F, G, H
        # First responses: A 4 h (a call), B 65 h, C 65.5 h, I 5.5 h (the resolutions).
        # Hours are rounded half up to one decimal from the exact seconds: 35.25 is 35.3
        # (Python's round() would say 35.2), 4.75 is 4.8.
        "first_response_hours_avg": 35.0,
        "first_response_hours_median": 35.3,
        # Working hours: A 4, B 2 (Fri 17-18, Mon 9-10), C 11.5 (Sat 02-28 is worked), I 5.5.
        "first_response_working_hours_avg": 5.8,  # 5.75
        "first_response_working_hours_median": 4.8,  # 4.75
        # Resolutions: A 25 h, B 137 h (resolved again on the 12th), C 65.5 h, I 5.5 h.
        "resolution_hours_avg": 58.3,  # 58.25
        "resolution_hours_median": 45.3,  # 45.25
        # Working: A 10, B 29, C 11.5, I 5.5.
        "resolution_working_hours_avg": 14.0,
        "resolution_working_hours_median": 10.8,  # 10.75
        "resolution_rate": rate(3, 4),  # of A B G I, all but G resolved by 31 March
        "on_time_rate": rate(2, 3),  # A and I on time, B late, C had no deadline
        "major_on_time_rate": rate(0, 1),  # B
        # Every contact: A satisfied, B dissatisfied (10th) and basically satisfied (13th);
        # I unreachable is apart.
        "satisfaction_rate": rate(2, 3),
        "closure_rate": rate(3, 4),  # of A B C I, C is not closed
        "repeat_complaints": 1,  # G
        "reopened": 1,  # B
        "substantiated_rate": rate(3, 4),  # B was not substantiated
        "escalations_to_manager": 1,  # G on the 16th
        "escalations_to_gm": 1,  # G on the 17th
        "unreachable_follow_ups": 1,  # I
        "remedies_given": 3,  # A 50, C 50, I 150
        "remedy_total": "250.00",
        "deadline_extensions": 1,  # A
        "refusal_appeals_upheld": 0,
        "refusal_appeals_overturned": 0,
    }


def test_march_breakdowns_and_league_table(march, dept_a, dept_b, category, other_category):
    result = bundle()
    assert result["breakdowns"] == {
        "category": [[category.pk, 4], [other_category.pk, 1], [None, 2]],
        "channel": [["email", 1], ["phone", 5], ["web", 1]],
        "priority": [["major", 1], ["normal", 5], ["urgent", 1]],
        "department": [[dept_a.pk, 6], [dept_b.pk, 1]],
    }
    assert result["league"] == [
        {
            "department_id": dept_a.pk,
            "received": 6,
            "repeats": 1,
            "resolved": 3,
            "on_time": rate(1, 2),
            "satisfaction": rate(2, 3),
        },
        {
            "department_id": dept_b.pk,
            "received": 1,
            "repeats": 0,
            "resolved": 1,
            "on_time": rate(1, 1),
            "satisfaction": rate(0, 0),
        },
    ]


def test_postgresql_adds_up_the_groups_exactly_as_python_did(march):
    """Round trip 1 on PostgreSQL sums the month's groups in SQL (GROUPING SETS); other
    databases add up the (department, category, channel, priority) groups in Python. Both give
    the same totals and breakdowns in the same order, uncategorised (NULL) complaints included."""
    qs = selectors.complaints_for(selectors.Scope.organisation())
    in_sql = figures._grouped(qs, MARCH)
    groups = list(figures._groups(qs, MARCH))
    assert in_sql[None] == figures._sum(groups)
    assert None in in_sql["category_id"]
    for field in figures.GROUP_FIELDS:
        in_python = figures._sum_by(groups, field)
        assert list(in_sql[field].items()) == list(in_python.items())


def test_previous_month_counts_the_complaint_received_before_the_boundary(march):
    february = bundle(Month(2026, 2))["figures"]
    assert february["received"] == 1  # C
    assert february["accepted"] == 1
    assert february["resolved"] == 0  # C was resolved on 2 March
    assert february["resolution_rate"] == rate(0, 1)
    assert february["open_at_month_end"] == 2  # C and H
    assert february["resolution_hours_avg"] is None
    assert february["first_response_working_hours_median"] is None


def test_same_month_last_year(march):
    last_year = bundle(Month(2025, 3))["figures"]
    assert last_year["received"] == 1  # H
    assert last_year["open_at_month_end"] == 1
    assert last_year["resolved"] == 0


def test_a_complaint_received_on_the_last_evening_counts_in_that_month(march):
    april = bundle(Month(2026, 4))["figures"]
    assert april["received"] == 0
    assert april["accepted"] == 1  # F, at 00:10 on 1 April
    assert april["open_at_month_end"] == 4  # C F G H: nothing was finished in April


def test_a_month_without_complaints_reports_zeros_and_no_rates(db):
    empty = bundle(Month(2026, 1))
    assert empty["figures"] == {
        "received": 0,
        "accepted": 0,
        "rejected": 0,
        "withdrawn": 0,
        "resolved": 0,
        "closed": 0,
        "open_at_month_end": 0,
        "first_response_hours_avg": None,
        "first_response_hours_median": None,
        "first_response_working_hours_avg": None,
        "first_response_working_hours_median": None,
        "resolution_hours_avg": None,
        "resolution_hours_median": None,
        "resolution_working_hours_avg": None,
        "resolution_working_hours_median": None,
        "resolution_rate": rate(0, 0),
        "on_time_rate": rate(0, 0),
        "major_on_time_rate": rate(0, 0),
        "satisfaction_rate": rate(0, 0),
        "closure_rate": rate(0, 0),
        "repeat_complaints": 0,
        "reopened": 0,
        "substantiated_rate": rate(0, 0),
        "escalations_to_manager": 0,
        "escalations_to_gm": 0,
        "unreachable_follow_ups": 0,
        "remedies_given": 0,
        "remedy_total": "0.00",
        "deadline_extensions": 0,
        "refusal_appeals_upheld": 0,
        "refusal_appeals_overturned": 0,
    }
    assert empty["league"] == []
    assert all(value is None for value in (figures.value(empty["figures"], "on_time_rate"),))


def test_a_department_report_covers_only_that_department(march, dept_b):
    qs = selectors.complaints_for(selectors.Scope.for_department(dept_b.pk))
    result = bundle(qs=qs)["figures"]
    assert (result["received"], result["resolved"], result["closed"]) == (1, 1, 1)
    assert result["on_time_rate"] == rate(1, 1)
    assert result["unreachable_follow_ups"] == 1
    assert result["remedy_total"] == "150.00"
    assert result["escalations_to_manager"] == 0
    assert result["open_at_month_end"] == 0


def test_a_personal_summary_covers_the_complaints_the_handler_holds(march, frontline):
    qs = selectors.complaints_for(selectors.Scope.personal(frontline), frontline)
    result = bundle(qs=qs)["figures"]
    # frontline holds A, C and G.
    assert (result["received"], result["resolved"], result["closed"]) == (2, 2, 1)
    assert result["escalations_to_manager"] == 1
    assert result["escalations_to_gm"] == 1
    assert result["repeat_complaints"] == 1


def test_percentages_are_computed_from_the_counts(march):
    result = bundle()["figures"]
    assert figures.value(result, "on_time_rate") == Decimal("66.7")
    assert figures.value(result, "resolution_rate") == Decimal("75.0")
    assert figures.value(result, "major_on_time_rate") == Decimal("0.0")
    assert figures.value(result, "resolution_hours_median") == Decimal("45.3")
    assert figures.value(result, "remedy_total") == figures.Decimal("250.00")


def test_trend_gives_twelve_months_ending_with_the_report_month(march):
    trend = figures.trend(Complaint.objects.all(), MARCH)
    assert [point["month"] for point in trend] == [str(Month(2025, 4).shift(i)) for i in range(12)]
    assert trend[-1] == {
        "month": "2026-03",
        "received": 7,
        "resolved": 4,
        "on_time_rate": rate(2, 3),
        "satisfaction_rate": rate(2, 3),
    }
    assert trend[-2]["received"] == 1  # February: C
    assert sum(point["received"] for point in trend) == 8  # H (March 2025) is outside


def test_report_lists_improvement_points_at_least_two(march, gm, category):
    report = selectors.monthly_report(gm, selectors.Scope.organisation(), MARCH)
    names = [str(point["name"]) for point in report.improvement_points]
    # Rude staff grew from 1 (C in February) to 4; double charge from 0 to 1.
    assert names[:2] == [category.name, "Double charge"]
    assert len(report.improvement_points) >= 2
    assert "up 3 from 1" in str(report.improvement_points[0]["reason"])


def test_report_rows_carry_previous_month_and_last_year_beside_the_month(march, gm):
    report = selectors.monthly_report(gm, selectors.Scope.organisation(), MARCH)
    received = next(row for row in report.rows if row.key == "received")
    assert (received.value, received.previous, received.last_year) == (7, 1, 1)
    satisfaction = next(row for row in report.rows if row.key == "satisfaction_rate")
    assert satisfaction.value == Decimal("66.7") and satisfaction.meets_target is False
    major = next(row for row in report.rows if row.key == "major_on_time_rate")
    assert major.value == 0.0 and major.meets_target is False
    category_rows = next(b for b in report.breakdowns if b.key == "top_category").rows
    assert [(str(r["name"]), r["value"], r["previous"]) for r in category_rows] == [
        ("Service attitude", 4, 1),
        ("(not set)", 2, 0),
        ("Billing", 1, 0),
    ]


def test_the_portable_means_used_on_sqlite_agree_with_postgresql(march):
    from reporting import sql, workdays

    workdays.ensure(*workdays.default_range())
    resolved = Complaint.objects.filter(resolved_at__gte=MARCH.start, resolved_at__lt=MARCH.end)
    fast = sql.duration_stats(Complaint.objects.all(), MARCH, {"r": "resolved_at"})["r"]
    portable = sql.portable_duration_stats(resolved, "received_at", "resolved_at")
    assert portable == {"avg": fast["avg"], "median": None, "wavg": fast["wavg"], "wmedian": None}
    assert (fast["avg"] / 3600, fast["wavg"] / 3600) == (58.25, 14.0)  # exact, before rounding
