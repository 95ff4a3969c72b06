"""The audit log, its CSV and the history page speak in field labels and one date format."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from complaints import services

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def organisation_time_zone(settings):
    settings.TIME_ZONE = "Asia/Shanghai"


@pytest.fixture
def promised(make_complaint, manager):
    """A complaint whose reply was promised, changed at 23:30 Shanghai time (15:30 UTC)."""
    with time_machine.travel(dt.datetime(2026, 3, 9, 23, 30, tzinfo=SHANGHAI), tick=False):
        complaint = make_complaint("assigned")
        services.set_deadlines(
            complaint,
            by=manager,
            action="promise",
            promised_reply_at=dt.datetime(2026, 3, 12, 10, 0, tzinfo=SHANGHAI),
            reason="Promised on the phone",
        )
    return complaint


@pytest.mark.parametrize(
    ("language", "label", "header"),
    [("en", "Promised reply by", "When"), ("zh-hans", "承诺答复时间", "时间")],
)
def test_the_audit_log_names_changed_fields_by_their_labels_in_the_users_language(
    client, auditor, promised, language, label, header
):
    client.force_login(auditor)
    page = client.get(reverse("reporting:audit_log"), HTTP_ACCEPT_LANGUAGE=language)
    html = page.content.decode()
    assert label in html
    assert ">promised_reply_at<" not in html and "promised_reply_at," not in html
    assert "2026-03-09 23:30" in html  # local time, the product's one format

    export = client.get(reverse("reporting:audit_export"), HTTP_ACCEPT_LANGUAGE=language)
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    first_line = text.splitlines()[0]
    assert first_line.startswith(header) and "Asia/Shanghai" in first_line
    assert label in text and "promised_reply_at" not in text
    assert "2026-03-09 23:30," in text
    assert ".000" not in text and "+08:00" not in text  # no microseconds, no ISO noise


def test_the_history_page_shows_labels_and_the_same_date_format(client, manager, promised):
    client.force_login(manager)
    page = client.get(
        reverse("reporting:history", args=[promised.reference]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "承诺答复时间" in page and "promised_reply_at" not in page
    assert "2026-03-09 23:30" in page and "2026-03-09 23:30:00" not in page


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_one_date_format_in_both_languages_set_in_the_formats_module(language):
    moment = dt.datetime(2026, 12, 7, 0, 30, tzinfo=SHANGHAI)
    with translation.override(language):
        assert date_format(moment, "DATETIME_FORMAT") == "2026-12-07 00:30"
        assert date_format(moment.date(), "SHORT_DATE_FORMAT") == "2026-12-07"
