"""Hostile values at every door (issue "Trustworthy figures", point 6): no input answers 500.

* A JSON body nested a thousand levels deep, with and without a login, at every API address
  that takes a POST (found by walking the URL configuration, so a new endpoint is covered
  without editing this file): a 4xx with a clear message, nothing saved.
* Year 1 and year 9999 in every date input of every staff HTML form (found by reading the pages
  each persona sees and the forms in them): a 4xx naming the bounds, nothing saved. The same
  in the API's date fields and filters, and in the audit log's CSV export link.
* Every date field of every form, filter and writable serializer is the bounded kind
  (``complaints.datebounds``), so one that slips past the walk still keeps the bounds.
"""

from __future__ import annotations

import base64
import datetime as dt
import inspect
import json
import re
from html.parser import HTMLParser
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms as django_forms
from django.apps import apps
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import serializers as drf_serializers
from rest_framework.authtoken.models import Token
from rest_framework.parsers import JSONParser
from rest_framework.test import APIClient
from rest_framework.views import APIView

import complaints.api.filters
import complaints.api.serializers
import complaints.filters
import complaints.forms
import escalation.forms
import intake.forms
import reporting.forms
from complaints import datebounds
from complaints.models import Communication, Complaint, State

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday; every page and complaint of this file lives at this moment.
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)

DEEP_JSON = "[" * 1000 + "]" * 1000
# The two ends of the calendar, as a browser's date and datetime-local inputs send them.
HOSTILE = {
    "date": ["0001-01-01", "9999-12-31"],
    "datetime-local": ["0001-01-01T00:00", "9999-12-31T23:59"],
}
BOUNDS_MESSAGE = "Enter a date between the years 2000 and 2099."
DEPTH_MESSAGE = "The JSON body is nested more than 32 levels deep."

APPS = ("complaints", "intake", "escalation", "reporting")


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def row_counts() -> dict[str, int]:
    """Rows of every table of the project's apps (their history tables included)."""
    return {
        model._meta.label: model.objects.count()
        for label in APPS
        for model in apps.get_app_config(label).get_models()
    }


@pytest.fixture
def handled(make_complaint, frontline):
    """A complaint being handled by the frontline persona: every form of the complaint and
    escalation pages (communication, pause, extension...) is on offer."""
    return make_complaint(State.ASSIGNED, handler=frontline)


# ---------------------------------------------------------------------------------------------
# Walking the URL configuration
# ---------------------------------------------------------------------------------------------


def url_patterns(patterns=None, prefix: str = ""):
    """``(route, pattern)`` for every URL pattern, includes flattened."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def fill(route: str, reference: str) -> str | None:
    """A path for ``route`` with its parameters filled in; None for a regex with groups."""
    if "(" in route:
        return None
    if route.endswith("^"):  # a catch-all
        route = route.replace("^", "") + "no-such-thing/"
    path = re.sub(r"<(?:str:)?reference>", reference, route)
    path = re.sub(r"<yyyy:\w+>", "2026", path)
    path = re.sub(r"<mm:\w+>", "02", path)
    path = re.sub(r"<(?:int|str):\w+>", "1", path)
    return "/" + path


def api_post_views(reference: str) -> list[tuple[str, type[APIView]]]:
    found = []
    for route, pattern in url_patterns():
        view_class = getattr(pattern.callback, "view_class", None)
        if not (inspect.isclass(view_class) and issubclass(view_class, APIView)):
            continue
        if not hasattr(view_class, "post"):
            continue
        path = fill(route, reference)
        assert path is not None, f"{route}: a POST-able API route this walk cannot fill in"
        found.append((path, view_class))
    return found


def takes_json(view_class: type[APIView]) -> bool:
    return any(issubclass(parser, JSONParser) for parser in view_class.parser_classes)


def api_client(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.7")
    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


# ---------------------------------------------------------------------------------------------
# Deeply nested JSON
# ---------------------------------------------------------------------------------------------


def test_the_walk_finds_every_api_address_that_takes_a_post(handled):
    paths = {path for path, _view in api_post_views(handled.reference)}
    ref = handled.reference
    assert {
        "/api/v1/auth/token/",
        "/api/v1/complaints/",
        f"/api/v1/complaints/{ref}/notes/",
        f"/api/v1/complaints/{ref}/attachments/",
        f"/api/v1/complaints/{ref}/classify/",
        f"/api/v1/complaints/{ref}/follow-up/",
        f"/api/v1/complaints/{ref}/escalate/",
    } <= paths


def test_json_nested_a_thousand_levels_is_a_400_at_the_token_endpoint_without_login(db):
    before = row_counts()
    response = api_client().post("/api/v1/auth/token/", DEEP_JSON, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert response.json()["error"]["message"] == DEPTH_MESSAGE
    assert row_counts() == before


@pytest.mark.parametrize("persona", [None, "frontline", "gm"])
def test_json_nested_a_thousand_levels_is_a_4xx_at_every_api_post(request, handled, persona):
    user = request.getfixturevalue(persona) if persona else None
    client = api_client(user)
    for path, view_class in api_post_views(handled.reference):
        before = row_counts()
        response = client.post(path, DEEP_JSON, content_type="application/json")
        body = response.json()
        assert 400 <= response.status_code < 500, (path, response.status_code, body)
        assert body["error"]["message"], path
        if path.endswith("/no-such-thing/"):
            assert response.status_code == 404, path  # the catch-all reads no body
        elif takes_json(view_class) and (user is not None or path.endswith("/auth/token/")):
            assert response.status_code == 400, (path, body)
            assert body["error"]["message"] == DEPTH_MESSAGE, (path, body)
        assert row_counts() == before, path


def test_json_deeper_than_the_bound_but_within_python_s_limit_is_refused_too(handled, gm):
    # 40 levels parse without trouble in Python, and are still no body this API takes.
    body = '{"body": ' + "[" * 39 + "]" * 39 + "}"
    before = row_counts()
    response = api_client(gm).post(
        f"/api/v1/complaints/{handled.reference}/notes/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == DEPTH_MESSAGE
    assert row_counts() == before


def test_a_tampered_page_cursor_holding_deep_json_is_a_400_on_the_staff_list(client, gm):
    cursor = base64.urlsafe_b64encode(DEEP_JSON.encode()).decode().rstrip("=")
    client.force_login(gm)
    for param in ("after", "before"):
        response = client.get("/complaints/", {param: cursor})
        assert response.status_code == 400, param


@pytest.mark.parametrize(
    ("when", "status"),
    [
        # Times at the calendar's edge, naive or impossible times: not written by the list.
        ("0001-01-01T00:00:00+14:00", 400),
        ("9999-12-31T23:59:59-12:00", 400),
        ("0001-01-01T00:00:00", 400),
        ("2026-02-31T00:00:00+08:00", 400),
    ],
)
def test_a_tampered_page_cursor_at_the_end_of_the_calendar_is_no_500(
    client, gm, handled, when, status
):
    # Also on SQLite, where a year-1 time with an offset overflows on its way to UTC.
    raw = json.dumps(["-received", 0, when, handled.pk]).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    client.force_login(gm)
    for param in ("after", "before"):
        response = client.get("/complaints/", {param: cursor})
        assert response.status_code == status, (param, response.status_code)


@pytest.mark.parametrize(
    ("position", "status"),
    [
        # A page after a time the API could have written.
        ("2026-03-01T00:00:00+08:00", 200),
        # Times at the calendar's edge, naive or impossible times: not written by the API.
        ("0001-01-01T00:00:00-14:00", 400),
        ("9999-12-31T23:59:59+14:00", 400),
        ("0001-01-01T00:00:00", 400),
        ("2026-02-31T00:00:00+08:00", 400),
        ("[" * 1000, 400),
    ],
)
def test_a_tampered_api_cursor_at_the_end_of_the_calendar_is_no_500(gm, handled, position, status):
    raw = urlencode({"o": "0", "p": position}).encode()  # offset 0, position as given
    cursor = base64.b64encode(raw).decode()
    response = api_client(gm).get("/api/v1/complaints/", {"cursor": cursor})
    assert response.status_code == status, response.status_code
    if status == 400:
        assert "cursor" in response.json()["error"]["fields"]


# ---------------------------------------------------------------------------------------------
# Year 1 and year 9999 in every staff form
# ---------------------------------------------------------------------------------------------


class FormReader(HTMLParser):
    """The ``<form>`` elements of a page: action, method, the value each control would send
    as the page stands, and the names of its date and datetime-local inputs."""

    def __init__(self, *, fill_blanks: bool = True) -> None:
        super().__init__()
        # True: an empty text box gets "x" and a select its first choice, so that required
        # fields are not what the form refuses. False: every control as the page shows it.
        self.fill_blanks = fill_blanks
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "method": a.get("method", "get").lower(),
                "data": {},
                "dates": {},
            }
            self.forms.append(self._form)
            return
        if self._form is None or not a.get("name"):
            return
        name, data = a["name"], self._form["data"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in HOSTILE:
                self._form["dates"][name] = kind
                data[name] = ""
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    data.setdefault(name, a.get("value", "on"))
            elif kind not in ("file", "submit", "button", "reset"):
                blank = ("1" if kind == "number" else "x") if self.fill_blanks else ""
                data[name] = a.get("value") or blank
        elif tag == "select":
            self._select = name
            data.setdefault(name, "")
        elif tag == "option" and self._select:
            first = self.fill_blanks and a.get("value") and not data[self._select]
            if "selected" in a or first:
                data[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            data[name] = ""

    def handle_data(self, text: str) -> None:
        if self._form is not None and self._textarea:
            self._form["data"][self._textarea] += text

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            name, self._textarea = self._textarea, None
            data = self._form["data"] if self._form is not None else {}
            if self.fill_blanks and name in data and not data[name].strip():
                data[name] = "x"


def staff_pages(reference: str) -> list[str]:
    """Every HTML page a GET may open, with the handled complaint's reference filled in."""
    pages = []
    for route, pattern in url_patterns():
        if route.startswith(("admin/", "api/", "i18n/", "accounts/", "media/")):
            continue
        if getattr(pattern.callback, "view_class", None) is not None:
            continue  # class-based views here are the login and logout pages
        path = fill(route, reference)
        if path is not None:
            pages.append(path)
    return pages


def date_forms(client, reference: str) -> dict[tuple[str, str], dict]:
    """``{(action, method): form}`` for every form with a date input on the pages ``client``
    may open; the action as a path (a form without one posts to its page)."""
    found = {}
    for page in staff_pages(reference):
        response = client.get(page, headers={"Accept-Language": "en"})
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        reader = FormReader()
        reader.feed(response.content.decode())
        for form in reader.forms:
            if form["dates"]:
                action = form["action"].split("?")[0] or page
                found.setdefault((action, form["method"]), form)
    return found


EXPECTED_DATE_INPUTS = {
    "/complaints/new/": {"received_at", "promised_reply_at"},
    "/complaints/{ref}/communications/": {"occurred_at"},
    "/escalation/complaints/{ref}/pause/": {"until"},
    "/escalation/complaints/{ref}/extension/": {"proposed_due_at"},
    "/complaints/": {"received_after", "received_before"},
    "/audit/": {"since", "until"},
}


@pytest.mark.parametrize("persona", ["frontline", "manager", "gm"])
def test_year_1_and_year_9999_in_every_date_input_of_every_staff_form_is_a_400(
    request, client, handled, persona
):
    client.force_login(request.getfixturevalue(persona))
    found = date_forms(client, handled.reference)
    assert found, "no staff form with a date input was found"
    if persona == "frontline":
        # The walk really reaches the forms it is meant to: the handler sees every one of them
        # but the audit log's.
        seen = {action: set(form["dates"]) for (action, _method), form in found.items()}
        for action, names in EXPECTED_DATE_INPUTS.items():
            if action == "/audit/":
                continue
            assert names <= seen.get(action.format(ref=handled.reference), set()), action
    for (action, method), form in found.items():
        for name, kind in form["dates"].items():
            for value in HOSTILE[kind]:
                data = {**form["data"], name: value}
                before = row_counts()
                send = client.post if method == "post" else client.get
                response = send(action, data, headers={"Accept-Language": "en"})
                where = (persona, action, name, value)
                assert response.status_code == 400, (*where, response.status_code)
                assert BOUNDS_MESSAGE in response.content.decode(), where
                assert row_counts() == before, where


@pytest.mark.parametrize(("day", "time"), [("0001-01-01", "00:00:00"), ("9999-12-31", "23:59:00")])
def test_the_admin_holds_a_promised_reply_time_to_the_same_bounds(client, gm, handled, day, time):
    client.force_login(gm)
    page = f"/admin/complaints/complaint/{handled.pk}/change/"
    reader = FormReader(fill_blanks=False)
    reader.feed(client.get(page).content.decode())
    (form,) = [f for f in reader.forms if "promised_reply_at_0" in f["data"]]
    data = {**form["data"], "promised_reply_at_0": day, "promised_reply_at_1": time}
    data["complainant_language"] = "zh-hans"  # required here, and blank on the fixture
    before = row_counts()
    response = client.post(page, data, headers={"Accept-Language": "en"})
    assert response.status_code == 200  # the admin shows a refused form again, with its errors
    assert BOUNDS_MESSAGE in response.content.decode()
    assert row_counts() == before
    assert Complaint.objects.get(pk=handled.pk).promised_reply_at is None


def test_the_audit_log_and_its_export_refuse_a_last_day_at_the_end_of_the_calendar(client, gm):
    client.force_login(gm)
    for path in ("/audit/", "/audit/export.csv"):
        for params in ({"until": "9999-12-31"}, {"since": "0001-01-01"}):
            response = client.get(path, params, headers={"Accept-Language": "en"})
            assert response.status_code == 400, (path, params)


def test_the_bounds_themselves_are_accepted_by_the_audit_log(client, gm):
    client.force_login(gm)
    response = client.get("/audit/", {"since": "2000-01-01", "until": "2099-12-31"})
    assert response.status_code == 200


def test_the_staff_form_and_the_api_refuse_a_promised_reply_in_9999_with_one_message(
    client, frontline, dept_a
):
    client.force_login(frontline)
    staff = client.post(
        "/complaints/new/",
        {
            "channel": "phone",
            "complainant_name": "李雷",
            "description": "The agent hung up on me twice.",
            "priority": "normal",
            "complainant_language": "zh-hans",
            "submission_token": "1" * 32,
            "promised_reply_at": "9999-12-31T23:59",
        },
        headers={"Accept-Language": "en"},
    )
    api = api_client(frontline).post(
        "/api/v1/complaints/",
        {
            "channel": "phone",
            "complainant_name": "李雷",
            "description": "The agent hung up on me twice.",
            "promised_reply_at": "9999-12-31T23:59:00+08:00",
        },
        format="json",
    )
    assert staff.status_code == 400
    assert BOUNDS_MESSAGE in staff.content.decode()
    assert api.status_code == 400
    assert api.json()["error"]["fields"]["promised_reply_at"] == [BOUNDS_MESSAGE]
    assert not Complaint.objects.exists()


def test_the_last_year_within_the_bounds_is_accepted_on_both(client, frontline, dept_a):
    api = api_client(frontline).post(
        "/api/v1/complaints/",
        {
            "channel": "phone",
            "complainant_name": "李雷",
            "description": "The agent hung up on me twice.",
            "promised_reply_at": "2099-12-31T23:59:00+08:00",
        },
        format="json",
    )
    assert api.status_code == 201, api.json()


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59",
        "9999-12-31T23:59:59-12:00",
        "1999-12-31T23:59:00+08:00",
        "2100-01-01T00:00:00+08:00",
    ],
)
@pytest.mark.parametrize("field", ["received_at", "promised_reply_at"])
def test_the_api_refuses_a_date_outside_the_bounds_in_every_date_field(
    frontline, dept_a, field, value
):
    before = row_counts()
    response = api_client(frontline).post(
        "/api/v1/complaints/",
        {
            "channel": "phone",
            "complainant_name": "李雷",
            "description": "The agent hung up on me twice.",
            field: value,
        },
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert list(response.json()["error"]["fields"]) == [field]
    assert row_counts() == before


@pytest.mark.parametrize("param", ["created_after", "created_before"])
@pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:59:59-12:00"])
def test_the_api_list_filters_refuse_a_date_outside_the_bounds(gm, param, value):
    response = api_client(gm).get("/api/v1/complaints/", {param: value})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [param]


def test_a_communication_in_year_1_is_refused_and_not_logged(client, handled, frontline):
    client.force_login(frontline)
    response = client.post(
        f"/complaints/{handled.reference}/communications/",
        {
            "medium": "call",
            "direction": "out",
            "summary": "Called back",
            "occurred_at": "0001-01-01T00:00",
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert BOUNDS_MESSAGE in response.content.decode()
    assert not Communication.objects.filter(complaint=handled).exists()


# ---------------------------------------------------------------------------------------------
# Every date field is the bounded kind
# ---------------------------------------------------------------------------------------------

FORM_MODULES = [complaints.forms, intake.forms, escalation.forms, reporting.forms]
FILTERSETS = [complaints.filters.ComplaintFilter, complaints.api.filters.ComplaintFilter]


def _date_fields(field: django_forms.Field, name: str):
    if isinstance(field, django_forms.SplitDateTimeField):
        yield name, field  # its validators check the combined date and time
    elif isinstance(field, django_forms.MultiValueField):
        for index, sub in enumerate(field.fields):
            yield from _date_fields(sub, f"{name}[{index}]")
    elif isinstance(field, django_forms.DateField | django_forms.DateTimeField):
        yield name, field


def every_date_form_field():
    for module in FORM_MODULES:
        for form in vars(module).values():
            if inspect.isclass(form) and issubclass(form, django_forms.BaseForm):
                for name, field in form.base_fields.items():
                    yield from _date_fields(field, f"{form.__module__}.{form.__name__}.{name}")
    for filterset in FILTERSETS:
        for name, filter_ in filterset.base_filters.items():
            label = f"{filterset.__module__}.{filterset.__name__}.{name}"
            yield from _date_fields(filter_.field, label)


def test_every_date_field_of_every_form_and_filter_keeps_to_the_bounds():
    fields = dict(every_date_form_field())
    # The walk is not empty: these are known to be there.
    assert "intake.forms.StaffRegistrationForm.promised_reply_at" in fields
    assert "reporting.forms.AuditFilterForm.until" in fields
    assert "complaints.filters.ComplaintFilter.received[1]" in fields
    unbounded = [
        name for name, field in fields.items() if datebounds.validate_year not in field.validators
    ]
    assert unbounded == []


def test_every_writable_date_field_of_every_api_serializer_keeps_to_the_bounds():
    checked = []
    for serializer in vars(complaints.api.serializers).values():
        if not (inspect.isclass(serializer) and issubclass(serializer, drf_serializers.Serializer)):
            continue
        if not serializer.__module__.startswith(complaints.api.serializers.__name__):
            continue
        for name, field in serializer().fields.items():
            if isinstance(field, drf_serializers.DateField | drf_serializers.DateTimeField):
                if field.read_only:
                    continue
                checked.append(f"{serializer.__name__}.{name}")
                assert datebounds.validate_year in field.validators, checked[-1]
    assert "ComplaintCreateSerializer.promised_reply_at" in checked


def every_admin_date_field(request):
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in (*APPS, "auth"):
            continue  # third-party admins (django-q2, axes) are for operators, not staff
        if not model_admin.has_change_permission(request) and not model_admin.has_add_permission(
            request
        ):
            continue
        label = f"{model._meta.label} admin"
        # The add form, and the change form (of an unsaved instance: only its fields matter).
        forms_ = [model_admin.get_form(request), model_admin.get_form(request, model())]
        forms_ += [
            inline.get_formset(request).form for inline in model_admin.get_inline_instances(request)
        ]
        for form in forms_:
            for name, field in form.base_fields.items():
                yield from _date_fields(field, f"{label}: {form.__name__}.{name}")


def test_every_date_field_of_every_admin_page_keeps_to_the_bounds(rf, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user
    fields = dict(every_admin_date_field(request))
    assert any("promised_reply_at" in name for name in fields)
    unbounded = [
        name for name, field in fields.items() if datebounds.validate_year not in field.validators
    ]
    assert unbounded == []


@pytest.mark.parametrize(
    ("after", "status"),
    [
        ("0001-01-01T00:00:00+14:00_5", 404),
        ("9999-12-31T23:59:59-12:00_5", 404),
        ("2026-03-01T00:00:00_5", 404),  # naive
        ("2026-03-01T00:00:00+08:00_5", 200),
    ],
)
def test_a_tampered_audit_log_cursor_is_refused_not_a_500(client, auditor, handled, after, status):
    client.force_login(auditor)
    assert client.get("/audit/", {"after": after}).status_code == status
