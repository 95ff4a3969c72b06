"""The escalation admin and pages read in Chinese under zh-hans (issue #15: "the admin's
Chinese model names are mistranslated ... and SLA policy names are English in the Chinese UI"):
every model and field is named, choices included, and the shipped policies show their
translated names wherever a page names them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from complaints import services
from complaints.models import State
from escalation import services as sla
from escalation.models import ClockPause, ExtensionRequest, Notice, RemedyApproval
from tests.escalation.conftest import SHANGHAI, ensure_shipped_defaults

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese(text) -> bool:
    return bool(CJK.search(str(text)))


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@example.test", "x")


@pytest.fixture
def records(clock, make_complaint, frontline, manager, gm):
    """One of each escalation record, written by the services."""
    ensure_shipped_defaults()
    complaint = make_complaint(State.ASSIGNED)
    remedy = sla.request_remedy_approval(
        complaint, by=frontline, amount=Decimal("500"), justification="Charged twice"
    )
    sla.refuse_remedy_approval(remedy, by=manager, note="Too much")
    pause = sla.request_pause(
        complaint,
        by=frontline,
        reason_code="waiting_complainant",
        until=dt.datetime(2026, 3, 20, 9, 0, tzinfo=SHANGHAI),
    )
    extension = sla.request_extension(
        complaint,
        by=frontline,
        proposed_due_at=dt.datetime(2026, 4, 30, 18, 0, tzinfo=SHANGHAI),
        reason="Waiting for the bank",
    )
    sla.decide_extension(extension, by=manager, approve=False, note="No")
    services.escalate(complaint, by=frontline, reason="Needs a manager")
    return {
        "remedyapproval": remedy,
        "clockpause": pause,
        "extensionrequest": extension,
        "escalation": complaint.escalations.get(),
        "notice": Notice.objects.first(),
    }


def test_every_escalation_model_field_and_choice_has_a_chinese_name():
    english = []
    with translation.override("zh-hans"):
        for model in apps.get_app_config("escalation").get_models():
            if model.__name__.startswith("Historical"):
                continue  # simple-history's own rows, shown only on its history pages
            names = [model._meta.verbose_name, model._meta.verbose_name_plural]
            for field in model._meta.get_fields():
                if not hasattr(field, "verbose_name") or field.name == "id":
                    continue
                names.append(field.verbose_name)
                names.extend(label for _value, label in field.flatchoices or [])
            english += [f"{model.__name__}: {name}" for name in names if not chinese(name)]
    assert english == []


def test_a_refused_request_is_not_approved_rather_than_refused_mail():
    with translation.override("zh-hans"):
        for status in (ClockPause.Status, ExtensionRequest.Status, RemedyApproval.Status):
            assert str(status.REFUSED.label) == "未批准"


@pytest.mark.parametrize(
    ("model", "labels"),
    [
        ("remedyapproval", ["金额", "审批层级", "申请人", "申请时间", "审批人", "未批准"]),
        ("clockpause", ["原因", "状态", "计划暂停至", "申请人"]),
        ("extensionrequest", ["原处理时限", "新的处理时限", "申请人", "未批准"]),
        ("escalation", ["原层级", "升至层级", "起因", "升级人"]),
        ("notice", ["唯一键", "类型", "创建时间", "发送时间", "尝试次数"]),
    ],
)
def test_the_chinese_admin_changelist_and_change_page_show_chinese_labels(
    client, root, records, model, labels
):
    client.force_login(root)
    changelist = client.get(
        reverse(f"admin:escalation_{model}_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert changelist.status_code == 200
    page = changelist.content.decode()
    for label in labels:
        assert label in page, label
    change = client.get(
        reverse(f"admin:escalation_{model}_change", args=[records[model].pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert change.status_code == 200
    form = change.content.decode()
    # Every field label of the change page is Chinese (the admin's readonly labels).
    field_labels = re.findall(r"<label[^>]*>([^<]+)</label>", form)
    assert field_labels and [text for text in field_labels if not chinese(text)] == []


def test_the_sla_policy_admin_reads_in_chinese(client, root):
    ensure_shipped_defaults()
    client.force_login(root)
    page = client.get(
        reverse("admin:escalation_slapolicy_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "标准 — 一般" in page and "受理/分类时限" in page
    from escalation.models import SlaPolicy

    policy = SlaPolicy.objects.get(name="Standard — normal")
    change = client.get(
        reverse("admin:escalation_slapolicy_change", args=[policy.pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert "标准 — 一般" in change  # the page title names the shipped policy in Chinese
    assert "首次答复时限" in change and "起算事件" in change


def test_the_deadlines_page_names_the_shipped_policy_in_the_users_language(
    clock, client, make_complaint, manager
):
    ensure_shipped_defaults()
    complaint = make_complaint(State.ASSIGNED)
    client.force_login(manager)
    url = reverse("escalation:complaint", kwargs={"reference": complaint.reference})
    assert "标准 — 一般" in client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Standard — normal" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_requests_page_lists_remedy_approvals_in_chinese(
    clock, client, make_complaint, frontline, manager
):
    complaint = make_complaint(State.ASSIGNED)
    sla.request_remedy_approval(
        complaint, by=frontline, amount=Decimal("500"), justification="重复扣费"
    )
    client.force_login(manager)
    page = client.get("/escalation/requests/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "补偿审批" in page and "前往审批" in page and "不予批准的原因" in page
    assert complaint.reference in page and "重复扣费" in page
