"""What the gateways report back: delivery reports (Twilio's status callback, Aliyun's SmsReport
push) and opt-outs (Twilio inbound messages, Aliyun's SmsUp push)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.core.cache import caches
from django.test import Client

from correspondence.models import Message, SmsOptOut
from correspondence.sms import policy, receipts
from correspondence.sms.twilio import request_signature

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 7, 10, 30, tzinfo=dt.UTC)
TOKEN = "twilio-token"
SECRET = "aliyun-push-secret-0123456789"
BASE = "https://complaints.example.org"


@pytest.fixture(autouse=True)
def gateway_settings(settings):
    settings.REDRESS_SMS_TWILIO_AUTH_TOKEN = TOKEN
    settings.REDRESS_SMS_CALLBACK_TOKEN = SECRET
    settings.REDRESS_PUBLIC_BASE_URL = BASE
    settings.REDRESS_SMS_CALLBACK_LIMIT = 600
    caches[settings.REDRESS_RATE_LIMIT_CACHE].clear()
    return settings


@pytest.fixture
def client():
    # The gateways have no CSRF token; the endpoints must not need one.
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def message(make_complaint):
    complaint = make_complaint()
    return Message.objects.create(
        complaint=complaint,
        channel="sms",
        purpose="acknowledgement",
        event_key="acknowledgement",
        event_version=complaint.version,
        recipient="+8613800138000",
        language="zh-hans",
        body="【城市热线】您的投诉已登记。 回复TD退订",
        status=Message.Status.SENT,
        provider_id="900619746936498440^0",
    )


def reload(message: Message) -> Message:
    return Message.objects.get(pk=message.pk)


# --- receipts.record --------------------------------------------------------------------------


def test_a_delivery_report_marks_the_message_delivered_once(message):
    with time_machine.travel(NOW, tick=False):
        receipts.record("900619746936498440^0", True)
    message = reload(message)
    assert message.status == Message.Status.DELIVERED
    assert message.delivered_at == NOW
    rows = message.history.count()
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        receipts.record("900619746936498440^0", True)  # the gateway repeats its push
    assert reload(message).delivered_at == NOW
    assert message.history.count() == rows


def test_a_failure_report_marks_the_message_failed_with_the_reason_once(message):
    receipts.record("900619746936498440^0", False, "Aliyun: MK:0001 用户停机")
    message = reload(message)
    assert (message.status, message.last_error) == (
        Message.Status.FAILED,
        "Aliyun: MK:0001 用户停机",
    )
    rows = message.history.count()
    receipts.record("900619746936498440^0", False, "Aliyun: MK:0001 用户停机")
    assert message.history.count() == rows


def test_a_delivered_message_stays_delivered_whatever_comes_later(message):
    receipts.record("900619746936498440^0", True)
    receipts.record("900619746936498440^0", False, "late failure")
    message = reload(message)
    assert message.status == Message.Status.DELIVERED
    assert message.last_error == ""


def test_reports_for_unknown_ids_change_nothing(message):
    assert receipts.record("SM-not-ours", True) is None
    assert receipts.record("", True) is None
    assert reload(message).status == Message.Status.SENT


# --- Twilio -----------------------------------------------------------------------------------


def twilio_post(client, path, data, *, token=TOKEN):
    signature = request_signature(BASE + path, data, token)
    return client.post(path, data, headers={"X-Twilio-Signature": signature})


STATUS = "/sms/twilio/status/"
INBOUND = "/sms/twilio/inbound/"


def test_twilios_delivered_status_marks_the_message_delivered(client, message):
    message.provider_id = "SM1f0e8ae6ade43cb3c0ce4525424e404f"
    message.save()
    data = {
        "MessageSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
        "MessageStatus": "delivered",
        "AccountSid": "AC0123",
    }
    response = twilio_post(client, STATUS, data)
    assert response.status_code == 204
    assert reload(message).status == Message.Status.DELIVERED


def test_twilios_undelivered_status_records_the_error_code(client, message):
    message.provider_id = "SM1"
    message.save()
    data = {"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "30005"}
    assert twilio_post(client, STATUS, data).status_code == 204
    message = reload(message)
    assert message.status == Message.Status.FAILED
    assert message.last_error == "Twilio: undelivered (error 30005)"


def test_twilios_intermediate_statuses_change_nothing(client, message):
    message.provider_id = "SM1"
    message.save()
    assert (
        twilio_post(client, STATUS, {"MessageSid": "SM1", "MessageStatus": "sent"}).status_code
        == 204
    )
    assert reload(message).status == Message.Status.SENT


def test_a_status_callback_with_a_wrong_signature_is_refused(client, message):
    message.provider_id = "SM1"
    message.save()
    data = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    assert twilio_post(client, STATUS, data, token="forged").status_code == 403
    assert client.post(STATUS, data).status_code == 403  # no signature at all
    assert reload(message).status == Message.Status.SENT


def test_a_signed_callback_without_its_fields_is_a_bad_request(client):
    assert twilio_post(client, STATUS, {"Foo": "bar"}).status_code == 400


def test_twilio_endpoints_answer_only_post(client):
    assert client.get(STATUS).status_code == 405
    assert client.get(INBOUND).status_code == 405


def test_twilio_endpoints_do_not_exist_without_a_twilio_token(client, settings):
    settings.REDRESS_SMS_TWILIO_AUTH_TOKEN = ""
    assert (
        client.post(STATUS, {"MessageSid": "SM1", "MessageStatus": "delivered"}).status_code == 404
    )


@pytest.mark.parametrize("body", ["STOP", "stop", " Unsubscribe ", "TD", "退订"])
def test_a_stop_word_sent_to_our_twilio_number_opts_the_number_out(client, body):
    response = twilio_post(
        client, INBOUND, {"From": "+447911123456", "Body": body, "MessageSid": "SM9"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert b"<Response></Response>" in response.content
    assert SmsOptOut.objects.get().phone_norm == "447911123456"
    assert policy.opted_out("+447911123456")


def test_any_other_text_opts_nobody_out(client):
    response = twilio_post(
        client, INBOUND, {"From": "+447911123456", "Body": "Thanks, stop by soon"}
    )
    assert response.status_code == 200
    assert not SmsOptOut.objects.exists()


def test_an_unsigned_stop_is_refused(client):
    assert client.post(INBOUND, {"From": "+447911123456", "Body": "STOP"}).status_code == 403
    assert not SmsOptOut.objects.exists()


# --- Aliyun -----------------------------------------------------------------------------------


def aliyun_post(client, kind, items, *, token=SECRET):
    return client.post(
        f"/sms/aliyun/{token}/{kind}/",
        json.dumps(items, ensure_ascii=False),
        content_type="application/json",
    )


def test_aliyuns_report_push_marks_messages_and_answers_as_aliyun_expects(client, message):
    failed = Message.objects.create(
        complaint=message.complaint,
        channel="sms",
        purpose="acceptance",
        event_key="acceptance:2",
        event_version=2,
        recipient="+8613800138000",
        language="zh-hans",
        body="已受理",
        status=Message.Status.SENT,
        provider_id="1234^0",
    )
    items = [
        {
            "phone_number": "13800138000",
            "send_time": "2026-12-07 18:30:00",
            "report_time": "2026-12-07 18:30:05",
            "success": True,
            "err_code": "DELIVERED",
            "err_msg": "用户接收成功",
            "sms_size": "1",
            "biz_id": "900619746936498440^0",
            "out_id": "",
        },
        {
            "phone_number": "13800138000",
            "success": False,
            "err_code": "MK:0001",
            "err_msg": "停机",
            "biz_id": "1234^0",
        },
        {"phone_number": "13900139000", "success": True, "biz_id": "someone-elses^0"},
    ]
    response = aliyun_post(client, "report", items)
    assert response.status_code == 200
    assert response.json() == {"code": 0, "msg": "成功"}
    assert reload(message).status == Message.Status.DELIVERED
    failed = reload(failed)
    assert failed.status == Message.Status.FAILED
    assert failed.last_error == "Aliyun: MK:0001 停机"


def test_aliyun_pushes_with_a_wrong_token_are_refused(client, message):
    items = [{"success": True, "biz_id": "900619746936498440^0"}]
    assert aliyun_post(client, "report", items, token="guess").status_code == 403
    assert reload(message).status == Message.Status.SENT


def test_aliyun_push_endpoints_do_not_exist_without_a_token(client, settings):
    settings.REDRESS_SMS_CALLBACK_TOKEN = ""
    assert aliyun_post(client, "report", [], token="anything").status_code == 404


@pytest.mark.parametrize(
    "body",
    [b"not json", b"\xff\xfe", b'"a string"', b"[1, 2]", b"42", json.dumps([{}] * 1001).encode()],
)
def test_garbage_pushed_to_aliyuns_endpoint_is_a_bad_request(client, body):
    response = client.post(f"/sms/aliyun/{SECRET}/report/", body, content_type="application/json")
    assert response.status_code == 400


def test_a_huge_push_is_refused_before_it_is_read(client):
    body = json.dumps([{"biz_id": "x" * 100, "success": True}] * 3000)
    response = client.post(f"/sms/aliyun/{SECRET}/report/", body, content_type="application/json")
    assert response.status_code == 413


def test_pushes_beyond_the_rate_limit_are_refused(client, settings):
    settings.REDRESS_SMS_CALLBACK_LIMIT = 2
    assert aliyun_post(client, "report", []).status_code == 200
    assert aliyun_post(client, "report", []).status_code == 200
    assert aliyun_post(client, "report", []).status_code == 429


@pytest.mark.parametrize("content", ["TD", "td", "T", "退订", "退订。"])
def test_aliyuns_smsup_push_with_an_opt_out_word_opts_the_number_out(client, content):
    items = [
        {
            "phone_number": "8613800138000",
            "send_time": "2026-12-07 18:31:00",
            "content": content,
            "sign_name": "城市热线",
            "dest_code": "1234",
            "sequence_id": 1234567,
        }
    ]
    response = aliyun_post(client, "reply", items)
    assert response.json() == {"code": 0, "msg": "成功"}
    assert SmsOptOut.objects.get().phone_norm == "13800138000"
    assert policy.opted_out("138 0013 8000")
    aliyun_post(client, "reply", items)  # pushed again: still one opt-out
    assert SmsOptOut.objects.count() == 1


def test_other_replies_opt_nobody_out(client):
    aliyun_post(client, "reply", [{"phone_number": "13800138000", "content": "谢谢，已收到"}])
    assert not SmsOptOut.objects.exists()


# --- Tencent ----------------------------------------------------------------------------------


def test_tencents_status_push_marks_messages_and_answers_as_tencent_expects(client, message):
    message.provider_id = "5000:1045710669157053657849499619"
    message.save()
    items = [
        {
            "user_receive_time": "2026-12-07 18:30:05",
            "nationcode": "86",
            "mobile": "13800138000",
            "report_status": "FAIL",
            "errmsg": "MK:0001",
            "description": "用户停机",
            "sid": "5000:1045710669157053657849499619",
        }
    ]
    response = client.post(
        f"/sms/tencent/{SECRET}/report/", json.dumps(items), content_type="application/json"
    )
    assert response.json() == {"result": 0, "errmsg": "OK"}
    failed = reload(message)
    assert (failed.status, failed.last_error) == (
        Message.Status.FAILED,
        "Tencent: MK:0001 用户停机",
    )


def test_a_stop_word_pushed_by_tencent_opts_the_number_out(client):
    reply = {
        "extend": "",
        "mobile": "13800138000",
        "nationcode": "86",
        "sign": "城市热线",
        "text": "TD",
        "time": 1765000000,
    }
    response = client.post(
        f"/sms/tencent/{SECRET}/reply/", json.dumps(reply), content_type="application/json"
    )
    assert response.status_code == 200
    assert SmsOptOut.objects.get().phone_norm == "13800138000"


def test_tencent_pushes_with_a_wrong_token_are_refused(client):
    response = client.post("/sms/tencent/guess/reply/", "{}", content_type="application/json")
    assert response.status_code == 403


def test_hostile_text_in_a_push_is_stored_safely_or_ignored(client, message):
    # A NUL and a lone surrogate: PostgreSQL stores neither; the push must not become a 500.
    body = (
        '[{"biz_id": "900619746936498440^0", "success": false, "err_code": "X\\u0000",'
        ' "err_msg": "\\ud800 13800138000"}, {"biz_id": "\\u0000", "success": true},'
        ' {"biz_id": ["not", "text"], "success": true}]'
    )
    response = client.post(f"/sms/aliyun/{SECRET}/report/", body, content_type="application/json")
    assert response.status_code == 200
    failed = reload(message)
    assert failed.status == Message.Status.FAILED
    assert "\x00" not in failed.last_error and "13800138000" not in failed.last_error
    reply = '[{"phone_number": "1380013\\u00008000", "content": "TD\\ud800"}]'
    response = client.post(f"/sms/aliyun/{SECRET}/reply/", reply, content_type="application/json")
    assert response.status_code == 200


def test_a_signed_twilio_callback_with_a_nul_in_its_id_changes_nothing(client, message):
    data = {"MessageSid": "SM\x001", "MessageStatus": "delivered"}
    assert twilio_post(client, STATUS, data).status_code in (204, 400)
    assert reload(message).status == Message.Status.SENT
