"""The OpenAPI schema and the interactive docs: complete, valid, served without a CDN, and in
step with the forms the staff pages use."""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.test import APIClient

from complaints import forms, services
from complaints.api import serializers as s

pytestmark = pytest.mark.django_db

SLUGS = [
    "classify",
    "reject",
    "assign",
    "resolve",
    "follow-up",
    "reopen",
    "close",
    "withdraw",
    "escalate",
    "approve-remedy",
]

ACTION_MOVES = ["start", "complete", "verify", "cancel"]


@pytest.fixture
def schema(api, frontline) -> dict:
    response = api(frontline).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_openapi_3_and_documents_every_endpoint(schema):
    assert schema["openapi"].startswith("3.")
    operations = {
        (path, method)
        for path, item in schema["paths"].items()
        for method in item
        if path.startswith("/api/v1/") and not path.startswith("/api/v1/reports/")
    }
    expected = {
        ("/api/v1/auth/token/", "post"),
        ("/api/v1/complaints/", "get"),
        ("/api/v1/complaints/", "post"),
        ("/api/v1/complaints/{reference}/", "get"),
        ("/api/v1/complaints/{reference}/history/", "get"),
        ("/api/v1/complaints/{reference}/notes/", "get"),
        ("/api/v1/complaints/{reference}/notes/", "post"),
        ("/api/v1/complaints/{reference}/attachments/", "get"),
        ("/api/v1/complaints/{reference}/attachments/", "post"),
        ("/api/v1/complaints/{reference}/attachments/{attachment_id}/", "get"),
        ("/api/v1/departments/", "get"),
        ("/api/v1/categories/", "get"),
        ("/api/v1/complaints/{reference}/messages/", "get"),
        ("/api/v1/complaints/{reference}/messages/", "post"),
        ("/api/v1/complaints/{reference}/messages/preview/", "post"),
        ("/api/v1/complaints/{reference}/messages/{message_id}/retry/", "post"),
        ("/api/v1/complaints/{reference}/messages/{message_id}/posted/", "post"),
        *{(f"/api/v1/complaints/{{reference}}/{slug}/", "post") for slug in SLUGS},
        # Corrective actions (improvement app, issue 16).
        ("/api/v1/actions/", "get"),
        ("/api/v1/actions/", "post"),
        ("/api/v1/actions/{id}/", "get"),
        *{(f"/api/v1/actions/{{id}}/{move}/", "post") for move in ACTION_MOVES},
    }
    assert operations == expected


def _resolve(schema: dict, ref: dict) -> dict:
    name = ref["$ref"].rsplit("/", 1)[-1]
    return schema["components"]["schemas"][name]


@pytest.mark.parametrize("slug", SLUGS)
def test_each_transition_documents_its_own_body_and_every_refusal(schema, slug):
    operation = schema["paths"][f"/api/v1/complaints/{{reference}}/{slug}/"]["post"]
    body = _resolve(schema, operation["requestBody"]["content"]["application/json"]["schema"])
    name = slug.replace("-", "_")
    assert set(body["properties"]) == set(forms.TRANSITION_FORMS[name].base_fields)
    required = {
        field
        for field, form_field in forms.TRANSITION_FORMS[name].base_fields.items()
        if form_field.required
    }
    if name == "resolve":
        required.discard("remedy_amount")  # defaults to 0 in the API, as the form's initial
    assert set(body.get("required", [])) == required
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "409"}
    for status in ("400", "401", "403", "404", "409"):
        content = operation["responses"][status]["content"]["application/json"]["schema"]
        assert content == {"$ref": "#/components/schemas/Error"}
    assert {p["name"] for p in operation["parameters"]} == {"reference", "If-Match"}


def test_the_error_body_is_documented_once(schema):
    error = schema["components"]["schemas"]["Error"]
    detail = _resolve(schema, error["properties"]["error"])
    assert set(detail["properties"]) == {"code", "message", "fields"}


def test_the_list_documents_every_filter_and_the_cursor(schema):
    operation = schema["paths"]["/api/v1/complaints/"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "state",
        "priority",
        "channel",
        "category",
        "department",
        "assignee",
        "tier",
        "created_after",
        "created_before",
        "overdue",
        "search",
        "ordering",
        "cursor",
        "page_size",
    }
    page = _resolve(schema, operation["responses"]["200"]["content"]["application/json"]["schema"])
    assert set(page["properties"]) == {"next", "previous", "results"}


def test_registration_documents_the_idempotency_key_and_both_success_codes(schema):
    operation = schema["paths"]["/api/v1/complaints/"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in operation["parameters"]}
    assert {"200", "201", "400", "401", "403"} <= set(operation["responses"])


def test_spectacular_validates_the_schema_without_a_warning(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert yaml.safe_load(out.read_text())["info"]["title"] == "Redress API"


@pytest.mark.parametrize("name", sorted(forms.TRANSITION_FORMS))
def test_each_transition_serializer_mirrors_its_form(name):
    """Same fields, same choices, same querysets: the API accepts what the staff pages accept."""
    form_fields = forms.TRANSITION_FORMS[name].base_fields
    serializer_fields = s.TRANSITION_SERIALIZERS[name]().fields
    assert set(serializer_fields) == set(form_fields)
    for field_name, form_field in form_fields.items():
        field = serializer_fields[field_name]
        if hasattr(form_field, "queryset"):
            assert str(field.queryset.query) == str(form_field.queryset.query)
        elif hasattr(form_field, "choices") and field_name != "substantiated":
            assert list(field.choices) == [value for value, _label in form_field.choices]
    assert set(s.TRANSITION_SERIALIZERS) == set(services.TRANSITIONS)


def test_the_docs_page_serves_swagger_ui_from_local_static_files(frontline):
    client = APIClient()
    client.force_login(frontline)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert not asset.startswith(("http:", "https:", "//")), asset
        if asset.startswith("/static/"):
            assert finders.find(asset.removeprefix("/static/")), asset
    # The init script is a separate file, so the CSP can stay script-src 'self'.
    assert "<script>" not in html.replace(" ", "")
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()
