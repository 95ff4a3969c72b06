# ruff: noqa: S608 - the SQL here is built from constants and integers of our own, no input
"""Seed a throwaway PostgreSQL database for the benchmarks (``python -m tests.bench.reports``,
``python -m tests.bench``).

Complaints are written with one ``INSERT ... SELECT ... FROM generate_series`` and their
lifecycle history with one INSERT ... SELECT per action, so a million complaints take a couple
of minutes. The distributions are meant to look like a real call centre's year:

- volume grows by half over the period; three quarters of complaints arrive 08:00-20:00;
- channels: phone 38 %, web 18 %, app 12 %, email 10 %, counter 8 %, social 6 %, letter 4 %,
  transfers and internal referrals 2 % each; priority: normal 85 %, urgent 12 %, major 3 %;
- departments and categories are skewed (a few get most complaints);
- 4 % are rejected, 2 % withdrawn; acceptance within minutes; a first reply within hours for
  60 %, else with the resolution; resolution times log-normal around 20 hours (most inside the
  72-hour deadline, 48 hours for urgent and major); follow-ups one to four days later:
  satisfied 68 %, basically 17 %, dissatisfied 8 %, unreachable 7 %; 40 % of dissatisfied ones
  were reopened once; 10 % escalated once, 2 % twice; 3 % repeat an earlier complaint;
- milestones that would lie in the future are left empty, so the last weeks are still open.

The report counts follow-up contacts from their history rows (one ``follow_up`` row per
complaint followed up, with its outcome), so those rows are written even without ``history``.

Bulk-written history rows are not sealed into the audit chain (they bypass the application,
exactly what the chain reports): the benchmark does not verify them.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from complaints import services
from complaints.models import Category, Complaint, Department, RootCause

DEPARTMENTS = [
    ("service", "客户服务部"),
    ("billing", "账务部"),
    ("technical", "技术部"),
    ("operations", "运营部"),
    ("network", "网络部"),
    ("stations", "收费站管理部"),
    ("sales", "销售部"),
    ("logistics", "物流部"),
    ("facilities", "设施部"),
    ("legal", "法务部"),
]
CATEGORIES = {
    ("quality", "产品质量"): ["defect", "not-as-described", "wear", "safety"],
    ("attitude", "服务态度"): ["rude-staff", "ignored", "wrong-advice"],
    ("delay", "延误"): ["late-delivery", "long-wait", "slow-refund"],
    ("billing", "账单"): ["double-charge", "wrong-amount", "refund-missing", "hidden-fee"],
    ("equipment", "设备故障"): ["etc-device", "kiosk", "gate", "app-crash"],
    ("advertising", "虚假宣传"): ["misleading-offer", "expired-promotion"],
    ("misconduct", "违规行为"): ["bribe", "rule-breach"],
    ("other", "其他"): ["other-matter"],
}
# No passwords: the benchmark logs in with force_login (and password hashing is slow).
AGENTS_PER_DEPARTMENT = 6


@dataclass
class Organisation:
    department_ids: list[int]
    category_ids: list[int]
    agent_ids: list[int]  # AGENTS_PER_DEPARTMENT per department, in department order
    manager_ids: list[int]
    gm_id: int
    auditor_id: int
    cause_ids: list[int] = field(default_factory=list)  # finer root causes


# Used when the database has no root-cause catalogue (the default one comes with a migration).
CAUSES = {
    "process": ["process-missing-step", "process-unclear-rule"],
    "system": ["system-double-charge", "system-outage"],
    "people": ["people-training", "people-attitude"],
}


def root_cause_ids() -> list[int]:
    finer = RootCause.objects.filter(parent__isnull=False, active=True).order_by("pk")
    if not finer.exists():
        for code, children in CAUSES.items():
            parent = RootCause.objects.create(code=code, name=code)
            for child in children:
                RootCause.objects.create(code=child, name=child, parent=parent)
    return list(finer.values_list("pk", flat=True))


def create_organisation() -> Organisation:
    User = get_user_model()
    with transaction.atomic():
        departments = [Department.objects.create(code=c, name=n) for c, n in DEPARTMENTS]
        category_ids = []
        for (code, name), children in CATEGORIES.items():
            parent = Category.objects.create(code=code, name=name)
            for child in children:
                category_ids.append(
                    Category.objects.create(code=child, name=child, parent=parent).pk
                )
        agents, managers = [], []
        for dept in departments:
            manager = User.objects.create_user(f"manager-{dept.code}")
            services.set_staff_profile(manager, tier="manager", department=dept)
            managers.append(manager.pk)
            for i in range(AGENTS_PER_DEPARTMENT):
                agent = User.objects.create_user(f"agent-{dept.code}-{i}")
                services.set_staff_profile(agent, tier="frontline", department=dept)
                agents.append(agent.pk)
        gm = User.objects.create_user("gm")
        services.set_staff_profile(gm, tier="gm", department=None)
        auditor = User.objects.create_user("auditor")
        services.set_staff_profile(auditor, tier="auditor", department=None)
        cause_ids = root_cause_ids()
    return Organisation(
        [d.pk for d in departments], category_ids, agents, managers, gm.pk, auditor.pk, cause_ids
    )


def existing_organisation() -> Organisation:
    """The organisation a previous ``seed`` created (to measure again without re-seeding)."""
    User = get_user_model()
    departments = list(Department.objects.order_by("pk"))
    users = dict(User.objects.values_list("username", "pk"))
    return Organisation(
        [d.pk for d in departments],
        list(
            Category.objects.filter(parent__isnull=False)
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        [users[f"agent-{d.code}-{i}"] for d in departments for i in range(AGENTS_PER_DEPARTMENT)],
        [users[f"manager-{d.code}"] for d in departments],
        users["gm"],
        users["auditor"],
        root_cause_ids(),
    )


def _ints(values) -> str:
    return "ARRAY[" + ",".join(str(int(v)) for v in values) + "]::bigint[]"


def complaint_sql(org: Organisation, count: int, months: int) -> tuple[str, list[str], list]:
    n_dept = len(org.department_ids)
    n_cat = len(org.category_ids)
    n_cause = len(org.cause_ids)
    tz = timezone.get_default_timezone_name()
    draws = f"""
      SELECT g, r_day, r_hour, r_chan, r_prio, r_dept, r_cat, r_fate, r_fr, r_fr2,
             r_res1, r_res2, r_fu, r_out, r_esc, r_rep, r_rem, r_sub, r_misc,
             -- Linear growth of the daily volume (density 0.8 → 1.2): inverse CDF of u.
             (-0.8 + sqrt(0.64 + 0.8 * ((g - 1 + r_day) / {count}::float8))) / 0.4 AS t
      FROM (
        SELECT g, random() AS r_day, random() AS r_hour, random() AS r_chan, random() AS r_prio,
               random() AS r_dept, random() AS r_cat, random() AS r_fate, random() AS r_fr,
               random() AS r_fr2, random() AS r_res1, random() AS r_res2, random() AS r_fu,
               random() AS r_out, random() AS r_esc, random() AS r_rep, random() AS r_rem,
               random() AS r_sub, random() AS r_misc
        FROM generate_series(1::bigint, {count}) AS g
      ) r
    """
    timed = f"""
      SELECT d.*,
             (date_trunc('day', ((%(start)s::timestamptz
                                  + (%(span)s::float8 * t) * interval '1 second')
                                 AT TIME ZONE '{tz}'))
              + (CASE WHEN r_hour < 0.75 THEN 8 + r_hour / 0.75 * 12
                      ELSE (r_hour - 0.75) / 0.25 * 24 END) * interval '1 hour')
               AT TIME ZONE '{tz}' AS recv,
             1 + floor({n_dept} * power(r_dept, 1.6))::int AS d_ix,
             CASE WHEN r_prio < 0.03 THEN 'major' WHEN r_prio < 0.15 THEN 'urgent'
                  ELSE 'normal' END AS prio
      FROM ({draws}) d
    """
    # Candidate milestones (before clipping to "now").
    staged = f"""
      SELECT x.*,
             recv + (-ln(1 - r_misc) * 40) * interval '1 minute' AS c_cls,
             recv + (1 + r_fate * 23) * interval '1 hour' AS c_rej,
             recv + (1 + r_fate * 71) * interval '1 hour' AS c_wd,
             -- log-normal resolution time, median 20 h (Box-Muller normal from two draws)
             recv + (20 * exp(0.9 * sqrt(-2 * ln(1 - r_res1)) * cos(2 * pi() * r_res2)))
                    * interval '1 hour' AS c_res,
             CASE WHEN prio = 'normal' THEN interval '72 hours' ELSE interval '48 hours' END
               AS budget
      FROM ({timed}) x
    """
    fate = f"""
      SELECT s.*,
             CASE WHEN r_fate < 0.04 THEN 'rejected' WHEN r_fate < 0.06 THEN 'withdrawn'
                  ELSE 'accepted' END AS fate,
             c_cls + (5 + r_misc * 55) * interval '1 minute' AS c_asg,
             CASE WHEN r_fr < 0.6 THEN LEAST(c_res, c_cls + (-ln(1 - r_fr2) * 6)
                                             * interval '1 hour')
                  ELSE c_res END AS c_fr,
             c_res + (12 + r_fu * 84) * interval '1 hour' AS c_fu
      FROM ({staged}) s
    """
    rows = f"""
      SELECT f.*,
             ({_ints(org.department_ids)})[d_ix] AS dept,
             ({_ints(org.agent_ids)})[(d_ix - 1) * {AGENTS_PER_DEPARTMENT} + 1
                                       + mod(g, {AGENTS_PER_DEPARTMENT})] AS agent,
             ({_ints(org.manager_ids)})[d_ix] AS mgr,
             fate = 'accepted' AND c_cls < %(now)s AS has_cls,
             fate = 'accepted' AND c_asg < %(now)s AS has_asg,
             fate = 'accepted' AND c_res < %(now)s AS has_res,
             fate = 'accepted' AND c_fr < %(now)s AS has_fr,
             fate = 'accepted' AND c_fu < %(now)s AND r_fu < 0.92 AS has_fu,
             fate = 'accepted' AND c_fu + (r_misc * 24) * interval '1 hour' < %(now)s
               AND r_fu < 0.92 AS has_clo,
             CASE WHEN r_out < 0.68 THEN 'satisfied' WHEN r_out < 0.85 THEN 'basically_satisfied'
                  WHEN r_out < 0.93 THEN 'dissatisfied' ELSE 'unreachable' END AS outcome,
             CASE WHEN r_esc < 0.02 THEN 2 WHEN r_esc < 0.12 THEN 1 ELSE 0 END AS escs
      FROM ({fate}) f
    """
    state = (
        "CASE WHEN fate = 'rejected' AND c_rej < %(now)s THEN 'rejected' "
        "WHEN fate = 'withdrawn' AND c_wd < %(now)s THEN 'withdrawn' "
        "WHEN has_clo THEN 'closed' WHEN has_fu THEN 'followed_up' WHEN has_res THEN 'resolved' "
        "WHEN has_asg THEN 'assigned' WHEN has_cls THEN 'classified' ELSE 'received' END"
    )
    esc_ok = "escs > 0 AND has_cls AND c_cls + interval '1 hour' < %(now)s"
    columns = {
        "reference": "'C-' || to_char(recv, 'YYYY') || '-' || lpad(g::text, 7, '0')",
        "tracking_code": "upper(substr(md5(g::text), 1, 10))",
        "state": state,
        "version": "1 + has_cls::int + has_asg::int + has_res::int + has_fu::int + has_clo::int",
        "channel": "CASE WHEN r_chan < 0.38 THEN 'phone' WHEN r_chan < 0.56 THEN 'web' "
        "WHEN r_chan < 0.68 THEN 'app' WHEN r_chan < 0.78 THEN 'email' "
        "WHEN r_chan < 0.86 THEN 'counter' WHEN r_chan < 0.92 THEN 'social' "
        "WHEN r_chan < 0.96 THEN 'letter' WHEN r_chan < 0.98 THEN 'transfer' "
        "ELSE 'internal' END",
        "received_at": "recv",
        "created_by_id": "agent",
        "complainant_name": "'投诉人' || mod(g, 200000)",
        "complainant_phone": "'13' || lpad(mod(g * 7919, 1000000000)::text, 9, '0')",
        "complainant_email": "CASE WHEN r_misc < 0.3 THEN 'c' || g || '@example.test' ELSE '' END",
        "complainant_id_number": "''",
        "complainant_phone_norm": "'13' || lpad(mod(g * 7919, 1000000000)::text, 9, '0')",
        "complainant_email_norm": "CASE WHEN r_misc < 0.3 THEN 'c' || g || '@example.test' "
        "ELSE '' END",
        "complainant_id_norm": "''",
        "complainant_language": "CASE WHEN r_misc < 0.9 THEN 'zh-hans' ELSE 'en' END",
        "complainant_address": "''",
        "preferred_channel": "''",
        "confidential": "r_sub < 0.03",
        "subject_department_id": "NULL",
        "subject_person_id": "NULL",
        "subject_description": "''",
        "description": "'通行费被重复扣费，要求退还（' || g || '）'",
        "request": "''",
        "category_id": f"CASE WHEN has_cls THEN ({_ints(org.category_ids)})"
        f"[1 + floor({n_cat} * power(r_cat, 1.8))::int] END",
        "priority": "prio",
        "department_id": "dept",
        "assignee_id": "CASE WHEN has_asg THEN (CASE WHEN escs > 0 OR prio = 'major' "
        "THEN mgr ELSE agent END) END",
        "tier": f"CASE WHEN {esc_ok} AND escs = 2 THEN 'gm' "
        f"WHEN {esc_ok} OR prio = 'major' THEN 'manager' ELSE 'frontline' END",
        "classified_at": "CASE WHEN has_cls THEN c_cls END",
        "assigned_at": "CASE WHEN has_asg THEN c_asg END",
        "first_response_at": "CASE WHEN has_fr THEN c_fr END",
        "resolved_at": "CASE WHEN has_res THEN c_res END",
        "followed_up_at": "CASE WHEN has_fu THEN c_fu END",
        "closed_at": "CASE WHEN has_clo THEN c_fu + (r_misc * 24) * interval '1 hour' END",
        "rejected_at": "CASE WHEN fate = 'rejected' AND c_rej < %(now)s THEN c_rej END",
        "withdrawn_at": "CASE WHEN fate = 'withdrawn' AND c_wd < %(now)s THEN c_wd END",
        "escalated_at": f"CASE WHEN {esc_ok} THEN c_cls + interval '1 hour' END",
        "escalation_count": f"CASE WHEN {esc_ok} THEN escs ELSE 0 END",
        "promised_reply_at": "NULL",
        "acceptance_due_at": "recv + interval '30 minutes'",
        "first_response_due_at": "recv + interval '24 hours'",
        "resolution_due_at": "recv + budget",
        "follow_up_due_at": "CASE WHEN has_res THEN c_res + interval '7 days' END",
        # A deadline missed long ago was escalated by the sweeps of that day, up to the general
        # manager, where a past deadline is not "next": only deadlines ahead are left.
        "next_due_at": "CASE WHEN NOT has_res AND fate = 'accepted' AND recv + budget > %(now)s "
        "THEN recv + budget END",
        "clock_paused_at": "NULL",
        "extension_count": "CASE WHEN r_rem > 0.98 THEN 1 ELSE 0 END",
        "reject_reason": "CASE WHEN fate = 'rejected' AND c_rej < %(now)s THEN 'outside_remit' "
        "ELSE '' END",
        "withdraw_reason": "CASE WHEN fate = 'withdrawn' AND c_wd < %(now)s THEN 'withdrawn' "
        "ELSE '' END",
        "decision_note": "''",
        "root_cause": "CASE WHEN has_res THEN '系统重复扣费' ELSE '' END",
        "resolution_summary": "CASE WHEN has_res THEN '已退费并致歉' ELSE '' END",
        "remedy": "''",
        "remedy_amount": "CASE WHEN has_res AND r_rem < 0.25 "
        "THEN round(exp(r_misc * 7)::numeric, 2) ELSE 0 END",
        "remedy_approved_amount": "NULL",
        "remedy_approved_by_id": "NULL",
        "corrective_action": "''",
        "substantiated": "CASE WHEN has_res THEN r_sub < 0.6 END",
        # A coded cause on every resolved complaint, skewed so that a few causes recur; the
        # responsible unit on substantiated ones, and a named person on a third of those.
        "cause_id": f"CASE WHEN has_res THEN ({_ints(org.cause_ids)})"
        f"[1 + floor({n_cause} * power(r_rem, 2))::int] END",
        "responsible_department_id": "CASE WHEN has_res AND r_sub < 0.6 THEN dept END",
        "responsible_person_id": "CASE WHEN has_res AND r_sub < 0.2 THEN agent END",
        "responsibility_finding": "CASE WHEN has_res AND r_sub < 0.2 "
        "THEN '未按流程核对扣费记录' ELSE '' END",
        "responsibility_found_at": "CASE WHEN has_res AND r_sub < 0.6 THEN c_res END",
        "external_platform": "CASE WHEN r_chan >= 0.96 AND r_chan < 0.98 THEN '12345' ELSE '' END",
        "external_reference": "CASE WHEN r_chan >= 0.96 AND r_chan < 0.98 THEN 'GD' || g "
        "ELSE '' END",
        "external_due_at": "NULL",
        "follow_up_outcome": "CASE WHEN has_fu THEN outcome ELSE '' END",
        "follow_up_comment": "''",
        "reopen_count": "CASE WHEN has_fu AND outcome = 'dissatisfied' AND r_misc < 0.4 "
        "THEN 1 ELSE 0 END",
        "repeat_of_id": "CASE WHEN r_rep < 0.03 AND g > 5000 "
        "THEN g - 1 - floor(r_misc * 5000)::int END",
        "merged_into_id": "NULL",
        "appeal_of_id": "NULL",
        "created_at": "recv",
        "updated_at": "recv",
    }
    missing = {f.column for f in Complaint._meta.concrete_fields} - {"id"} - set(columns)
    if missing:
        raise RuntimeError(
            f"tests/bench/reports_seed.py does not fill new columns: {sorted(missing)}"
        )
    names = list(columns)
    sql = f"SELECT g, {', '.join(columns[c] for c in names)} FROM ({rows}) AS rows ORDER BY g"
    return sql, names


# action, history state, condition, time column, tier expression
HISTORY = [
    ("register", "received", "TRUE", "received_at"),
    ("classify", "classified", "classified_at IS NOT NULL", "classified_at"),
    ("assign", "assigned", "assigned_at IS NOT NULL", "assigned_at"),
    ("resolve", "resolved", "resolved_at IS NOT NULL", "resolved_at"),
    ("follow_up", "followed_up", "followed_up_at IS NOT NULL", "followed_up_at"),
    ("reopen", "assigned", "reopen_count > 0", "followed_up_at + interval '1 hour'"),
    ("close", "closed", "closed_at IS NOT NULL", "closed_at"),
    ("reject", "rejected", "rejected_at IS NOT NULL", "rejected_at"),
    ("withdraw", "withdrawn", "withdrawn_at IS NOT NULL", "withdrawn_at"),
]


def seed(
    count: int, *, months: int = 24, history: bool = True, notes: bool = False, log=print
) -> Organisation:
    """The organisation, ``count`` complaints and (optionally) their lifecycle history and an
    internal note on every other complaint (the product benchmark, ``python -m tests.bench``)."""
    if connection.vendor != "postgresql":
        raise RuntimeError("The benchmark seeds PostgreSQL only.")
    started = time.perf_counter()
    org = create_organisation()
    now = timezone.now()
    start = now - dt.timedelta(days=round(months * 30.44))
    sql, names = complaint_sql(org, count, months)
    table = Complaint._meta.db_table
    hist = Complaint.history.model._meta.db_table
    params = {"now": now, "start": start, "span": (now - start).total_seconds()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            f"INSERT INTO {table} (id, {', '.join(names)}) {sql}",
            params,
        )
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {count})")
        log(f"  {count:,} complaints in {time.perf_counter() - started:.0f} s")
        copied = [
            f.column
            for f in Complaint.history.model._meta.concrete_fields
            if f.column
            not in {
                "history_id",
                "history_date",
                "history_change_reason",
                "history_type",
                "history_user_id",
                "history_transition",
                "state",
                "tier",
            }
        ]
        cols = ", ".join(copied)
        # Without the full history, still the rows the report counts: follow-up contacts (the
        # satisfaction rate) and reopenings.
        steps = (
            list(HISTORY) if history else [h for h in HISTORY if h[0] in ("follow_up", "reopen")]
        )
        for action, state, condition, at in steps:
            cursor.execute(
                f"INSERT INTO {hist} ({cols}, state, tier, history_date, history_change_reason,"
                " history_type, history_user_id, history_transition) "
                f"SELECT {cols}, %s, tier, {at}, '', %s, assignee_id, %s "
                f"FROM {table} WHERE {condition}",
                [state, "+" if action == "register" else "~", action],
            )
        # One row per escalation, carrying the tier it reached (what the report counts).
        for step, tier in ((1, "manager"), (2, "gm")):
            cursor.execute(
                f"INSERT INTO {hist} ({cols}, state, tier, history_date, history_change_reason,"
                " history_type, history_user_id, history_transition) "
                f"SELECT {cols}, state, %s, escalated_at + (%s - 1) * interval '2 hours',"
                " 'Beyond my authority', '~', assignee_id, 'escalate' "
                f"FROM {table} WHERE escalation_count >= %s",
                [tier, step, step],
            )
        log(f"  history rows in {time.perf_counter() - started:.0f} s")
        if notes:
            cursor.execute(
                f"INSERT INTO complaints_note (complaint_id, author_id, body, created_at) "
                f"SELECT id, created_by_id, '已联系投诉人，正在核实 / called back, checking', "
                f"received_at + interval '2 hours' FROM {table} "
                f"WHERE id % 2 = 0 AND created_by_id IS NOT NULL"
            )
        cursor.execute(
            "INSERT INTO complaints_referencesequence (year, last) "
            f"SELECT EXTRACT(YEAR FROM received_at)::int, {count} FROM {table} GROUP BY 1"
        )
    # Autovacuum would do this within minutes on a live system; index-only scans need it.
    # PostgreSQL refuses VACUUM inside a transaction: a caller holding one (a test) goes without.
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
            cursor.execute(f"VACUUM (ANALYZE) {hist}")
    log(f"  seeded and vacuumed in {time.perf_counter() - started:.0f} s")
    return org


def breach(count: int, now: dt.datetime | None = None) -> int:
    """Make ``count`` complaints miss their resolution deadline in the last ten hours, for the
    sweep to escalate: the open ones received over 12 hours ago first, then (a seed of 24
    months has only a few hundred open per 100,000) the latest finished ones, reopened and
    assigned. Each ends up assigned to its handler or being accepted, normal priority, with the
    frontline, first reply given, not escalated, clock running. Returns how many it changed."""
    now = now or timezone.now()
    table = Complaint._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH chosen AS (
                SELECT id, row_number() OVER (ORDER BY handling DESC, received_at DESC) AS n
                FROM (
                    SELECT id, received_at,
                           state IN ('received', 'classified', 'assigned') AS handling
                    FROM {table}
                    WHERE received_at < %(now)s - interval '12 hours'
                      AND (state IN ('received', 'classified', 'assigned')
                           OR (state IN ('resolved', 'followed_up', 'closed')
                               AND assignee_id IS NOT NULL))
                    ORDER BY handling DESC, received_at DESC
                    LIMIT %(count)s
                ) AS candidates
            )
            UPDATE {table} AS c
            SET state = CASE WHEN c.state IN ('received', 'classified', 'assigned')
                             THEN c.state ELSE 'assigned' END,
                tier = 'frontline', priority = 'normal', escalation_count = 0,
                escalated_at = NULL, acceptance_due_at = NULL,
                clock_paused_at = NULL, extension_count = 0, promised_reply_at = NULL,
                first_response_at = COALESCE(c.first_response_at,
                                             c.received_at + interval '2 hours'),
                resolution_due_at = %(now)s - (chosen.n %% 600 + 1) * interval '1 minute',
                next_due_at = %(now)s - (chosen.n %% 600 + 1) * interval '1 minute'
            FROM chosen WHERE c.id = chosen.id
            """,
            {"now": now, "count": count},
        )
        return cursor.rowcount
