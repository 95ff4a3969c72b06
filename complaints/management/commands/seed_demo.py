"""Demo organisation, one login per tier and about 500 complaints over the last 12 months.

Every complaint is walked through the real services with the clock moved to the moment each
step happened, so its history, milestones and deadlines are what the product itself would have
written. Running the command again changes nothing: the organisation is created with
get_or_create, and complaints are only added to a database that has none.

Some complainants come back about the same matter (重复投诉, DOMAIN.md): their new complaint is
registered with ``repeat_of`` the earlier one, as the staff intake form does after its lookup,
so the repeat-complaint figures of the monthly report have something to count. Many
complainants leave an email address as well as a phone number; the replay still mails nobody
(``notifications_suppressed``), and every address is at the reserved ``example.com`` domain.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from importlib import import_module

import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from complaints import services
from complaints.models import Category, Complaint, Department, Tier
from complaints.signals import notifications_suppressed

PASSWORD = "redress-demo"  # noqa: S105 - documented demo password, printed on purpose

DEPARTMENTS = [
    ("service", "客户服务部"),
    ("billing", "账务部"),
    ("technical", "技术部"),
    ("operations", "运营部"),
]

CATEGORIES = {
    ("product-quality", "产品质量"): [("defect", "产品缺陷"), ("not-as-described", "与描述不符")],
    ("service-attitude", "服务态度"): [("rude-staff", "工作人员态度恶劣"), ("ignored", "无人理睬")],
    ("delivery-delay", "延误"): [("late-delivery", "交付延误"), ("long-wait", "排队等候过久")],
    ("billing", "收费问题"): [("double-charge", "重复扣费"), ("wrong-amount", "金额错误")],
    ("equipment", "设备故障"): [("etc-device", "ETC设备故障"), ("self-service", "自助设备故障")],
    ("advertising", "虚假宣传"): [("misleading-offer", "误导性优惠")],
    ("misconduct", "员工违规"): [("bribe", "索要好处"), ("rule-breach", "违反规定")],
    ("other", "其他"): [("other-matter", "其他事项")],
}

# username, first name, last name, tier, department code
STAFF = [
    ("frontline", "Wang", "Fang", Tier.FRONTLINE, "service"),
    ("manager", "Zhang", "Wei", Tier.MANAGER, "service"),
    ("gm", "Liu", "Yang", Tier.GM, None),
    ("auditor", "Chen", "Jing", Tier.AUDITOR, None),
    ("li.na", "Li", "Na", Tier.FRONTLINE, "service"),
    ("zhao.lei", "Zhao", "Lei", Tier.FRONTLINE, "billing"),
    ("sun.li", "Sun", "Li", Tier.MANAGER, "billing"),
    ("zhou.qiang", "Zhou", "Qiang", Tier.FRONTLINE, "technical"),
    ("wu.min", "Wu", "Min", Tier.MANAGER, "technical"),
    ("xu.tao", "Xu", "Tao", Tier.FRONTLINE, "operations"),
    ("ma.hui", "Ma", "Hui", Tier.MANAGER, "operations"),
]

DISTRICTS = ["杭州市西湖区", "杭州市上城区", "杭州市拱墅区", "杭州市滨江区", "宁波市鄞州区"]
STREETS = ["文三路", "延安路", "莫干山路", "江南大道", "天童南路"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明"]
ACCOUNTS = [
    "通行费被重复扣了两次，要求退还多扣的费用。",
    "客服人员态度恶劣，挂断了我的电话。",
    "ETC设备无法识别，导致我在收费站被拦停了二十分钟。",
    "订购的商品迟迟没有送到，已经超过承诺时间一周。",
    "宣传的优惠活动在结账时不予兑现。",
    "柜台排队等了一个多小时，没有人处理。",
    "The self-service kiosk took my card and did not return it.",
    "I was charged twice for the same monthly bill.",
    "账单金额与实际使用不符，多收了费用。",
    "工作人员索要额外费用才肯办理业务。",
]
REQUESTS = ["退还多收费用", "书面道歉", "尽快处理", "赔偿损失", "A refund", "An explanation"]
CHANNELS = ["phone"] * 40 + ["counter"] * 12 + ["letter"] * 5 + ["email"] * 15 + ["web"] * 15
CHANNELS += ["app"] * 6 + ["social"] * 4 + ["transfer"] * 3
# Channels on which the complainant necessarily wrote from an email address or gave one.
EMAIL_CHANNELS = {"email", "web", "app"}
# Share of complaints from someone who complained before about the same matter, and how long
# after the earlier complaint they come back at the soonest (sooner would be a duplicate).
REPEAT_SHARE = 0.06
REPEAT_AFTER = timedelta(days=10)

# Coded root causes (the default catalogue of migration 0010). Each department has a cause that
# keeps coming back (most of its resolutions), so the monthly report's recurring causes have
# something to find: about ten a month in customer service. The rest are spread over the others.
RECURRING_CAUSE = {
    "service": "people-attitude",
    "billing": "system-data",
    "technical": "system-equipment",
    "operations": "process-handoff",
}
RECURRING_SHARE = 0.7
OTHER_CAUSES = [
    "process-missing-step",
    "process-unclear-rule",
    "people-skill",
    "people-training",
    "people-explanation",
    "system-outage",
    "product-description",
    "product-pricing",
    "third-party-partner",
]
# Share of substantiated complaints whose finding names a person (责任认定).
PERSON_SHARE = 0.35
FINDINGS = [
    "经核查，该员工未按规定流程办理，对本次投诉负主要责任。",
    "经调取录音核实，该员工服务用语不规范，负直接责任。",
    "该员工未及时核对数据，导致差错，负有责任。",
]


class Command(BaseCommand):
    help = "Create the demo organisation, logins and about 500 complaints (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--complaints", type=int, default=500)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, complaints: int, seed: int, **options) -> None:
        departments, leaves, staff = self._organisation()
        if Complaint.objects.exists():
            self.stdout.write("Complaints already present: no demo complaints added.")
        else:
            # A year of replayed work must not mail anyone or queue a year of notices.
            with notifications_suppressed():
                self._complaints(complaints, random.Random(seed), departments, leaves, staff)
        self._seed_other_apps()
        self._print_logins()

    def _seed_other_apps(self) -> None:
        # Demo data the other apps own: each that has some declares ``seed()`` in
        # ``<app>/demo.py`` (as scheduled work is declared in ``<app>/tasks.py``, see
        # setup_schedules), so the core finds them by app, never importing another app by name.
        for app_config in apps.get_app_configs():
            if app_config.name == "complaints":
                continue
            try:
                module = import_module(f"{app_config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app_config.name}.demo":
                    raise
                continue
            said = module.seed()
            if said:
                self.stdout.write(said)

    # --- organisation ---------------------------------------------------------------------

    @transaction.atomic
    def _organisation(self):
        departments = {}
        for code, name in DEPARTMENTS:
            departments[code], _ = Department.objects.get_or_create(
                code=code, defaults={"name": name}
            )
        leaves = []
        for (parent_code, parent_name), children in CATEGORIES.items():
            parent, _ = Category.objects.get_or_create(
                code=parent_code, defaults={"name": parent_name}
            )
            for code, name in children:
                leaf, _ = Category.objects.get_or_create(
                    code=code, defaults={"name": name, "parent": parent}
                )
                leaves.append(leaf)
        User = get_user_model()
        staff: dict[str, object] = {}
        for username, first, last, tier, dept_code in STAFF:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "email": f"{username}@demo.test"},
            )
            if created:
                user.set_password(PASSWORD)
                user.save(update_fields=["password"])
                services.set_staff_profile(
                    user, tier=tier, department=departments.get(dept_code) if dept_code else None
                )
            staff[username] = user
        for code, manager in (
            ("service", "manager"),
            ("billing", "sun.li"),
            ("technical", "wu.min"),
            ("operations", "ma.hui"),
        ):
            dept = departments[code]
            if dept.manager_id is None:
                dept.manager = staff[manager]
                dept.complaint_handler = staff[manager]
                dept.save(update_fields=["manager", "complaint_handler"])
        return departments, leaves, staff

    # --- complaints -----------------------------------------------------------------------

    def _complaints(self, count, rng, departments, leaves, staff) -> None:
        now = timezone.now()
        frontline_of = {
            "service": [staff["frontline"], staff["li.na"]],
            "billing": [staff["zhao.lei"]],
            "technical": [staff["zhou.qiang"]],
            "operations": [staff["xu.tao"]],
        }
        manager_of = {
            "service": staff["manager"],
            "billing": staff["sun.li"],
            "technical": staff["wu.min"],
            "operations": staff["ma.hui"],
        }
        # Most of the year is history; the last week is the work still on people's desks.
        recent = count // 10
        received_times = sorted(
            [now - timedelta(days=365 * rng.random()) for _ in range(count - recent)]
            + [now - timedelta(hours=rng.uniform(1, 24 * 7)) for _ in range(recent)]
        )
        made = 0
        # (complaint as registered, its department code, its category), oldest first
        earlier: list[tuple[Complaint, str, Category]] = []
        for received in received_times:
            again = self._earlier_to_repeat(rng, earlier, received)
            if again is None:
                dept_code = rng.choices(list(frontline_of), weights=[5, 3, 2, 1])[0]
                complainant = self._complainant(rng, made)
                category = rng.choice(leaves)
            else:
                # The same person about the same matter: same contact details, category and
                # department as the complaint it repeats.
                repeat_of, dept_code, category = again
                complainant = {
                    "complainant_name": repeat_of.complainant_name,
                    "complainant_phone": repeat_of.complainant_phone,
                    "complainant_email": repeat_of.complainant_email,
                    "complainant_id_number": repeat_of.complainant_id_number,
                    "complainant_address": repeat_of.complainant_address,
                    "preferred_channel": repeat_of.preferred_channel,
                    "repeat_of": repeat_of,
                }
            complaint = self._one(
                rng,
                now=now,
                received=received,
                department=departments[dept_code],
                dept_code=dept_code,
                colleagues=[*frontline_of[dept_code], manager_of[dept_code]],
                agent=rng.choice(frontline_of[dept_code]),
                manager=manager_of[dept_code],
                gm=staff["gm"],
                category=category,
                complainant=complainant,
            )
            earlier.append((complaint, dept_code, category))
            made += 1
            if made % 100 == 0:
                self.stdout.write(f"  {made} complaints...")
        self.stdout.write(self.style.SUCCESS(f"Created {made} demo complaints."))

    @staticmethod
    def _complainant(rng, number: int) -> dict:
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
        return {
            "complainant_name": name,
            "complainant_phone": f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
            # Decided with the channel in _register_one(): written there only for email-like
            # channels or when the complainant gave one anyway.
            "complainant_email": f"complainant{number + 1}@example.com",
            "complainant_id_number": f"ETC{rng.randint(100000, 999999)}",
            # A third give a postal address; some of those want written answers by post.
            "complainant_address": (
                f"{rng.choice(DISTRICTS)}{rng.choice(STREETS)}{rng.randint(1, 399)}号"
                f"{rng.randint(1, 30)}栋{rng.randint(101, 2806)}室"
                if rng.random() < 0.33
                else ""
            ),
        }

    @staticmethod
    def _earlier_to_repeat(rng, earlier, received):
        """An earlier complaint this one repeats, or None (most complaints are first ones)."""
        if not earlier or rng.random() >= REPEAT_SHARE:
            return None
        candidates = [
            row
            for row in earlier
            if row[0].received_at <= received - REPEAT_AFTER and row[0].repeat_of_id is None
        ]
        return rng.choice(candidates) if candidates else None

    def _one(
        self,
        rng,
        *,
        now,
        received,
        department,
        dept_code,
        colleagues,
        agent,
        manager,
        gm,
        category,
        complainant,
    ) -> Complaint:
        """Register one complaint at ``received`` and take it as far through its lifecycle as
        its age allows (recent complaints are still being handled; old ones are finished)."""
        registered = self._register_one(
            rng, received=received, department=department, agent=agent, complainant=complainant
        )
        walk = _Walk(
            rng,
            now=now,
            received=received,
            department=department,
            category=category,
            agent=agent,
            manager=manager,
            gm=gm,
            handler=manager if registered.tier != Tier.FRONTLINE else agent,
            resolution=lambda handler: self._resolution(rng, dept_code, colleagues, handler),
        )
        walk.run(registered)
        return registered

    @staticmethod
    def _register_one(rng, *, received, department, agent, complainant: dict) -> Complaint:
        """The complaint as the agent registered it at ``received``: its priority, channel and
        the contact details a complainant on that channel leaves."""
        priority = rng.choices(["normal", "urgent", "major"], weights=[80, 15, 5])[0]
        channel = rng.choice(CHANNELS)
        complainant = dict(complainant)
        if "repeat_of" not in complainant and channel not in EMAIL_CHANNELS and rng.random() > 0.4:
            complainant["complainant_email"] = ""
        if (
            "repeat_of" not in complainant
            and complainant["complainant_address"]
            and rng.random() < 0.3
        ):
            complainant["preferred_channel"] = "letter"
        with time_machine.travel(received, tick=False):
            return services.register(
                by=agent,
                channel=channel,
                description=rng.choice(ACCOUNTS),
                request=rng.choice(REQUESTS),
                confidential=rng.random() < 0.1,
                department=department,
                priority=priority,
                **complainant,
            )

    @classmethod
    def _resolution(cls, rng, dept_code: str, colleagues: list, handler) -> dict:
        """What a handler records at resolution (``services.resolve``'s arguments)."""
        return {
            "root_cause": "核查后确认："
            + rng.choice(["系统故障", "操作失误", "沟通不畅", "投诉不实"]),
            "resolution_summary": "已向投诉人说明并处理",
            "remedy": "退还费用并致歉",
            "remedy_amount": Decimal(rng.choice([0, 0, 20, 50, 120, 180])),
            "corrective_action": "加强培训，完善流程",
            **cls._accountability(rng, dept_code, colleagues, handler),
        }

    @staticmethod
    def _accountability(rng, dept_code: str, colleagues: list, handler) -> dict:
        """The coded cause of a resolution and, when substantiated, who is held responsible:
        the department complained about (the service's default) and sometimes a colleague of
        the handler with a finding. An unsubstantiated complaint names no one and most of them
        still get a cause (optional for them)."""
        substantiated = rng.random() < 0.6
        if rng.random() < RECURRING_SHARE:
            cause = RECURRING_CAUSE[dept_code]
        else:
            cause = rng.choice(OTHER_CAUSES)
        if not substantiated:
            return {"substantiated": False, "cause": cause if rng.random() < 0.7 else None}
        found = {"substantiated": True, "cause": cause}
        others = [person for person in colleagues if person != handler]
        if others and rng.random() < PERSON_SHARE:
            found["responsible_person"] = rng.choice(others)
            found["responsibility_finding"] = rng.choice(FINDINGS)
        return found

    def _print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {PASSWORD}):")
        for username, _first, _last, tier, dept in STAFF:
            where = f", {dept}" if dept else ""
            self.stdout.write(f"  {username:<12} {tier.label}{where}")


class _Walk:
    """One registered demo complaint's way through the services, each step at a later moment
    (the clock moves on by a random number of hours before each), stopping where a complaint
    of its age would still be: ``roll`` decides how far a recent one has got."""

    def __init__(
        self, rng, *, now, received, department, category, agent, manager, gm, handler, resolution
    ) -> None:
        self.rng, self.now, self.clock = rng, now, received
        self.age_days = (now - received).days
        self.department, self.category = department, category
        self.agent, self.manager, self.gm, self.handler = agent, manager, gm, handler
        self.resolution = resolution  # handler → the resolve() arguments, drawn once
        self.resolved_with: dict = {}
        # Drawn once: how far a recent complaint has got (see ``still_open``).
        self.roll = rng.random()

    def at(self, hours_min: float, hours_max: float):
        self.clock += timedelta(hours=self.rng.uniform(hours_min, hours_max))
        return time_machine.travel(min(self.clock, self.now), tick=False)

    def still_open(self, days: int, share: float) -> bool:
        """Whether the complaint stops here: younger than ``days``, and among the ``share``."""
        return self.age_days < days and self.roll < share

    def run(self, complaint: Complaint) -> None:
        for step in (self.accept, self.assign, self.resolve, self.follow_up, self.close):
            complaint = step(complaint)
            if complaint is None:
                return

    def accept(self, complaint: Complaint) -> Complaint | None:
        if self.still_open(2, 0.5):
            return None
        if self.roll < 0.05:
            with self.at(0.2, 20):
                services.reject(
                    complaint,
                    by=self.manager,
                    reason_code=self.rng.choice(["no_clear_request", "duplicate", "outside_remit"]),
                    explanation="不属于本单位受理范围 / outside our remit",
                )
            return None
        with self.at(0.1, 3):
            return services.classify(
                complaint,
                by=self.handler,
                category=self.category,
                priority=complaint.priority,
                department=self.department,
                route=False,  # the demo assigns by hand below, so some stay in the queue
            )

    def assign(self, complaint: Complaint) -> Complaint | None:
        if self.still_open(4, 0.6):
            return None
        with self.at(0.5, 24):
            complaint = services.assign(complaint, by=self.manager, assignee=self.handler)
        if self.rng.random() < 0.1 and complaint.tier == Tier.FRONTLINE:
            with self.at(1, 10):
                complaint = services.escalate(complaint, by=self.agent, reason="超出处理权限")
            self.handler = self.manager
            with self.at(0.5, 5):
                complaint = services.assign(complaint, by=self.manager, assignee=self.manager)
        if self.rng.random() < 0.3:
            with self.at(0.5, 6):
                services.log_communication(
                    complaint,
                    by=self.handler,
                    medium="call",
                    direction="out",
                    summary="已致电投诉人说明处理进度",
                    public=True,
                )
        return complaint

    def resolve(self, complaint: Complaint) -> Complaint | None:
        if self.still_open(7, 0.7):
            return None
        if self.roll < 0.08:
            with self.at(1, 48):
                services.withdraw(
                    complaint, by=self.manager, reason_code="withdrawn", explanation="投诉人撤回"
                )
            return None
        self.resolved_with = self.resolution(self.handler)
        with self.at(2, 70):
            return services.resolve(complaint, by=self.handler, **self.resolved_with)

    def follow_up(self, complaint: Complaint) -> Complaint | None:
        if self.still_open(10, 0.8):
            return None
        outcome = self.rng.choices(
            ["satisfied", "basically_satisfied", "dissatisfied", "unreachable"],
            weights=[60, 22, 10, 8],
        )[0]
        with self.at(12, 72):
            complaint = services.follow_up(
                complaint, by=self.handler, outcome=outcome, comment="回访"
            )
        if outcome != "dissatisfied":
            return complaint
        if self.rng.random() >= 0.7:
            with self.at(1, 24):
                services.close(complaint, by=self.gm, reason="总经理终审：维持处理结果")
            return None
        with self.at(1, 24):
            complaint = services.reopen(complaint, by=self.manager, reason="投诉人不满意")
        with self.at(4, 72):
            complaint = services.resolve(complaint, by=self.handler, **self.resolved_with)
        with self.at(12, 48):
            return services.follow_up(
                complaint, by=self.handler, outcome="basically_satisfied", comment="二次回访"
            )

    def close(self, complaint: Complaint) -> None:
        if self.still_open(14, 0.9):
            return
        with self.at(1, 24):
            services.close(complaint, by=self.handler, reason="结案")
