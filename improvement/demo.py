"""Demo corrective actions for ``manage.py seed_demo``, which calls ``seed()`` after the demo
complaints (every app with demo data has a ``demo.seed()``)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from complaints.models import Complaint, Department, RootCause
from complaints.signals import notifications_suppressed
from improvement import services
from improvement.models import CorrectiveAction

# Used only when the catalogue holds no sub-cause yet (code, name, parent code, parent name).
FALLBACK_CAUSES = [
    ("demo-missing-step", "流程缺少核对步骤", "demo-process", "流程"),
    ("demo-training", "员工培训不足", "demo-people", "人员"),
]


def _causes() -> list[RootCause]:
    leaves = list(RootCause.objects.filter(active=True, parent__isnull=False).order_by("pk")[:2])
    if len(leaves) >= 2:
        return leaves
    for code, name, parent_code, parent_name in FALLBACK_CAUSES:
        parent, _ = RootCause.objects.get_or_create(
            code=parent_code, defaults={"name": parent_name}
        )
        RootCause.objects.get_or_create(code=code, defaults={"name": name, "parent": parent})
    return list(RootCause.objects.filter(code__in=[c[0] for c in FALLBACK_CAUSES]).order_by("pk"))


def seed() -> str:
    """What ``seed_demo`` prints after adding this app's demo data."""
    return f"Demo corrective actions added: {seed_actions()}."


def seed_actions() -> int:
    """Five demo actions in the service department, one in each state, linked to some of its
    complaints; returns how many were added (none when actions already exist). Tells nobody."""
    if CorrectiveAction.objects.exists():
        return 0
    User = get_user_model()
    people = {
        u.username: u
        for u in User.objects.filter(username__in=["manager", "frontline", "li.na", "gm"])
    }
    department = Department.objects.filter(code="service").first()
    if department is None or len(people) < 4:
        return 0
    causes = _causes()
    complaints = list(Complaint.objects.filter(department=department).order_by("-received_at")[:10])
    today = timezone.localdate()
    manager, owner, other, gm = (people[n] for n in ("manager", "frontline", "li.na", "gm"))
    plans = [
        ("核对话术增加确认步骤", causes[0], owner, -3, "planned"),
        ("客服礼仪专项培训", causes[1], other, 14, "in_progress"),
        ("重复扣费自动核对脚本", causes[0], owner, 7, "done"),
        ("新员工上岗考核", causes[1], other, -20, "verified"),
        ("旧流程文档整理", causes[0], owner, 30, "cancelled"),
    ]
    with transaction.atomic(), notifications_suppressed():
        for index, (title, cause, person, days, state) in enumerate(plans):
            action = services.open_action(
                by=manager,
                title=title,
                cause=cause,
                owner=person,
                department=department,
                due_on=today + dt.timedelta(days=days),
                complaints=complaints[index * 2 : index * 2 + 2],
                reason="demo",
            )
            if state == "cancelled":
                services.cancel(action, by=manager, reason="与另一项措施合并")
                continue
            if state == "planned":
                continue
            action = services.start(action, by=person)
            if state == "in_progress":
                continue
            action = services.complete(action, by=person, evidence="已更新流程文件并完成班组宣贯。")
            if state == "verified":
                services.verify(action, by=gm, note="抽查二十通录音，均已执行新步骤。")
    return len(plans)
