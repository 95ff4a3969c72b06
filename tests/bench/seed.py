"""Seed a PostgreSQL database with N complaints spread over 24 months, fast.

Complaints, their history rows (≈5 each: register, classify, assign, resolve, follow-up,
close as far as each got) and notes are written with ``INSERT ... SELECT generate_series``, so
a million complaints take minutes rather than hours. The rows are what the services would have
written: milestones in order, deadlines set, history rows carrying the state of the moment and
the action that produced it. The organisation (departments, categories, staff) is created
through the ORM and services first.

Used by the benchmark (``python -m tests.bench``); safe to call on an empty database only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from complaints import services
from complaints.models import Category, Complaint, Department, ReferenceSequence

DEPARTMENTS = ["service", "billing", "technical", "operations", "network", "stations"]
CATEGORY_TREE = {
    "quality": ["defect", "not-as-described", "wear"],
    "attitude": ["rude-staff", "ignored"],
    "delay": ["late-delivery", "long-wait"],
    "billing": ["double-charge", "wrong-amount", "refund-missing"],
    "equipment": ["etc-device", "kiosk", "gate"],
    "advertising": ["misleading-offer"],
    "misconduct": ["bribe", "rule-breach"],
    "other": ["other-matter"],
}
AGENTS_PER_DEPARTMENT = 8
BENCH_PASSWORD = "bench-password"  # noqa: S105 - throwaway benchmark database only


@dataclass
class Organisation:
    department_ids: list[int]
    category_ids: list[int]
    agent_ids: dict[int, list[int]]  # department id → frontline user ids
    manager_ids: dict[int, int]
    gm_id: int
    auditor_id: int


def create_organisation() -> Organisation:
    User = get_user_model()
    departments = [
        Department.objects.create(code=code, name=f"Department {code}") for code in DEPARTMENTS
    ]
    category_ids = []
    for parent_code, children in CATEGORY_TREE.items():
        parent = Category.objects.create(code=parent_code, name=parent_code.title())
        for code in children:
            category_ids.append(
                Category.objects.create(code=code, name=code.replace("-", " "), parent=parent).pk
            )
    agents: dict[int, list[int]] = {}
    managers: dict[int, int] = {}
    for dept in departments:
        manager = User.objects.create_user(f"manager-{dept.code}", password=BENCH_PASSWORD)
        services.set_staff_profile(manager, tier="manager", department=dept)
        dept.manager = manager
        dept.save()
        managers[dept.pk] = manager.pk
        agents[dept.pk] = []
        for i in range(AGENTS_PER_DEPARTMENT):
            agent = User.objects.create_user(f"agent-{dept.code}-{i}", password=BENCH_PASSWORD)
            services.set_staff_profile(agent, tier="frontline", department=dept)
            agents[dept.pk].append(agent.pk)
    gm = User.objects.create_user("gm", password=BENCH_PASSWORD)
    services.set_staff_profile(gm, tier="gm", department=None)
    auditor = User.objects.create_user("auditor", password=BENCH_PASSWORD)
    services.set_staff_profile(auditor, tier="auditor", department=None)
    return Organisation(
        department_ids=[d.pk for d in departments],
        category_ids=category_ids,
        agent_ids=agents,
        manager_ids=managers,
        gm_id=gm.pk,
        auditor_id=auditor.pk,
    )


def _int_array(values) -> str:
    return "ARRAY[" + ",".join(str(int(v)) for v in values) + "]::bigint[]"


# Text samples, Chinese and English, so search indexes see realistic content.
ACCOUNTS = [
    "通行费被重复扣了两次，要求退还多扣的费用",
    "客服人员态度恶劣，挂断了我的电话",
    "ETC设备无法识别，在收费站被拦停二十分钟",
    "订购的商品迟迟没有送到，已经超过承诺时间一周",
    "The self-service kiosk took my card and did not return it",
    "I was charged twice for the same monthly bill",
    "账单金额与实际使用不符，多收了费用",
    "Staff at the counter asked for an extra fee to process my request",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明"


def _text_array(values) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def complaint_select(org: Organisation, count: int, months: int) -> tuple[str, list[str]]:
    """The INSERT column list and SELECT expressions for ``count`` complaints."""
    depts = _int_array(org.department_ids)
    cats = _int_array(org.category_ids)
    # agent for a row: agents are created 8 per department in department order
    all_agents = _int_array([a for d in org.department_ids for a in org.agent_ids[d]])
    managers = _int_array([org.manager_ids[d] for d in org.department_ids])
    n_depts = len(org.department_ids)
    days = months * 30.4
    base = f"""
    SELECT g,
           recv,
           age,
           d_ix,
           r_state, r1, r2, r3,
           ({depts})[d_ix] AS dept,
           ({all_agents})[(d_ix - 1) * {AGENTS_PER_DEPARTMENT} + 1 + (g % {AGENTS_PER_DEPARTMENT})]
             AS agent,
           ({managers})[d_ix] AS manager,
           CASE
             WHEN age > 20 THEN CASE WHEN r_state < 0.05 THEN 'rejected'
                                     WHEN r_state < 0.08 THEN 'withdrawn'
                                     WHEN r_state < 0.10 THEN 'followed_up'
                                     ELSE 'closed' END
             WHEN age > 7 THEN CASE WHEN r_state < 0.04 THEN 'rejected'
                                    WHEN r_state < 0.20 THEN 'assigned'
                                    WHEN r_state < 0.40 THEN 'resolved'
                                    WHEN r_state < 0.60 THEN 'followed_up'
                                    ELSE 'closed' END
             ELSE CASE WHEN r_state < 0.15 THEN 'received'
                       WHEN r_state < 0.35 THEN 'classified'
                       WHEN r_state < 0.75 THEN 'assigned'
                       ELSE 'resolved' END
           END AS st
    FROM (
      SELECT g, recv, EXTRACT(EPOCH FROM (now() - recv)) / 86400 AS age,
             (1 + (g::bigint * 7919 % {n_depts}))::int AS d_ix, r_state, r1, r2, r3
      FROM (
        SELECT g, now() - (random() * {days}) * interval '1 day' AS recv,
               random() AS r_state, random() AS r1, random() AS r2, random() AS r3
        FROM generate_series(1, {count}) AS g
      ) raw
    ) aged
    """
    # Milestones are only set for the states a complaint reached.
    reached = {
        "classified": "st NOT IN ('received','rejected')",
        "assigned": "st IN ('assigned','resolved','followed_up','closed')",
        "resolved": "st IN ('resolved','followed_up','closed')",
        "followed_up": "st IN ('followed_up','closed')",
        "closed": "st = 'closed'",
    }
    cls = "recv + (r1 * 3) * interval '1 hour'"
    asg = f"{cls} + (r2 * 20) * interval '1 hour'"
    res = f"{asg} + (r3 * 96 + 2) * interval '1 hour'"
    fol = f"{res} + (r1 * 48 + 12) * interval '1 hour'"
    clo = f"{fol} + (r2 * 24) * interval '1 hour'"

    def when(state: str, expr: str) -> str:
        return f"CASE WHEN {reached[state]} THEN {expr} END"

    open_due = (
        "CASE WHEN st IN ('received','classified','assigned') THEN recv + interval '72 hours' END"
    )
    columns = {
        "reference": "'C-' || to_char(recv, 'YYYY') || '-' || lpad(g::text, 7, '0')",
        "tracking_code": "upper(substr(md5(g::text), 1, 10))",
        "state": "st",
        "version": "1 + (CASE st WHEN 'received' THEN 0 WHEN 'classified' THEN 1 "
        "WHEN 'assigned' THEN 2 WHEN 'resolved' THEN 3 WHEN 'followed_up' THEN 4 "
        "WHEN 'closed' THEN 5 ELSE 1 END)",
        "channel": "(ARRAY['phone','phone','phone','counter','letter','email','web','web',"
        "'app','social','transfer'])[1 + floor(r1 * 11)::int]",
        "received_at": "recv",
        "created_by_id": "agent",
        "complainant_name": f"substr('{SURNAMES}', 1 + (g % {len(SURNAMES)}), 1) || "
        f"substr('{GIVEN}', 1 + (g * 31 % {len(GIVEN)}), 1) || "
        f"substr('{GIVEN}', 1 + (g * 17 % {len(GIVEN)}), 1)",
        "complainant_phone": "'13' || lpad((g::bigint * 7919 % 1000000000)::text, 9, '0')",
        "complainant_email": "CASE WHEN r2 < 0.3 THEN 'c' || g || '@example.test' ELSE '' END",
        "complainant_id_number": "'ETC' || lpad((g % 900000)::text, 6, '0')",
        "complainant_phone_norm": "'13' || lpad((g::bigint * 7919 % 1000000000)::text, 9, '0')",
        "complainant_email_norm": "CASE WHEN r2 < 0.3 THEN 'c' || g || '@example.test' ELSE '' END",
        "complainant_id_norm": "'ETC' || lpad((g % 900000)::text, 6, '0')",
        "complainant_language": "CASE WHEN r3 < 0.9 THEN 'zh-hans' ELSE 'en' END",
        "confidential": "r3 < 0.05",
        "subject_department_id": "NULL",
        "subject_person_id": "NULL",
        "subject_description": "''",
        "description": f"({_text_array(ACCOUNTS)})[1 + (g % {len(ACCOUNTS)})] || '（' || g || '）'",
        "request": "'退还多收费用'",
        "category_id": f"CASE WHEN st = 'received' THEN NULL ELSE ({cats})"
        f"[1 + (g * 13 % {len(org.category_ids)})] END",
        "priority": "CASE WHEN r1 < 0.03 THEN 'major' WHEN r1 < 0.18 THEN 'urgent' "
        "ELSE 'normal' END",
        "department_id": "dept",
        "assignee_id": "CASE WHEN st IN ('assigned','resolved','followed_up','closed') "
        "THEN agent END",
        "tier": "CASE WHEN r1 < 0.03 THEN 'manager' WHEN r2 < 0.05 THEN 'manager' "
        "ELSE 'frontline' END",
        "classified_at": when("classified", cls),
        "assigned_at": when("assigned", asg),
        "first_response_at": when("resolved", res),
        "resolved_at": when("resolved", res),
        "followed_up_at": when("followed_up", fol),
        "closed_at": when("closed", clo),
        "rejected_at": f"CASE WHEN st = 'rejected' THEN {cls} END",
        "withdrawn_at": f"CASE WHEN st = 'withdrawn' THEN {asg} END",
        "escalated_at": f"CASE WHEN r2 < 0.05 AND st <> 'received' THEN {cls} END",
        "escalation_count": "CASE WHEN r2 < 0.05 AND st <> 'received' THEN 1 ELSE 0 END",
        "promised_reply_at": "NULL",
        "acceptance_due_at": "recv + interval '30 minutes'",
        "first_response_due_at": "recv + interval '24 hours'",
        "resolution_due_at": "recv + interval '72 hours'",
        "follow_up_due_at": when("resolved", f"{res} + interval '72 hours'"),
        "next_due_at": open_due,
        "clock_paused_at": "NULL",
        "extension_count": "CASE WHEN r3 < 0.02 THEN 1 ELSE 0 END",
        "reject_reason": "CASE WHEN st = 'rejected' THEN 'outside_remit' ELSE '' END",
        "withdraw_reason": "CASE WHEN st = 'withdrawn' THEN 'withdrawn' ELSE '' END",
        "decision_note": "''",
        "root_cause": f"CASE WHEN {reached['resolved']} THEN '系统故障' ELSE '' END",
        "resolution_summary": f"CASE WHEN {reached['resolved']} THEN '已退费并致歉' ELSE '' END",
        "remedy": "''",
        "remedy_amount": f"CASE WHEN {reached['resolved']} THEN round((r3 * 200)::numeric, 2) "
        "ELSE 0 END",
        "remedy_approved_amount": "NULL",
        "remedy_approved_by_id": "NULL",
        "corrective_action": "''",
        "substantiated": f"CASE WHEN {reached['resolved']} THEN r2 < 0.6 END",
        "follow_up_outcome": f"CASE WHEN {reached['followed_up']} THEN "
        "(ARRAY['satisfied','satisfied','satisfied','basically_satisfied','dissatisfied',"
        "'unreachable'])[1 + floor(r3 * 6)::int] ELSE '' END",
        "follow_up_comment": "''",
        "reopen_count": "CASE WHEN r3 < 0.03 AND st = 'closed' THEN 1 ELSE 0 END",
        "repeat_of_id": "NULL",
        "merged_into_id": "NULL",
        "appeal_of_id": "NULL",
        "created_at": "recv",
        "updated_at": f"COALESCE({when('closed', clo)}, recv)",
    }
    expected = {f.column for f in Complaint._meta.concrete_fields} - {"id"}
    missing = expected - set(columns)
    if missing:
        raise RuntimeError(f"tests/bench/seed.py does not fill new columns: {sorted(missing)}")
    names = list(columns)
    sql = f"SELECT {', '.join(columns[c] for c in names)} FROM ({base}) AS rows"
    return sql, names


HISTORY_STEPS = [
    # action, state recorded, condition on the final state, time column
    ("register", "received", "TRUE", "received_at"),
    ("classify", "classified", "classified_at IS NOT NULL", "classified_at"),
    ("assign", "assigned", "assigned_at IS NOT NULL", "assigned_at"),
    ("resolve", "resolved", "resolved_at IS NOT NULL", "resolved_at"),
    ("follow_up", "followed_up", "followed_up_at IS NOT NULL", "followed_up_at"),
    ("close", "closed", "closed_at IS NOT NULL", "closed_at"),
    ("reject", "rejected", "rejected_at IS NOT NULL", "rejected_at"),
    ("withdraw", "withdrawn", "withdrawn_at IS NOT NULL", "withdrawn_at"),
]


def seed(count: int, *, months: int = 24, log=print) -> Organisation:
    """Create the organisation and ``count`` complaints with history and notes."""
    if connection.vendor != "postgresql":
        raise RuntimeError("The benchmark seeds PostgreSQL only (set DATABASE_URL).")
    started = time.perf_counter()
    with transaction.atomic():
        org = create_organisation()
    select_sql, names = complaint_select(org, count, months)
    table = Complaint._meta.db_table
    history = Complaint.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({', '.join(names)}) {select_sql}")
        log(f"  complaints: {count:,} in {time.perf_counter() - started:.1f}s")
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
                "version",
            }
        ]
        for step, (action, state, condition, at) in enumerate(HISTORY_STEPS):
            cursor.execute(
                f"""
                INSERT INTO {history} ({", ".join(copied)}, state, version, history_date,
                    history_change_reason, history_type, history_user_id, history_transition)
                SELECT {", ".join(copied)}, %s, {min(step, 5) + 1}, {at}, '',
                       %s, CASE WHEN %s = 'register' THEN created_by_id
                                WHEN %s IN ('classify','reject','withdraw') THEN created_by_id
                                ELSE assignee_id END,
                       %s
                FROM {table} WHERE {condition}
                """,
                [state, "+" if action == "register" else "~", action, action, action],
            )
        log(f"  history rows written in {time.perf_counter() - started:.1f}s")
        cursor.execute(
            f"""
            INSERT INTO complaints_note (complaint_id, author_id, body, created_at)
            SELECT id, created_by_id, '已联系投诉人，正在核实 / called back, checking',
                   received_at + interval '2 hours'
            FROM {table} WHERE id % 2 = 0
            """
        )
        cursor.execute(
            f"""
            INSERT INTO {ReferenceSequence._meta.db_table} (year, last)
            SELECT EXTRACT(YEAR FROM received_at)::int, {count}
            FROM {table} GROUP BY 1
            """
        )
        cursor.execute(f"ANALYZE {table}; ANALYZE {history}; ANALYZE complaints_note")
    log(f"  seeded in {time.perf_counter() - started:.1f}s")
    return org
