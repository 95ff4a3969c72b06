"""The Chinese admin names the escalation models correctly, and the shipped SLA policies and
calendar appear in Chinese in the Chinese UI."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from escalation.models import CalendarDay, Escalation, ExtensionRequest, SlaPolicy, WorkCalendar
from tests.escalation.conftest import ensure_shipped_defaults


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("root", "root@example.test", "x")


@pytest.mark.parametrize(
    ("model", "plural"),
    [(Escalation, "升级记录"), (ExtensionRequest, "延期申请"), (CalendarDay, "日历日")],
)
def test_escalation_models_have_their_own_chinese_names(model, plural):
    with translation.override("zh-hans"):
        assert str(model._meta.verbose_name_plural) == plural


def test_the_complaint_counters_keep_their_count_names():
    """Same English words, different things: the counters on a complaint stay 次数."""
    from complaints.models import Complaint

    with translation.override("zh-hans"):
        assert str(Complaint._meta.get_field("escalation_count").verbose_name) == "升级次数"
        assert str(Complaint._meta.get_field("extension_count").verbose_name) == "延期次数"


def test_the_admin_index_in_chinese_lists_the_corrected_names(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "升级记录" in page and "延期申请" in page and "日历日" in page
    assert "升级次数" not in page and "延期次数" not in page


def test_shipped_policies_are_shown_in_chinese_in_the_chinese_admin(client, admin_user):
    ensure_shipped_defaults()
    client.force_login(admin_user)
    url = reverse("admin:escalation_slapolicy_changelist")
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "标准 — 一般" in chinese and "政府机关（信访）" in chinese
    assert "Standard — normal" in english


def test_a_policy_an_organisation_adds_keeps_its_own_name(db):
    calendar = WorkCalendar.objects.create(name="Head office")
    policy = SlaPolicy.objects.create(name="VIP customers", calendar=calendar)
    with translation.override("zh-hans"):
        assert str(policy) == "VIP customers" and str(calendar) == "Head office"
