"""DOMAIN.md: auditors read everything and change nothing. Proven by trying, as an auditor,
every write the project offers: each staff page's POST, each REST write, each admin form."""

from __future__ import annotations

import json
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.db.models import Sum
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token

from complaints import services
from complaints.models import Complaint
from correspondence.models import Message

pytestmark = pytest.mark.django_db

# Public pages for complainants (anyone may submit a complaint or appeal there, auditors
# included, as members of the public); login/logout and the language switch change no data.
PUBLIC_PREFIXES = (
    "submit/",
    "track/",
    "^open311/",
    "accounts/",
    "i18n/",
    "^media/",
    "api/v1/auth/",  # logging in to the API
    "survey/",  # the complainant's satisfaction survey, by a signed link
    "sms/",  # the SMS gateways' delivery reports and replies, by a secret or a signature
)
# Cached report figures are not data anyone changed.
NOT_DATA = {"reporting.reportcache", "reporting.monthgeneration", "reporting.workingday"}

# Addresses that exist to change something.
WRITES = re.compile(
    r"/(transitions/\w+|notes|communications|attachments|escalate|pause|resume|extension"
    r"|remedy-approval|decide|new|duplicates|write|retry|posted)/$|^/api/"
)

PAYLOAD = {
    "reason": "Auditor trying",
    "body": "Auditor trying",
    "summary": "Auditor trying",
    "explanation": "Auditor trying",
    "comment": "Auditor trying",
    "medium": "call",
    "direction": "out",
    "outcome": "satisfied",
    "reason_code": "withdrawn",
    "priority": "normal",
    "channel": "phone",
    "description": "Auditor trying",
    "root_cause": "x",
    "resolution_summary": "x",
    "substantiated": "true",
    "remedy_amount": "0",
    "amount": "10",
    "decision": "approve",
}


def fingerprint() -> dict[str, int]:
    """Row counts of every table of the project's apps, and the complaints' version total."""
    counts = {
        model._meta.label_lower: model._default_manager.count()
        for app in (
            "complaints",
            "intake",
            "escalation",
            "reporting",
            "correspondence",
            "authtoken",
            "django_q",
        )
        for model in apps.get_app_config(app).get_models()
        if model._meta.label_lower not in NOT_DATA and not model._meta.proxy
    }
    counts["versions"] = Complaint.objects.aggregate(v=Sum("version"))["v"] or 0
    return counts


def urls(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from urls(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def concrete(route: str, values: dict[str, str]) -> list[str]:
    """Fill a route's parameters with real values; several for a transition name."""
    if route.startswith("^") or route.startswith(PUBLIC_PREFIXES) or route.startswith("admin/"):
        return []
    results = [route]
    if "<str:name>" in route:  # one address per lifecycle action
        results = [route.replace("<str:name>", name) for name in services.TRANSITIONS]
    for name, value in values.items():
        for converter in ("str", "int", "yyyy", "mm", "path"):
            results = [r.replace(f"<{converter}:{name}>", value) for r in results]
    if any("<" in r for r in results):
        raise AssertionError(f"no test value for a parameter of {route}")
    return ["/" + r for r in results]


@pytest.fixture
def subject(make_complaint, frontline, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    complaint = make_complaint("assigned")
    attachment = services.add_attachment(
        complaint,
        by=frontline,
        file=SimpleUploadedFile("a.txt", b"a"),
        original_name="a.txt",
        content_type="text/plain",
        size=1,
    )
    # A failed text message and a letter waiting to be posted: what retry and "posted" act on.
    failed = Message.objects.create(
        complaint=complaint,
        channel="sms",
        purpose="reply",
        event_key="reply:failed",
        event_version=complaint.version,
        recipient="+8613800138000",
        language="zh-hans",
        body="x",
        status=Message.Status.FAILED,
    )
    Message.objects.create(
        complaint=complaint,
        channel="letter",
        purpose="decision",
        event_key="decision:1",
        event_version=complaint.version,
        language="zh-hans",
        subject="处理意见书",
        body="x",
        status=Message.Status.TO_POST,
    )
    return complaint, attachment, failed


def test_auditor_posts_to_every_staff_page_and_api_change_nothing(
    client, subject, auditor, frontline, category, dept_a
):
    complaint, attachment, message = subject
    values = {
        "message_id": str(message.pk),
        "reference": complaint.reference,
        "pk": str(attachment.pk),  # also a message's: both routes refuse an auditor first
        "attachment_id": str(attachment.pk),
        "year": "2026",
        "month": "03",
        "quarter": "1",  # the quarterly report (issue #16)
        "period": "2026-03",  # the regulator export (issue #16)
        "platform": "12345",  # a transfer's status (issue #16)
        "fmt": "csv",
    }
    payload = {
        **PAYLOAD,
        "category": str(category.pk),
        "department": str(dept_a.pk),
        "assignee": str(frontline.pk),
        "expected_version": str(complaint.version),
    }
    token = Token.objects.create(user=auditor)
    client.force_login(auditor)
    before = fingerprint()
    refused = []
    for route in sorted(set(urls())):
        for url in concrete(route, values):
            if url.startswith("/api/"):
                for method in ("post", "put", "patch", "delete"):
                    response = getattr(client, method)(
                        url,
                        json.dumps(payload),
                        content_type="application/json",
                        HTTP_AUTHORIZATION=f"Token {token.key}",
                    )
                    refused.append((method, url, response.status_code))
            else:
                response = client.post(url, payload)
                refused.append(("post", url, response.status_code))
    # The proof: not one row anywhere was added, changed or removed.
    assert fingerprint() == before
    assert [r for r in refused if r[2] >= 500] == []
    # Every address that writes refused outright; the others are pages that only read (some
    # answer a POST with the same page) and the API, whose every write is refused.
    writes = [r for r in refused if r[0] != "post" or WRITES.search(r[1])]
    assert len(writes) > 60
    assert [r for r in writes if r[2] not in (403, 404, 405)] == []
    # The walk did reach the writes that matter.
    assert ("post", f"/complaints/{complaint.reference}/notes/", 403) in refused
    assert ("post", f"/api/v1/complaints/{complaint.reference}/resolve/", 403) in refused


def test_auditor_cannot_change_anything_in_the_admin(client, subject, auditor):
    complaint, _attachment, _message = subject
    client.force_login(auditor)
    before = fingerprint()
    statuses = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        obj = model._default_manager.first()
        targets = [f"/admin/{info[0]}/{info[1]}/add/"]
        if obj is not None:
            targets += [
                f"/admin/{info[0]}/{info[1]}/{obj.pk}/change/",
                f"/admin/{info[0]}/{info[1]}/{obj.pk}/delete/",
            ]
        for url in targets:
            response = client.post(url, {**PAYLOAD, "post": "yes"})
            statuses.append((url, response.status_code))
    # A bulk delete from the changelist: the action does not exist, the list is shown again.
    response = client.post(
        "/admin/complaints/complaint/",
        {"action": "delete_selected", "_selected_action": [complaint.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert "delete_selected" not in response.content.decode()
    assert fingerprint() == before
    assert [s for s in statuses if s[1] not in (403, 404)] == []
