"""Notification emails through an outbox.

An event (escalation, missed deadline, request for approval...) writes a ``Notice`` row in its
own transaction and, after commit, hands its id to the django-q2 task
``escalation.tasks.send_notices``. The row names recipients by role ("gm", "dept_manager",
"assignee", "user:<id>"), resolved when the mail is sent, so a sweep that escalates
a thousand complaints writes a thousand small rows and queues one task, and never looks up
people on its hot path. ``queue`` gives each transaction one pending sender (an
``on_commit`` callback that collects the ids); the sweeps take the ids out of each of their
transactions (``take_queued``) and send the whole run's with ``queue_as_one``. Sending
claims each row with a conditional UPDATE (0 rows: another worker has it), so a task that
runs twice sends each mail once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.db.models import F, Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from complaints.models import Complaint, Tier
from complaints.signals import notifications_enabled
from escalation.models import Notice

log = logging.getLogger(__name__)

GM = "gm"
DEPT_MANAGER = "dept_manager"
ASSIGNEE = "assignee"
# The department's named complaint handler (各单位应指定一名投诉处理人员), the default recipient
# of its escalation notices; the department manager when it names none (or the handler is
# inactive, or is the person complained about).
DEPT_HANDLER = "dept_handler"
# Complainants are told through correspondence's outbox (complainant_notice_requested), never
# from here: every message to a complainant goes through that one outbox.

# A claim older than this without a send is a crashed sender: the notice may be claimed again.
CLAIM_TIMEOUT = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5


def user_role(user) -> str:
    return f"user:{user.pk}"


def prepare(
    *,
    kind: str,
    complaint: Complaint | None,
    roles: Iterable[str],
    key: str,
    context: dict | None = None,
    actor=None,
    language: str | None = None,
) -> Notice:
    """An unsaved notice (``create`` writes one, ``create_many`` several at once)."""
    context = _jsonable(dict(context or {}))
    if actor is not None:
        context["actor_id"] = actor.pk
    return Notice(
        key=key,
        kind=kind,
        complaint=complaint,
        recipients=sorted(set(roles)),
        language=language or settings.LANGUAGE_CODE,
        context=context,
    )


def create(*, dedupe: bool = True, **fields) -> Notice | None:
    """Write a notice (``prepare``'s arguments) and queue it for sending after commit; None if
    its key was seen before.

    ``dedupe=False`` skips the lookup for keys that cannot repeat (an escalation's own id).
    """
    if not notifications_enabled():
        return None  # replayed work (seed_demo, imports) tells nobody
    notice = prepare(**fields)
    if dedupe:
        defaults = {
            name: getattr(notice, name)
            for name in ("kind", "complaint", "recipients", "language", "context")
        }
        notice, created = Notice.objects.get_or_create(key=notice.key, defaults=defaults)
        if not created:
            return None
    else:
        notice.save(force_insert=True)
    queue([notice.pk])
    return notice


def create_many(notices: list[Notice]) -> list[Notice]:
    """Write prepared notices whose keys cannot repeat with one INSERT, and queue them."""
    if not notices or not notifications_enabled():
        return []
    created = Notice.objects.bulk_create(notices)
    queue([notice.pk for notice in created])
    return created


class _SendAfterCommit:
    """The notices queued at one level of one transaction, handed to one send task once the
    transaction commits (registered with ``transaction.on_commit``, so a rolled-back savepoint
    takes it, and the notices it would have sent, with it)."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.done = False

    def __call__(self) -> None:
        self.done = True
        if self.ids:
            enqueue(self.ids)


def _pending_senders(connection, *, exact: bool) -> list[_SendAfterCommit]:
    """Senders still waiting for this transaction's commit, registered at the current atomic
    level (``exact``) or at it and any deeper one."""
    level = set(connection.savepoint_ids)
    return [
        func
        for savepoints, func, _robust in connection.run_on_commit
        if isinstance(func, _SendAfterCommit)
        and not func.done
        and (savepoints == level if exact else savepoints >= level)
    ]


def queue(ids: list[int]) -> None:
    """Send these notices after the current transaction commits (at once outside one). Every
    notice queued at the same level of a transaction goes out in one task: a sender already
    pending at this level (Django's ``connection.run_on_commit``) takes the ids."""
    if not ids:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        enqueue(ids)
        return
    sender = next(iter(_pending_senders(connection, exact=True)), None)
    if sender is None:
        sender = _SendAfterCommit()
        transaction.on_commit(sender)
    sender.ids.extend(ids)


def take_queued() -> list[int]:
    """The ids of the notices queued so far inside the current atomic block (at its level or
    deeper), taken out of their after-commit send: the caller sends them itself, with
    ``queue_as_one``. The sweeps call it at the end of each of their transactions, so a run
    that commits in many transactions still sends all its notices in one task."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return []
    taken: list[int] = []
    for sender in _pending_senders(connection, exact=False):
        taken.extend(sender.ids)
        sender.ids = []
    return taken


def queue_as_one(ids: list[int]) -> None:
    """Send ``ids`` (collected with ``take_queued``) in one task after the current transaction
    commits, or at once outside one."""
    if ids:
        transaction.on_commit(lambda: enqueue(ids))


def enqueue(ids: list[int]) -> None:
    from django_q.tasks import async_task

    # django-q2 reads its settings once at import; tests and the demo ask for in-process
    # execution per call through this setting instead.
    async_task(
        "escalation.tasks.send_notices",
        list(ids),
        sync=settings.ESCALATION_TASKS_SYNC,
        task_name=f"notify-{ids[0]}-{len(ids)}",
    )


# --- sending ---------------------------------------------------------------------------------


def send(ids: Iterable[int] | None = None) -> int:
    """Send the given notices (or every unsent one), each at most once; returns how many."""
    now = timezone.now()
    claimable = Notice.objects.filter(sent_at=None, attempts__lt=MAX_ATTEMPTS).filter(
        Q(claimed_at=None) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)
    )
    if ids is None:
        ids = list(claimable.order_by("created_at").values_list("pk", flat=True)[:1000])
    sent = 0
    connection = mail.get_connection()
    for pk in ids:
        if not claimable.filter(pk=pk).update(claimed_at=now, attempts=F("attempts") + 1):
            continue  # sent already, or another worker holds it
        notice = Notice.objects.select_related(
            "complaint", "complaint__department", "complaint__assignee"
        ).get(pk=pk)
        try:
            messages = render(notice)
            if messages:
                connection.send_messages(messages)
        except Exception as exc:  # any mail failure: release the claim, retry later
            log.warning("notice %s not sent: %s", notice.key, exc)
            Notice.objects.filter(pk=pk).update(claimed_at=None, last_error=str(exc)[:2000])
            continue
        Notice.objects.filter(pk=pk).update(sent_at=timezone.now(), last_error="")
        sent += 1
    return sent


def recipients(notice: Notice) -> list[tuple[str, str]]:
    """(email, language) pairs for the notice's roles, without the person who caused it."""
    complaint = notice.complaint
    users = []
    pairs: list[tuple[str, str]] = []
    for role in notice.recipients:
        if role == DEPT_HANDLER:
            handler = department_handler(complaint)
            if handler is not None:
                users.append(handler)
                continue
            role = DEPT_MANAGER
        users.extend(_users_of(role, complaint))
    actor_id = notice.context.get("actor_id")
    for user in users:
        if user.email and user.pk != actor_id:
            pairs.append((user.email, notice.language))
    seen: set[str] = set()
    unique = []
    for email, language in pairs:
        if email.lower() not in seen:
            seen.add(email.lower())
            unique.append((email, language))
    return unique


def department_handler(complaint: Complaint | None):
    """The complaint's department's complaint handler, if they may receive its notices."""
    if complaint is None or not complaint.department_id:
        return None
    handler = complaint.department.complaint_handler
    if handler is None or not handler.is_active or handler.pk == complaint.subject_person_id:
        return None
    return handler


def _users_of(role: str, complaint: Complaint | None) -> list:
    User = get_user_model()
    if role == GM or (
        role == DEPT_MANAGER and complaint is not None and not complaint.department_id
    ):
        # A complaint not routed to a department yet has no department manager: the GM's office.
        return list(User.objects.filter(is_active=True, staff_profile__tier=Tier.GM))
    if role == DEPT_MANAGER and complaint is not None:
        manager = complaint.department.manager
        if manager is not None and manager.is_active:
            return [manager]
        return list(
            User.objects.filter(
                is_active=True,
                staff_profile__tier=Tier.MANAGER,
                staff_profile__department_id=complaint.department_id,
            )
        )
    if role == ASSIGNEE and complaint is not None and complaint.assignee_id:
        return [complaint.assignee]
    if role.startswith("user:"):
        return list(User.objects.filter(pk=int(role[5:]), is_active=True))
    return []


def render(notice: Notice) -> list[mail.EmailMultiAlternatives]:
    messages = []
    base = f"emails/escalation-{notice.kind}"
    for email, language in recipients(notice):
        context = template_context(notice)
        with translation.override(language):
            subject = " ".join(render_to_string(f"{base}-subject.txt", context).split())
            body = render_to_string(f"{base}-body.txt", context)
            try:
                html = render_to_string(f"{base}-body.html", context)
            except TemplateDoesNotExist:
                html = None
        message = mail.EmailMultiAlternatives(subject, body, to=[email])
        if html:
            message.attach_alternative(html, "text/html")
        messages.append(message)
    return messages


def template_context(notice: Notice) -> dict:
    from escalation.models import Trigger

    context = {key: _parse(value) for key, value in notice.context.items()}
    # Codes become labels here, under the recipient's language (render() overrides it).
    for key in ("from_tier", "to_tier", "approver_tier"):
        if context.get(key):
            context[f"{key}_label"] = Tier(context[key]).label
    if context.get("trigger"):
        context["trigger_label"] = Trigger(context["trigger"]).label
    complaint = notice.complaint
    context["complaint"] = complaint
    base = settings.ESCALATION_SITE_URL.rstrip("/")
    context["requests_link"] = f"{base}/escalation/requests/"
    if complaint is not None:
        context["reference"] = complaint.reference
        context["link"] = f"{base}/escalation/complaints/{complaint.reference}/"
        public = getattr(settings, "REDRESS_PUBLIC_BASE_URL", base).rstrip("/")
        context["track_url"] = f"{public}/track/?reference={complaint.reference}"
    return context


def _jsonable(context: dict) -> dict:
    out = {}
    for key, value in context.items():
        if isinstance(value, dt.datetime):
            value = value.isoformat()
        elif not isinstance(value, (str, int, float, bool, type(None), list, dict)):
            value = str(value)
        out[key] = value
    return out


def _parse(value):
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value
