# ruff: noqa: S608 - the SQL here is built from constants and integers of our own, no input
"""Corrective actions for the product benchmark (``python -m tests.bench``): ``count`` actions
opened over the last two years, one department and one coded cause each, in every state, each
linked to the latest five complaints of its cause and department resolved before it was opened.
Only the less frequent half of the causes gets actions (the seed skews complaints towards the
first causes), so the frequent ones still recur without an action and the recurring-causes page
has something to show. Two statements, no loop over rows."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from improvement.models import ActionComplaint, CorrectiveAction
from tests.bench.reports_seed import AGENTS_PER_DEPARTMENT, Organisation, _ints

COLUMNS = {
    "title": "'整改措施 ' || g",
    "description": "''",
    "cause_id": "(causes)[1 + mod(g, n_causes)]",
    "owner_id": f"(agents)[(d - 1) * {AGENTS_PER_DEPARTMENT} + 1]",
    "department_id": "(depts)[d]",
    "due_on": "(opened + interval '30 days')::date",
    "state": "st",
    "version": "1",
    "opened_at": "opened",
    "opened_by_id": "(managers)[d]",
    "started_at": "CASE WHEN st <> 'planned' THEN opened + interval '2 days' END",
    "completed_at": "CASE WHEN st IN ('done', 'verified') THEN opened + interval '20 days' END",
    "evidence": "CASE WHEN st IN ('done', 'verified') THEN '已修订流程并培训' ELSE '' END",
    "evidence_file": "''",
    "verified_at": "CASE WHEN st = 'verified' THEN opened + interval '25 days' END",
    "verified_by_id": "CASE WHEN st = 'verified' THEN %(gm)s END",
    "verification_note": "''",
    "cancelled_at": "CASE WHEN st = 'cancelled' THEN opened + interval '3 days' END",
    "cancel_reason": "CASE WHEN st = 'cancelled' THEN '与另一措施合并' ELSE '' END",
    "escalated_at": "NULL",
    "escalation_level": "0",
}


def seed_actions(org: Organisation, count: int = 2000, now: dt.datetime | None = None) -> int:
    """Insert the actions and their links; returns how many links were made."""
    now = now or timezone.now()
    table = CorrectiveAction._meta.db_table
    missing = {f.column for f in CorrectiveAction._meta.concrete_fields} - {"id"} - set(COLUMNS)
    if missing:
        raise RuntimeError(f"tests/bench/actions.py does not fill new columns: {sorted(missing)}")
    names = list(COLUMNS)
    rare = org.cause_ids[len(org.cause_ids) // 2 :] or org.cause_ids
    draws = f"""
      SELECT g, opened, d,
             CASE WHEN r < 0.5 THEN 'verified' WHEN r < 0.6 THEN 'cancelled'
                  WHEN r < 0.75 THEN 'done' WHEN r < 0.9 THEN 'in_progress'
                  ELSE 'planned' END AS st,
             {_ints(rare)} AS causes, {len(rare)} AS n_causes,
             {_ints(org.agent_ids)} AS agents, {_ints(org.department_ids)} AS depts,
             {_ints(org.manager_ids)} AS managers
      FROM (SELECT g, %(now)s - (random() * 700) * interval '1 day' AS opened,
                   1 + mod(g, {len(org.department_ids)})::int AS d, random() AS r
            FROM generate_series(1, {int(count)}) AS g) AS x
    """
    links = ActionComplaint._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.16)")
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(names)}) "
            f"SELECT {', '.join(COLUMNS[n] for n in names)} FROM ({draws}) AS rows",
            {"now": now, "gm": org.gm_id},
        )
        cursor.execute(
            f"""
            INSERT INTO {links} (action_id, complaint_id, linked_at, linked_by_id)
            SELECT a.id, c.id, a.opened_at, a.opened_by_id
            FROM {table} AS a
            CROSS JOIN LATERAL (
                SELECT id FROM complaints_complaint AS c
                WHERE c.cause_id = a.cause_id AND c.department_id = a.department_id
                  AND c.resolved_at < a.opened_at
                ORDER BY c.resolved_at DESC LIMIT 5
            ) AS c
            """
        )
        return cursor.rowcount
