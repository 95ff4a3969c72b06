"""Registration records a phone number that can be used, the complainant's postal address and
how they want to be answered, on every way in (staff form, public form, admin edit, REST API,
Open311), and the complaint page shows them, masked where the complainant is kept confidential."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from complaints import services
from complaints.models import Complaint, State
from tests.api.conftest import error_of, url

pytestmark = pytest.mark.django_db

ADDRESS = "上海市黄浦区人民大道200号 3号楼1201室"
PHONE_MESSAGE = "Enter a mainland mobile number"


@pytest.fixture
def api():
    def client_for(user) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


@pytest.fixture(autouse=True)
def intake_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REDRESS_TASKS_SYNC = True
    settings.REDRESS_OPEN311_API_KEYS = ["open311-key"]
    settings.REDRESS_OPEN311_JURISDICTION_ID = ""
    caches[settings.REDRESS_RATE_LIMIT_CACHE].clear()


# --- staff registration ------------------------------------------------------------------------


def staff_form(**overrides):
    data = {
        "channel": "letter",
        "complainant_name": "李雷",
        "complainant_phone": "138 0013 8000",
        "complainant_language": "zh-hans",
        "description": "The agent hung up on me twice.",
        "priority": "normal",
        "submission_token": "2" * 32,
    }
    data.update(overrides)
    return data


def register(client, user, **overrides):
    client.force_login(user)
    return client.post(
        "/complaints/new/", staff_form(**overrides), headers={"Accept-Language": "en"}
    )


def test_staff_register_the_postal_address_and_the_preferred_channel(client, frontline):
    response = register(client, frontline, complainant_address=ADDRESS, preferred_channel="letter")
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.complainant_address, complaint.preferred_channel) == (ADDRESS, "letter")
    row = complaint.history.get()
    assert (row.complainant_address, row.preferred_channel) == (ADDRESS, "letter")


def test_the_staff_form_offers_no_preference_by_default(client, frontline):
    client.force_login(frontline)
    html = client.get("/complaints/new/", headers={"Accept-Language": "en"}).content.decode()
    assert 'name="complainant_address"' in html
    assert '<option value="" selected>No preference</option>' in html
    register(client, frontline)
    assert Complaint.objects.get().preferred_channel == ""


@pytest.mark.parametrize("phone", ["12345", "1380013800", "12345678", "+999 1234 5678"])
def test_staff_registration_refuses_a_phone_number_that_cannot_be_dialled(client, frontline, phone):
    response = register(client, frontline, complainant_phone=phone)
    assert response.status_code == 400
    assert PHONE_MESSAGE in response.context["form"].errors["complainant_phone"][0]
    assert not Complaint.objects.exists()


def test_a_phone_typed_in_full_width_digits_is_stored_in_plain_digits(client, frontline):
    register(client, frontline, complainant_phone="１３８ ００１３ ８０００")
    complaint = Complaint.objects.get()
    assert complaint.complainant_phone == "138 0013 8000"
    assert complaint.complainant_phone_norm == "13800138000"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"preferred_channel": "sms", "complainant_phone": "010-12345678"}, "mobile number"),
        ({"preferred_channel": "sms", "complainant_phone": ""}, "mobile number"),
        ({"preferred_channel": "email"}, "email address"),
        ({"preferred_channel": "letter"}, "postal address"),
    ],
)
def test_a_preferred_channel_that_cannot_be_used_is_refused(client, frontline, overrides, message):
    response = register(client, frontline, complainant_name="李雷", **overrides)
    assert response.status_code == 400
    assert message in response.context["form"].errors["preferred_channel"][0]
    assert not Complaint.objects.exists()


def test_a_usable_preference_is_kept(client, frontline):
    register(client, frontline, preferred_channel="sms", complainant_phone="+44 7911 123456")
    assert Complaint.objects.get().preferred_channel == "sms"


def test_a_postal_address_alone_identifies_the_complainant(client, frontline):
    response = register(
        client, frontline, complainant_name="", complainant_phone="", complainant_address=ADDRESS
    )
    assert response.status_code == 302


# --- the public form ---------------------------------------------------------------------------

PUBLIC = {
    "complainant_name": "王芳",
    "complainant_phone": "139 1234 5678",
    "description": "营业员拒绝为我办理退费。",
    "consent": "on",
    "submission_token": "0123456789abcdef0123456789abcdef",
}


def submit(client, **overrides):
    return client.post("/submit/", {**PUBLIC, **overrides}, headers={"Accept-Language": "en"})


def test_the_public_form_takes_an_address_and_how_to_answer(client, category):
    html = client.get("/submit/", headers={"Accept-Language": "en"}).content.decode()
    assert "How should we answer you?" in html and 'name="complainant_address"' in html
    response = submit(client, complainant_address=ADDRESS, preferred_channel="letter")
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.complainant_address, complaint.preferred_channel) == (ADDRESS, "letter")


def test_the_public_form_refuses_a_bad_phone_number(client, category):
    response = submit(client, complainant_phone="12345")
    assert response.status_code == 400
    assert PHONE_MESSAGE in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_public_form_refuses_text_messages_to_a_landline(client, category):
    response = submit(client, complainant_phone="021-12345678", preferred_channel="sms")
    assert response.status_code == 400
    assert "Text messages need a mobile number" in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_public_form_in_chinese(client, category):
    html = client.get("/submit/", headers={"Accept-Language": "zh-hans"}).content.decode()
    assert 'name="preferred_channel"' in html


# --- the admin's edit form ---------------------------------------------------------------------


def admin_edit(client, user, complaint, **changes):
    client.force_login(user)
    change_url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    form = client.get(change_url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            **changes,
            "expected_version": complaint.version,
            "_save": "Save",
            **{f"{p}-TOTAL_FORMS": 0 for p in ("notes", "communications", "attachments")},
            **{f"{p}-INITIAL_FORMS": 0 for p in ("notes", "communications", "attachments")},
        }
    )
    data = {k: ("" if v is False else v) for k, v in data.items() if k != "confidential"}
    return client.post(change_url, data, headers={"Accept-Language": "en"})


def test_editing_the_address_and_preference_goes_through_the_service(
    client, frontline, make_complaint
):
    complaint = make_complaint(State.RECEIVED)
    response = admin_edit(
        client, frontline, complaint, complainant_address=ADDRESS, preferred_channel="letter"
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert (fresh.complainant_address, fresh.preferred_channel) == (ADDRESS, "letter")
    assert fresh.history.latest().history_transition == "edit"


def test_the_edit_form_refuses_a_bad_phone_and_an_unusable_preference(
    client, frontline, make_complaint
):
    complaint = make_complaint(State.RECEIVED)
    response = admin_edit(client, frontline, complaint, complainant_phone="12345")
    assert response.status_code == 200
    assert PHONE_MESSAGE in response.content.decode()
    response = admin_edit(client, frontline, complaint, preferred_channel="email")
    assert response.status_code == 200
    assert "need an email address" in response.content.decode()
    assert Complaint.objects.get(pk=complaint.pk).version == complaint.version


# --- the REST API ------------------------------------------------------------------------------

BODY = {
    "channel": "phone",
    "description": "The agent hung up on me twice.",
    "complainant_name": "王芳",
    "complainant_phone": "+86 138-0013-8000",
}


def test_the_api_registers_and_shows_the_address_and_preference(api, frontline):
    body = {**BODY, "complainant_address": ADDRESS, "preferred_channel": "sms"}
    response = api(frontline).post(url(), body, format="json")
    assert response.status_code == 201, response.content
    detail = api(frontline).get(url(response.json()["reference"])).json()
    assert detail["complainant_address"] == ADDRESS
    assert detail["preferred_channel"] == "sms"


def test_the_api_refuses_a_bad_phone_number(api, frontline):
    response = api(frontline).post(url(), {**BODY, "complainant_phone": "12345"}, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert PHONE_MESSAGE in error["fields"]["complainant_phone"][0]
    assert not Complaint.objects.exists()


def test_the_api_refuses_an_unusable_preferred_channel(api, frontline):
    body = {**BODY, "preferred_channel": "letter"}
    response = api(frontline).post(url(), body, format="json")
    assert response.status_code == 400
    assert "postal address" in error_of(response)["fields"]["preferred_channel"][0]
    response = api(frontline).post(url(), {**BODY, "preferred_channel": "pigeon"}, format="json")
    assert response.status_code == 400


# --- Open311 -----------------------------------------------------------------------------------


def test_open311_refuses_a_bad_phone_number_with_the_message(client, category):
    data = {
        "api_key": "open311-key",
        "service_code": category.code,
        "address_string": "人民大道200号",
        "phone": "12345",
        "description": "The clerk shouted at me.",
    }
    response = client.post("/open311/v2/requests.json", data, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    [error] = response.json()
    assert error["description"].startswith("phone: " + PHONE_MESSAGE)
    assert not Complaint.objects.exists()


def test_open311_accepts_an_international_number(client, category):
    data = {
        "api_key": "open311-key",
        "service_code": category.code,
        "address_string": "1 High Street",
        "phone": "+44 7911 123456",
        "description": "The clerk shouted at me.",
    }
    response = client.post("/open311/v2/requests.json", data)
    assert response.status_code == 201
    assert Complaint.objects.get().complainant_phone == "+44 7911 123456"


# --- shown on the complaint page, masked where the complainant is confidential -----------------


def test_the_complaint_page_shows_the_address_and_preference(client, frontline, make_complaint):
    complaint = make_complaint(complainant_address=ADDRESS, preferred_channel="letter")
    client.force_login(frontline)
    response = client.get(
        reverse("complaints:detail", args=[complaint.reference]), headers={"Accept-Language": "en"}
    )
    html = response.content.decode()
    assert ADDRESS in html
    assert "Letter by post" in html


def test_the_unit_complained_about_sees_the_address_masked(
    client, api, manager, gm, make_complaint, dept_a
):
    # The complaint is about department A, whose manager sees it but not who complained.
    complaint = make_complaint(
        confidential=True, subject_department=dept_a, complainant_address=ADDRESS
    )
    masked = "上" + "*" * (len(ADDRESS) - 2) + "室"
    client.force_login(manager)
    html = client.get(reverse("complaints:detail", args=[complaint.reference])).content.decode()
    assert ADDRESS not in html
    assert masked in html
    client.force_login(gm)
    html = client.get(reverse("complaints:detail", args=[complaint.reference])).content.decode()
    assert ADDRESS in html
    assert api(gm).get(url(complaint.reference)).json()["complainant_address"] == ADDRESS


def test_the_api_masks_the_address_for_the_unit_complained_about(
    api,
    manager,
    make_complaint,
    dept_a,
):
    complaint = make_complaint(
        confidential=True, subject_department=dept_a, complainant_address=ADDRESS
    )
    body = api(manager).get(url(complaint.reference)).json()
    assert body["complainant_address"] == "上" + "*" * (len(ADDRESS) - 2) + "室"


def test_the_history_page_masks_an_address_change_for_the_unit_complained_about(
    client, frontline, manager, gm, make_complaint, dept_a
):
    complaint = make_complaint(confidential=True, subject_department=dept_a)
    services.update_details(
        complaint,
        by=frontline,
        changes={"complainant_address": ADDRESS, "preferred_channel": "letter"},
        reason="The complainant wants a letter",
    )
    client.force_login(manager)
    html = client.get(f"/complaints/{complaint.reference}/history/").content.decode()
    assert ADDRESS not in html
    client.force_login(gm)
    assert ADDRESS in client.get(f"/complaints/{complaint.reference}/history/").content.decode()
