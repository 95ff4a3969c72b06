"""The real providers' backends, each against a local fake of its HTTP API."""

from __future__ import annotations

import json
import logging
import socket

import pytest
from django.core.exceptions import ImproperlyConfigured

from correspondence import sms
from correspondence.sms import aliyun, tencent, twilio
from tests.correspondence.fake_gateways import (
    ALIYUN_KEY_ID,
    ALIYUN_SECRET,
    TENCENT_ID,
    TENCENT_KEY,
    TWILIO_SID,
    TWILIO_TOKEN,
    FakeGateway,
    aliyun_check,
    tencent_check,
    tencent_error,
    twilio_check,
)

TEXT = "【城市热线】您的投诉C-2026-000123已受理。 回复TD退订"


# --- Aliyun -----------------------------------------------------------------------------------


@pytest.fixture
def aliyun_gateway(settings):
    gateway = FakeGateway(aliyun_check)
    settings.REDRESS_SMS_BACKEND = "correspondence.sms.aliyun.SmsBackend"
    settings.REDRESS_SMS_ALIYUN_ENDPOINT = gateway.url + "/"
    settings.REDRESS_SMS_ALIYUN_ACCESS_KEY_ID = ALIYUN_KEY_ID
    settings.REDRESS_SMS_ALIYUN_ACCESS_KEY_SECRET = ALIYUN_SECRET
    settings.REDRESS_SMS_ALIYUN_TEMPLATE_CODE = "SMS_276400123"
    settings.REDRESS_SMS_ALIYUN_TEMPLATE_PARAM = "content"
    settings.REDRESS_SMS_SIGNATURE = "城市热线"
    settings.REDRESS_SMS_TIMEOUT = 2
    yield gateway
    gateway.close()


def ok(biz_id="900619746936498440^0"):
    return 200, {
        "Message": "OK",
        "RequestId": "F655A8D5-B967-440B-8683",
        "BizId": biz_id,
        "Code": "OK",
    }


def test_the_aliyun_signature_matches_the_example_in_aliyuns_documentation():
    params = {
        "Timestamp": "2016-02-23T12:46:24Z",
        "Format": "XML",
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "Version": "2014-05-26",
        "SignatureVersion": "1.0",
    }
    assert aliyun.signature(params, "testsecret", method="GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_aliyun_sends_the_registered_template_with_the_text_as_its_variable(aliyun_gateway):
    aliyun_gateway.answer = ok()
    provider_id = sms.send("+8613800138000", TEXT)
    assert provider_id == "900619746936498440^0"
    [request] = aliyun_gateway.requests
    form = request["form"]
    assert form["PhoneNumbers"] == "13800138000"
    assert form["SignName"] == "城市热线"
    assert form["TemplateCode"] == "SMS_276400123"
    # The gateway prefixes the registered signature itself: the text goes without it.
    assert json.loads(form["TemplateParam"]) == {
        "content": "您的投诉C-2026-000123已受理。 回复TD退订"
    }
    assert form["RegionId"] == "cn-hangzhou"


def test_aliyun_takes_the_template_variable_name_from_the_settings(aliyun_gateway, settings):
    settings.REDRESS_SMS_ALIYUN_TEMPLATE_PARAM = "msg"
    aliyun_gateway.answer = ok()
    sms.send("+447911123456", "Your complaint was accepted.")
    form = aliyun_gateway.requests[0]["form"]
    assert json.loads(form["TemplateParam"]) == {"msg": "Your complaint was accepted."}
    assert form["PhoneNumbers"] == "447911123456"  # international: country code, no plus


def test_each_aliyun_request_has_a_fresh_nonce(aliyun_gateway):
    aliyun_gateway.answer = ok()
    sms.send("+8613800138000", TEXT)
    sms.send("+8613800138000", TEXT)
    first, second = (r["form"]["SignatureNonce"] for r in aliyun_gateway.requests)
    assert first != second


@pytest.mark.parametrize(
    ("status", "code", "permanent"),
    [
        (200, "isv.MOBILE_NUMBER_ILLEGAL", True),
        (200, "isv.BLACK_KEY_CONTROL_LIMIT", True),
        (200, "isv.AMOUNT_NOT_ENOUGH", True),
        (200, "isv.SMS_TEMPLATE_ILLEGAL", True),
        (200, "isv.TEMPLATE_MISSING_PARAMETERS", True),
        (200, "isv.SMS_SIGNATURE_ILLEGAL", True),
        (200, "isv.BUSINESS_LIMIT_CONTROL", False),  # per-number flow control: later works
        (400, "Throttling.User", False),
        (500, "isp.SYSTEM_ERROR", False),
        (503, "ServiceUnavailable", False),
    ],
)
def test_aliyun_errors_are_permanent_or_worth_a_retry(aliyun_gateway, status, code, permanent):
    aliyun_gateway.answer = (status, {"Code": code, "Message": "触发限制", "RequestId": "x"})
    with pytest.raises(sms.SmsError) as error:
        sms.send("+8613800138000", TEXT)
    assert error.value.permanent is permanent
    assert code in str(error.value)


def test_an_aliyun_answer_that_is_not_json_is_worth_a_retry(aliyun_gateway):
    aliyun_gateway.answer = (502, b"<html>Bad Gateway</html>")
    with pytest.raises(sms.SmsError) as error:
        sms.send("+8613800138000", TEXT)
    assert not error.value.permanent


def test_a_wrong_aliyun_secret_is_refused_by_the_signature_check_and_not_retried(
    aliyun_gateway, settings
):
    settings.REDRESS_SMS_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"
    aliyun_gateway.answer = ok()
    with pytest.raises(sms.SmsError) as error:
        sms.send("+8613800138000", TEXT)
    assert error.value.permanent
    assert "SignatureDoesNotMatch" in str(error.value)


def test_the_gateways_error_text_never_carries_the_number(aliyun_gateway):
    aliyun_gateway.answer = (
        200,
        {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号 13800138000"},
    )
    with pytest.raises(sms.SmsError) as error:
        sms.send("+8613800138000", TEXT)
    assert "13800138000" not in str(error.value)


def test_a_gateway_that_does_not_answer_in_time_is_a_transient_error(aliyun_gateway, settings):
    settings.REDRESS_SMS_TIMEOUT = 1
    aliyun_gateway.answer = ok()
    aliyun_gateway.delay = 2
    with pytest.raises(sms.SmsError) as error:
        sms.send("+8613800138000", TEXT)
    assert not error.value.permanent


def test_a_gateway_that_is_down_is_a_transient_error(aliyun_gateway, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.REDRESS_SMS_ALIYUN_ENDPOINT = f"http://127.0.0.1:{port}/"
    with pytest.raises(sms.SmsError) as error:
        sms.send("+8613800138000", TEXT)
    assert not error.value.permanent


def test_an_endpoint_that_is_not_http_is_refused(aliyun_gateway, settings):
    settings.REDRESS_SMS_ALIYUN_ENDPOINT = "file:///etc/passwd"
    with pytest.raises(sms.SmsError) as error:
        sms.send("+8613800138000", TEXT)
    assert error.value.permanent


def test_aliyun_without_its_keys_is_a_configuration_error(aliyun_gateway, settings):
    settings.REDRESS_SMS_ALIYUN_TEMPLATE_CODE = ""
    with pytest.raises(ImproperlyConfigured, match="REDRESS_SMS_ALIYUN_TEMPLATE_CODE"):
        sms.send("+8613800138000", TEXT)


def test_nothing_about_the_number_or_the_text_is_logged(aliyun_gateway, caplog):
    aliyun_gateway.answer = ok()
    with caplog.at_level(logging.DEBUG):
        sms.send("+8613800138000", TEXT)
    assert "13800138000" not in caplog.text
    assert "已受理" not in caplog.text


# --- Twilio -----------------------------------------------------------------------------------


@pytest.fixture
def twilio_gateway(settings):
    gateway = FakeGateway(twilio_check)
    settings.REDRESS_SMS_BACKEND = "correspondence.sms.twilio.SmsBackend"
    settings.REDRESS_SMS_TWILIO_ENDPOINT = gateway.url
    settings.REDRESS_SMS_TWILIO_ACCOUNT_SID = TWILIO_SID
    settings.REDRESS_SMS_TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.REDRESS_SMS_TWILIO_FROM = "+15005550006"
    settings.REDRESS_SMS_TWILIO_MESSAGING_SERVICE_SID = ""
    settings.REDRESS_PUBLIC_BASE_URL = "https://complaints.example.org"
    settings.REDRESS_SMS_TIMEOUT = 2
    yield gateway
    gateway.close()


def created(sid="SM1f0e8ae6ade43cb3c0ce4525424e404f"):
    return 201, {"sid": sid, "status": "queued", "account_sid": TWILIO_SID, "error_code": None}


def test_twilios_request_signature_matches_the_example_in_twilios_documentation():
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio.request_signature(url, params, "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_twilio_sends_with_basic_auth_and_asks_for_delivery_reports(twilio_gateway):
    twilio_gateway.answer = created()
    provider_id = sms.send("+447911123456", "Your complaint was accepted. Reply STOP to opt out")
    assert provider_id == "SM1f0e8ae6ade43cb3c0ce4525424e404f"
    form = twilio_gateway.requests[0]["form"]
    assert form == {
        "To": "+447911123456",
        "From": "+15005550006",
        "Body": "Your complaint was accepted. Reply STOP to opt out",
        "StatusCallback": "https://complaints.example.org/sms/twilio/status/",
    }


def test_twilio_can_send_through_a_messaging_service(twilio_gateway, settings):
    settings.REDRESS_SMS_TWILIO_FROM = ""
    settings.REDRESS_SMS_TWILIO_MESSAGING_SERVICE_SID = "MG0123456789abcdef0123456789abcdef"
    twilio_gateway.answer = created()
    sms.send("+447911123456", "Hello")
    form = twilio_gateway.requests[0]["form"]
    assert form["MessagingServiceSid"] == "MG0123456789abcdef0123456789abcdef"
    assert "From" not in form


def test_a_wrong_twilio_token_is_a_permanent_error(twilio_gateway, settings):
    settings.REDRESS_SMS_TWILIO_AUTH_TOKEN = "wrong"
    with pytest.raises(sms.SmsError) as error:
        sms.send("+447911123456", "Hello")
    assert error.value.permanent
    assert "20003" in str(error.value)


@pytest.mark.parametrize(
    ("status", "code", "permanent"),
    [
        (400, 21211, True),  # invalid To
        (400, 21610, True),  # the recipient sent STOP
        (400, 21408, True),  # the account may not send to that region
        (429, 20429, False),
        (500, 20500, False),
        (503, None, False),
    ],
)
def test_twilio_errors_are_permanent_or_worth_a_retry(twilio_gateway, status, code, permanent):
    twilio_gateway.answer = (
        status,
        {"code": code, "message": "The 'To' number +447911123456 is not valid.", "status": status},
    )
    with pytest.raises(sms.SmsError) as error:
        sms.send("+447911123456", "Hello")
    assert error.value.permanent is permanent
    assert "447911123456" not in str(error.value)


def test_twilio_without_a_sender_is_a_configuration_error(twilio_gateway, settings):
    settings.REDRESS_SMS_TWILIO_FROM = ""
    with pytest.raises(ImproperlyConfigured, match="REDRESS_SMS_TWILIO_FROM"):
        sms.send("+447911123456", "Hello")


# --- Tencent Cloud ----------------------------------------------------------------------------


@pytest.fixture
def tencent_gateway(settings):
    gateway = FakeGateway(tencent_check)
    settings.REDRESS_SMS_BACKEND = "correspondence.sms.tencent.SmsBackend"
    settings.REDRESS_SMS_TENCENT_ENDPOINT = gateway.url + "/"
    settings.REDRESS_SMS_TENCENT_SECRET_ID = TENCENT_ID
    settings.REDRESS_SMS_TENCENT_SECRET_KEY = TENCENT_KEY
    settings.REDRESS_SMS_TENCENT_APP_ID = "1400006666"
    settings.REDRESS_SMS_TENCENT_TEMPLATE_ID = "1110"
    settings.REDRESS_SMS_SIGNATURE = "城市热线"
    settings.REDRESS_SMS_TIMEOUT = 2
    yield gateway
    gateway.close()


def sent_ok(serial="5000:1045710669157053657849499619"):
    status = {
        "SerialNo": serial,
        "PhoneNumber": "+8613800138000",
        "Fee": 1,
        "SessionContext": "",
        "Code": "Ok",
        "Message": "send success",
        "IsoCode": "CN",
    }
    return 200, {"Response": {"SendStatusSet": [status], "RequestId": "a0aabda6"}}


def test_the_tencent_signature_matches_the_example_in_tencents_documentation():
    header = tencent.authorization(
        secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
        secret_key="Gu5t9xGARNpq86cd98joQYCN3*******",
        host="cvm.tencentcloudapi.com",
        payload='{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], '
        '"Name": "instance-name"}]}',
        timestamp=1551113065,
        service="cvm",
    )
    assert header.endswith(
        "Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
    )
    assert "/2019-02-25/cvm/tc3_request" in header


def test_tencent_sends_the_registered_template_with_the_text_as_its_variable(tencent_gateway):
    tencent_gateway.answer = sent_ok()
    assert sms.send("+8613800138000", TEXT) == "5000:1045710669157053657849499619"
    body = json.loads(tencent_gateway.requests[0]["raw"])
    assert body == {
        "PhoneNumberSet": ["+8613800138000"],
        "SmsSdkAppId": "1400006666",
        "SignName": "城市热线",
        "TemplateId": "1110",
        "TemplateParamSet": ["您的投诉C-2026-000123已受理。 回复TD退订"],
    }


@pytest.mark.parametrize(
    ("code", "permanent"),
    [
        ("FailedOperation.PhoneNumberInBlacklist", True),
        ("FailedOperation.InsufficientBalanceInSmsPackage", True),
        ("FailedOperation.TemplateIncorrectOrUnapproved", True),
        ("InvalidParameterValue.IncorrectPhoneNumber", True),
        ("LimitExceeded.PhoneNumberThirtySecondLimit", False),
        ("RequestLimitExceeded", False),
        ("InternalError.Timeout", False),
    ],
)
def test_tencent_errors_are_permanent_or_worth_a_retry(tencent_gateway, code, permanent):
    status = {"SerialNo": "", "Code": code, "Message": "refused +8613800138000"}
    tencent_gateway.answer = (200, {"Response": {"SendStatusSet": [status], "RequestId": "r"}})
    with pytest.raises(sms.SmsError) as error:
        sms.send("+8613800138000", TEXT)
    assert error.value.permanent is permanent
    assert code in str(error.value) and "13800138000" not in str(error.value)
    tencent_gateway.answer = tencent_error(code, "refused")
    with pytest.raises(sms.SmsError) as error:
        sms.send("+8613800138000", TEXT)
    assert error.value.permanent is permanent


def test_a_wrong_tencent_key_is_a_permanent_error(tencent_gateway, settings):
    settings.REDRESS_SMS_TENCENT_SECRET_KEY = "wrong"
    tencent_gateway.answer = sent_ok()
    with pytest.raises(sms.SmsError) as error:
        sms.send("+8613800138000", TEXT)
    assert error.value.permanent
    assert "AuthFailure.SignatureFailure" in str(error.value)
