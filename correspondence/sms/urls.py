"""URLs the SMS gateways push to (included by correspondence.urls, namespace "correspondence").

Give these to the gateway's console: Twilio's inbound-message webhook and (sent with every
message) its status callback; Aliyun's "HTTP批量推送" for SmsReport and SmsUp, with
REDRESS_SMS_CALLBACK_TOKEN in the path; Tencent's 状态回调 and 回复回调 likewise.
"""

from django.urls import path

from correspondence.sms import views

urlpatterns = [
    path("sms/twilio/status/", views.twilio_status, name="sms-twilio-status"),
    path("sms/twilio/inbound/", views.twilio_inbound, name="sms-twilio-inbound"),
    path("sms/aliyun/<str:token>/report/", views.aliyun_report, name="sms-aliyun-report"),
    path("sms/aliyun/<str:token>/reply/", views.aliyun_reply, name="sms-aliyun-reply"),
    path("sms/tencent/<str:token>/report/", views.tencent_report, name="sms-tencent-report"),
    path("sms/tencent/<str:token>/reply/", views.tencent_reply, name="sms-tencent-reply"),
]
