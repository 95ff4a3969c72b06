"""URLs the SMS gateways push to (included by correspondence.urls, namespace "correspondence").

Give these to the gateway's console: Twilio's inbound-message webhook and (sent with every
message) its status callback; Aliyun's "HTTP批量推送" for SmsReport and SmsUp, with
REDRESS_SMS_CALLBACK_TOKEN in the path.
"""

from django.urls import path

from correspondence.sms import views

urlpatterns = [
    path("sms/twilio/status/", views.twilio_status, name="sms-twilio-status"),
    path("sms/twilio/inbound/", views.twilio_inbound, name="sms-twilio-inbound"),
    path("sms/aliyun/<str:token>/report/", views.aliyun_report, name="sms-aliyun-report"),
    path("sms/aliyun/<str:token>/reply/", views.aliyun_reply, name="sms-aliyun-reply"),
]
