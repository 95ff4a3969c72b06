"""Open311 GeoReport v2 under /open311/v2/: every endpoint in JSON and XML, the spec's error
shape, idempotent creation, and bad requests answered 4xx with nothing saved."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET  # noqa: S405 - parsing our own responses in tests

import pytest
from django.core import mail as outbox
from django.utils import timezone

from complaints import services
from complaints.models import Complaint
from intake.models import Open311Request
from tests.intake.conftest import API_KEY

BASE = "/open311/v2"


def body(response, fmt):
    """The response as Python data (JSON) or an ElementTree root (XML)."""
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(response.content)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 - our own output


def errors(response, fmt) -> list[tuple[int, str]]:
    data = body(response, fmt)
    if fmt == "json":
        return [(e["code"], e["description"]) for e in data]
    assert data.tag == "errors"
    return [(int(e.findtext("code")), e.findtext("description")) for e in data.findall("error")]


def create(client, fmt="json", headers=None, **overrides):
    data = {
        "api_key": API_KEY,
        "service_code": "rude-staff",
        "lat": "31.2304",
        "long": "121.4737",
        "address_string": "上海市黄浦区人民大道200号",
        "email": "li.lei@example.cn",
        "first_name": "Lei",
        "last_name": "Li",
        "phone": "+86 138 0013 8000",
        "description": "The clerk at the counter shouted at me.",
        "attribute[request]": "An apology",
        "attribute[confidential]": "yes",
    }
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{BASE}/requests.{fmt}", data, headers=headers or {})


@pytest.fixture
def services_ready(category, other_category):
    return category


# --- discovery and services ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery_names_the_v2_endpoint_and_both_formats(client, db, fmt):
    data = body(client.get(f"{BASE}/discovery.{fmt}"), fmt)
    if fmt == "json":
        endpoint = data["endpoints"][0]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"] == "https://complaints.example.cn/open311/v2"
        assert endpoint["formats"] == ["text/xml", "application/json"]
    else:
        assert data.tag == "discovery"
        formats = [f.text for f in data.find("endpoints/endpoint/formats").findall("format")]
        assert formats == ["text/xml", "application/json"]


def test_service_list_in_json_has_the_spec_fields_for_each_leaf_category(client, services_ready):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    data = body(response, "json")
    assert [s["service_code"] for s in data] == ["double-charge", "rude-staff"]
    rude = data[1]
    assert rude == {
        "service_code": "rude-staff",
        "service_name": "Rude staff",
        "description": "Service attitude / Rude staff",
        "metadata": True,
        "type": "realtime",
        "keywords": "service-attitude, rude-staff",
        "group": "Service attitude",
    }


def test_service_list_in_xml_uses_services_and_service_elements(client, services_ready):
    root = body(client.get(f"{BASE}/services.xml"), "xml")
    assert root.tag == "services"
    service = root.findall("service")[1]
    assert [child.tag for child in service] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert service.findtext("service_code") == "rude-staff"
    assert service.findtext("metadata") == "true"


def test_inactive_and_top_level_categories_are_not_services(client, services_ready):
    services_ready.active = False
    services_ready.save()
    codes = [s["service_code"] for s in body(client.get(f"{BASE}/services.json"), "json")]
    assert codes == ["double-charge"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition_lists_the_attributes(client, services_ready, fmt):
    response = client.get(f"{BASE}/services/rude-staff.{fmt}", headers={"Accept-Language": "en"})
    data = body(response, fmt)
    if fmt == "json":
        assert data["service_code"] == "rude-staff"
        codes = [a["code"] for a in data["attributes"]]
        assert codes == ["request", "subject", "confidential"]
        confidential = data["attributes"][2]
        assert confidential["datatype"] == "singlevaluelist"
        assert confidential["required"] is False
        assert confidential["values"] == [
            {"key": "no", "name": "No"},
            {"key": "yes", "name": "Yes"},
        ]
    else:
        assert data.tag == "service_definition"
        attribute = data.findall("attributes/attribute")[2]
        assert attribute.findtext("variable") == "true"
        assert attribute.findtext("order") == "3"
        assert [v.findtext("key") for v in attribute.findall("values/value")] == ["no", "yes"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_code_is_a_404_in_the_error_shape(client, services_ready, fmt):
    response = client.get(f"{BASE}/services/potholes.{fmt}", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert errors(response, fmt) == [(404, "service_code potholes was not found.")]


# --- POST requests --------------------------------------------------------------------------------


def test_post_request_creates_a_web_complaint_and_answers_with_its_reference(
    client, services_ready, on_commit
):
    with on_commit():
        response = create(client, headers={"Accept-Language": "en"})
    assert response.status_code == 201
    [answer] = body(response, "json")
    complaint = Complaint.objects.get()
    assert answer["service_request_id"] == complaint.reference
    assert complaint.tracking_code in answer["service_notice"]
    assert answer["account_id"] is None
    assert "token" not in answer  # realtime: the id, never a token
    assert complaint.channel == "web"
    assert complaint.created_by is None
    assert complaint.state == "received"
    assert complaint.category == services_ready
    assert complaint.complainant_name == "Lei Li"
    assert complaint.complainant_phone_norm == "13800138000"
    assert complaint.complainant_language == "en"
    assert complaint.request == "An apology"
    assert complaint.confidential is True
    assert complaint.description.startswith("The clerk at the counter shouted at me.")
    assert "上海市黄浦区人民大道200号" in complaint.description  # staff see where
    row = Open311Request.objects.get(complaint=complaint)
    assert (row.lat, row.long, row.service_code) == (31.2304, 121.4737, "rude-staff")
    assert row.attributes == {"request": "An apology", "confidential": "yes"}
    # The complainant is acknowledged like on any other channel.
    assert outbox.outbox[0].to == ["li.lei@example.cn"]


def test_post_request_in_xml_answers_service_requests_request(client, services_ready):
    response = create(client, fmt="xml", account_id="acct-42")
    assert response.status_code == 201
    root = body(response, "xml")
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request.findtext("service_request_id") == Complaint.objects.get().reference
    assert request.findtext("account_id") == "acct-42"


def test_a_request_from_a_device_is_a_complaint_on_the_app_channel(client, services_ready):
    create(client, device_id="ios-5B1F", lat=None, long=None)
    assert Complaint.objects.get().channel == "app"


def test_retry_with_the_same_idempotency_key_creates_one_complaint(client, services_ready):
    first = create(client, headers={"Idempotency-Key": "req-0001"})
    second = create(client, headers={"Idempotency-Key": "req-0001"})
    other = create(client, headers={"Idempotency-Key": "req-0002"})
    assert first.status_code == second.status_code == other.status_code == 201
    assert body(first, "json") == body(second, "json")
    assert Complaint.objects.count() == 2
    assert Open311Request.objects.count() == 2


def test_the_same_idempotency_key_from_another_client_is_another_request(
    client, services_ready, settings
):
    settings.REDRESS_OPEN311_API_KEYS = [API_KEY, "second-client-key"]
    create(client, headers={"Idempotency-Key": "1"})
    create(client, headers={"Idempotency-Key": "1"}, api_key="second-client-key")
    assert Complaint.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "status", "message"),
    [
        ({"api_key": None}, 403, "Invalid api_key received -- can't proceed with create_request."),
        ({"api_key": "guess"}, 403, "Invalid api_key"),
        ({"service_code": None}, 400, "service_code was not provided."),
        ({"service_code": "potholes"}, 404, "service_code potholes was not found."),
        (
            {"lat": None, "long": None, "address_string": None},
            400,
            "A location is required: lat and long, address_string or address_id.",
        ),
        ({"long": None}, 400, "lat and long must be sent together."),
        ({"lat": "ninety"}, 400, "lat: Enter a number."),
        ({"lat": "91"}, 400, "lat: Ensure this value is less than or equal to 90."),
        ({"description": None}, 400, "description: This field is required."),
        ({"description": "x" * 4001}, 400, "description: Ensure this value has at most 4000"),
        ({"email": "not-an-email"}, 400, "email: Enter a valid email address."),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url: Enter a valid URL."),
        ({"attribute[colour]": "red"}, 400, "Unknown attribute attribute[colour]."),
        ({"attribute[confidential]": "maybe"}, 400, "attribute[confidential] must be one of"),
    ],
)
def test_invalid_create_requests_answer_4xx_in_the_error_shape_and_save_nothing(
    client, services_ready, overrides, status, message
):
    response = create(client, headers={"Accept-Language": "en"}, **overrides)
    assert response.status_code == status
    [(code, description)] = errors(response, "json")
    assert code == status
    assert description.startswith(message)
    assert not Complaint.objects.exists()
    assert not Open311Request.objects.exists()


def test_several_problems_are_reported_together_in_xml(client, services_ready):
    response = create(client, fmt="xml", lat="x", email="bad", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    descriptions = [d for _code, d in errors(response, "xml")]
    assert "lat: Enter a number." in descriptions
    assert "email: Enter a valid email address." in descriptions


def test_an_overlong_idempotency_key_is_refused(client, services_ready):
    response = create(client, headers={"Idempotency-Key": "k" * 201})
    assert response.status_code == 400
    assert not Complaint.objects.exists()


# --- jurisdiction_id ------------------------------------------------------------------------------


def test_jurisdiction_id_is_optional_and_a_different_one_is_not_found(
    client, services_ready, settings
):
    settings.REDRESS_OPEN311_JURISDICTION_ID = "complaints.example.cn"
    assert client.get(f"{BASE}/services.json").status_code == 200
    ok = client.get(f"{BASE}/services.json", {"jurisdiction_id": "complaints.example.cn"})
    assert ok.status_code == 200
    other = client.get(
        f"{BASE}/services.xml",
        {"jurisdiction_id": "sfgov.org"},
        headers={"Accept-Language": "en"},
    )
    assert other.status_code == 404
    assert errors(other, "xml") == [(404, "jurisdiction_id sfgov.org was not found.")]
    refused = create(client, jurisdiction_id="sfgov.org")
    assert refused.status_code == 404
    assert not Complaint.objects.exists()


# --- GET requests ---------------------------------------------------------------------------------


@pytest.fixture
def three_requests(client, services_ready, manager, dept_a, other_category):
    """Two requests in rude-staff (one rejected: closed), one in double-charge."""
    create(client, description="first")
    create(client, description="second", service_code="double-charge")
    create(client, description="third")
    first, second, third = Complaint.objects.order_by("id")
    services.reject(third, by=manager, reason_code="duplicate", explanation="Same as the first one")
    return first, second, third


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_requests_lists_open311_requests_newest_first_with_the_spec_fields(
    client, three_requests, fmt
):
    first, second, third = three_requests
    response = client.get(f"{BASE}/requests.{fmt}", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    data = body(response, fmt)
    if fmt == "xml":
        assert data.tag == "service_requests"
        data = [{child.tag: child.text for child in request} for request in data]
    assert [r["service_request_id"] for r in data] == [
        third.reference,
        second.reference,
        first.reference,
    ]
    closed = data[0]
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "Not accepted: Duplicate of an open complaint"
    assert list(closed) == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ]
    assert data[2]["status"] == "open"
    assert data[2]["address"] == "上海市黄浦区人民大道200号"
    assert data[2]["requested_datetime"].endswith("+08:00")
    # Complaints are personal: the account stays out of the public list by default.
    assert data[2]["description"] in (None, "")


def test_get_requests_never_lists_complaints_from_other_channels(
    client, three_requests, make_complaint
):
    make_complaint()  # a phone complaint
    data = body(client.get(f"{BASE}/requests.json"), "json")
    assert len(data) == 3


def test_get_requests_filters_by_status_service_code_and_ids(client, three_requests):
    first, second, third = three_requests

    def ids(**params):
        data = body(client.get(f"{BASE}/requests.json", params), "json")
        return [r["service_request_id"] for r in data]

    assert ids(status="open") == [second.reference, first.reference]
    assert ids(status="closed") == [third.reference]
    assert ids(status="open,closed") == [third.reference, second.reference, first.reference]
    assert ids(service_code="double-charge") == [second.reference]
    # service_request_id overrides every other argument
    assert ids(service_request_id=f"{first.reference},{third.reference}", status="open") == [
        third.reference,
        first.reference,
    ]


def test_get_requests_filters_by_a_date_window(client, three_requests):
    now = timezone.now()
    inside = {
        "start_date": (now - timezone.timedelta(days=1)).isoformat(),
        "end_date": (now + timezone.timedelta(days=1)).isoformat(),
    }
    assert len(body(client.get(f"{BASE}/requests.json", inside), "json")) == 3
    before = {"end_date": "2020-01-01T00:00:00Z"}
    assert body(client.get(f"{BASE}/requests.json", before), "json") == []


def test_descriptions_are_published_only_when_configured(client, three_requests, settings):
    settings.REDRESS_OPEN311_PUBLIC_DESCRIPTIONS = True
    data = body(client.get(f"{BASE}/requests.json"), "json")
    assert data[-1]["description"].startswith("first")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "pending"}, "status must be open, closed or both."),
        ({"start_date": "yesterday"}, "start_date must be a W3C datetime"),
        ({"end_date": "2026-01-01T00:00:00"}, "end_date must be a W3C datetime with a time zone"),
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            "start_date and end_date may not span more than 90 days.",
        ),
        (
            {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
            "end_date is before start_date.",
        ),
    ],
)
def test_invalid_list_queries_answer_400(client, services_ready, params, message):
    response = client.get(f"{BASE}/requests.json", params, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    [(code, description)] = errors(response, "json")
    assert code == 400
    assert description.startswith(message)


def test_a_plus_in_a_time_zone_offset_survives_an_unencoded_query_string(client, three_requests):
    response = client.get(f"{BASE}/requests.json?start_date=2026-01-01T00:00:00+08:00")
    assert response.status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_one_request_by_its_service_request_id(client, three_requests, fmt):
    first = three_requests[0]
    response = client.get(f"{BASE}/requests/{first.reference}.{fmt}")
    assert response.status_code == 200
    data = body(response, fmt)
    if fmt == "json":
        [request] = data
        assert request["service_request_id"] == first.reference
        assert request["service_code"] == "rude-staff"
        assert request["lat"] == 31.2304
    else:
        assert data.find("request/service_request_id").text == first.reference
        assert data.find("request/lat").text == "31.2304"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_or_non_open311_request_is_not_found(
    client, services_ready, make_complaint, fmt
):
    phone = make_complaint()
    for reference in ("C-1999-000001", phone.reference):
        response = client.get(f"{BASE}/requests/{reference}.{fmt}")
        assert response.status_code == 404
        [(code, _description)] = errors(response, fmt)
        assert code == 404


def test_the_list_costs_the_same_queries_for_one_or_many_requests(
    client, services_ready, django_assert_max_num_queries
):
    for n in range(12):
        create(client, description=f"request {n}")
    with django_assert_max_num_queries(3):
        data = body(client.get(f"{BASE}/requests.json"), "json")
    assert len(data) == 12


# --- methods and formats --------------------------------------------------------------------------


def test_methods_the_resource_does_not_take_are_405_in_the_error_shape(client, services_ready):
    response = client.post(f"{BASE}/services.json", {"api_key": API_KEY})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert errors(response, "json")[0][0] == 405
    assert client.delete(f"{BASE}/requests.xml").status_code == 405


def test_an_unknown_format_or_resource_is_404_in_the_error_shape(client, db):
    response = client.get(f"{BASE}/services.csv")
    assert response.status_code == 404
    assert errors(response, "json")[0][0] == 404
    assert client.get(f"{BASE}/tokens/123.xml").status_code == 404


def test_posts_need_no_csrf_token(services_ready):
    from django.test import Client

    response = create(Client(enforce_csrf_checks=True))
    assert response.status_code == 201


def test_long_names_fit_and_control_characters_never_break_the_xml(client, services_ready):
    response = create(
        client,
        fmt="xml",
        first_name="F" * 60,
        last_name="L" * 60,
        address_string="Gate 3\x0b\x1f, People's Square",
    )
    assert response.status_code == 201
    complaint = Complaint.objects.get()
    assert len(complaint.complainant_name) == 120
    listed = client.get(f"{BASE}/requests/{complaint.reference}.xml")
    assert body(listed, "xml").find("request/address").text == "Gate 3, People's Square"


# --- what the public GET may show ------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_public_list_and_detail_show_no_personal_data_and_nothing_of_other_channels(
    client, services_ready, make_complaint, fmt
):
    create(client, account_id="acct-77", device_id="device-42")
    # A phone complaint whose complainant gave an address: never published, whichever way asked.
    phone = make_complaint(
        complainant_name="Zhang Wei",
        complainant_phone="139 1111 2222",
        complainant_email="zhang.wei@example.cn",
        description="Lives at 上海市徐汇区漕溪北路88号; the courier was rude.",
    )
    listed = client.get(f"{BASE}/requests.{fmt}").content.decode()
    by_id = client.get(
        f"{BASE}/requests.{fmt}", {"service_request_id": phone.reference}
    ).content.decode()
    detail = client.get(f"{BASE}/requests/{phone.reference}.{fmt}")
    assert detail.status_code == 404
    for text in (listed, by_id):
        assert phone.reference not in text
        assert "漕溪北路" not in text and "Zhang" not in text
    # The Open311 request itself: its location, none of its sender's identity.
    assert "人民大道200号" in listed and "31.2304" in listed
    for personal in ("Lei", "li.lei@example.cn", "0013 8000", "acct-77", "device-42"):
        assert personal not in listed, personal


def test_a_request_that_arrived_without_coordinates_or_address_shows_none(client, services_ready):
    create(client, lat=None, long=None, address_string=None, address_id="BLDG-7")
    [request] = body(client.get(f"{BASE}/requests.json"), "json")
    assert (request["lat"], request["long"], request["address"]) == (None, None, None)
    assert request["address_id"] == "BLDG-7"
