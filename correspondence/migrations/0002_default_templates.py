"""The default 话术库: one template for every automatic notice on every channel in Chinese and
English, and a few reply snippets, so a fresh installation tells complainants what happens.

They are data, not code: the general manager's office rewrites them in the admin, and a row
that already exists (same purpose, channel, language, and for replies the same name) is left as
it is. Reversing removes the rows this migration would create unless a message was sent with
one (Message.template protects it).

The texts follow the emails that came before them (templates/emails/*-body.txt). SMS texts stay
short: with a 10-character signature (Chinese, which makes even an English text UCS-2), the opt-out
hint and the complaint's tracking link, every one fits in two segments (134 characters) except
the survey, whose signed link alone is about 110 characters (three segments, the default
REDRESS_SMS_MAX_SEGMENTS).
"""

from django.db import migrations
from django.utils import timezone

ZH, EN = "zh-hans", "en"
EMAIL, SMS, LETTER = "email", "sms", "letter"

# Salutations and sign-offs shared by the texts below.
ZH_DEAR_LETTER = "{% if complainant_name %}{{ complainant_name }}{% else %}投诉人{% endif %}：\n\n"
ZH_DEAR_EMAIL = (
    "{% if complainant_name %}{{ complainant_name }}，您好：{% else %}您好：{% endif %}\n\n"
)
ZH_LETTER_END = "\n\n特此告知。\n\n{{ organisation }}\n{{ today }}"
ZH_EMAIL_END = "\n\n{{ organisation }}"
EN_DEAR = "{% if complainant_name %}Dear {{ complainant_name }},{% else %}Hello,{% endif %}\n\n"
EN_LETTER_END = "\n\nYours faithfully,\n\n{{ organisation }}\n{{ today }}"
EN_EMAIL_END = "\n\n{{ organisation }}"

ZH_TRACK = "办理进度可凭投诉编号在以下网址查询：\n{{ track_url }}"
EN_TRACK = "Follow your complaint at:\n{{ track_url }}"

# (language, purpose, channel, name, subject, body)
TEMPLATES = [
    # --- acknowledgement (登记回执) ------------------------------------------------------------
    (
        ZH,
        "acknowledgement",
        EMAIL,
        "投诉登记确认（邮件）",
        "[{{ reference }}] 您的投诉已收到",
        ZH_DEAR_EMAIL + "我们已收到您的投诉，将尽快审查并决定是否受理，无论结果如何都会告知您。\n\n"
        "投诉编号：{{ reference }}\n"
        "{% if tracking_code %}查询码：{{ tracking_code }}\n{% endif %}"
        "\n请妥善保管投诉编号和查询码，凭此可在以下网址查询办理进度：\n{{ track_url }}\n\n"
        "如需补充情况或材料，可直接回复本邮件，请保留邮件主题中的投诉编号。" + ZH_EMAIL_END,
    ),
    (
        ZH,
        "acknowledgement",
        SMS,
        "投诉登记确认（短信）",
        "",
        "您的投诉已登记，编号{{ reference }}{% if tracking_code %}，查询码{{ tracking_code }}"
        "{% endif %}，我们将尽快决定是否受理。查询：{{ track_url }}",
    ),
    (
        ZH,
        "acknowledgement",
        LETTER,
        "投诉登记回执",
        "投诉登记回执",
        ZH_DEAR_LETTER + "我单位已于{{ received_date }}收到您的投诉，登记编号为{{ reference }}"
        "{% if tracking_code %}，查询码为{{ tracking_code }}{% endif %}。"
        "我们将尽快进行审查，并将是否受理的决定书面告知您。\n\n"
        "请妥善保管投诉编号和查询码，凭此可在以下网址查询办理进度：\n{{ track_url }}"
        "\n\n{{ organisation }}\n{{ today }}",
    ),
    (
        EN,
        "acknowledgement",
        EMAIL,
        "Complaint received (email)",
        "[{{ reference }}] We have received your complaint",
        EN_DEAR + "We have received your complaint and will decide shortly whether we can accept "
        "it. We will tell you either way.\n\n"
        "Reference: {{ reference }}\n"
        "{% if tracking_code %}Tracking code: {{ tracking_code }}\n{% endif %}"
        "\nKeep the reference and the tracking code: with them you can follow your complaint "
        "at\n{{ track_url }}\n\n"
        "You can answer this email to add information; keep the reference in the subject."
        + EN_EMAIL_END,
    ),
    (
        EN,
        "acknowledgement",
        SMS,
        "Complaint received (SMS)",
        "",
        "Received {{ reference }}. Track: {{ track_url }}",
    ),
    (
        EN,
        "acknowledgement",
        LETTER,
        "Acknowledgement of receipt",
        "Acknowledgement of receipt",
        EN_DEAR + "We received your complaint on {{ received_date }} and registered it under "
        "reference {{ reference }}{% if tracking_code %}, tracking code {{ tracking_code }}"
        "{% endif %}. We will examine it shortly and tell you in writing whether we accept it."
        "\n\nKeep the reference and the tracking code: with them you can follow your complaint "
        "at\n{{ track_url }}" + EN_LETTER_END,
    ),
    # --- acceptance (受理) --------------------------------------------------------------------
    (
        ZH,
        "acceptance",
        EMAIL,
        "受理通知（邮件）",
        "[{{ reference }}] 您的投诉已受理",
        ZH_DEAR_EMAIL + "您的投诉（编号：{{ reference }}）经审查符合受理条件，我们已于"
        "{{ accepted_date }}予以受理{% if department %}，由{{ department }}负责办理{% endif %}。"
        "{% if resolution_due_date %}我们将在{{ resolution_due_date }}前答复您。{% endif %}\n\n"
        + ZH_TRACK
        + ZH_EMAIL_END,
    ),
    (
        ZH,
        "acceptance",
        SMS,
        "受理通知（短信）",
        "",
        "您的投诉{{ reference }}已受理{% if resolution_due_date %}，我们将于"
        "{{ resolution_due_date }}前答复您{% endif %}。进度查询：{{ track_url }}",
    ),
    (
        ZH,
        "acceptance",
        LETTER,
        "受理告知书",
        "受理告知书",
        ZH_DEAR_LETTER + "您于{{ received_date }}提出的投诉（编号：{{ reference }}）已收悉。"
        "经审查，该投诉符合受理条件，我单位决定予以受理"
        "{% if department %}，并已交由{{ department }}办理{% endif %}。\n\n"
        "{% if resolution_due_date %}我们将在{{ resolution_due_date }}前将处理意见告知您。"
        "{% else %}我们将在规定期限内将处理意见告知您。{% endif %}" + ZH_TRACK + ZH_LETTER_END,
    ),
    (
        EN,
        "acceptance",
        EMAIL,
        "Complaint accepted (email)",
        "[{{ reference }}] Your complaint has been accepted",
        EN_DEAR + "We have accepted your complaint {{ reference }} and are looking into it."
        "{% if department %} It is handled by {{ department }}.{% endif %}"
        "{% if resolution_due_date %} We aim to answer by {{ resolution_due_date }}.{% endif %}"
        "\n\n" + EN_TRACK + EN_EMAIL_END,
    ),
    (
        EN,
        "acceptance",
        SMS,
        "Complaint accepted (SMS)",
        "",
        "We accepted your complaint {{ reference }}{% if resolution_due_date %} and will "
        "answer by {{ resolution_due_date }}{% endif %}.",
    ),
    (
        EN,
        "acceptance",
        LETTER,
        "Notice of acceptance",
        "Notice of acceptance",
        EN_DEAR + "We have examined the complaint you made on {{ received_date }} (reference "
        "{{ reference }}). It meets the conditions for acceptance and we have accepted it"
        "{% if department %}; {{ department }} is handling it{% endif %}.\n\n"
        "{% if resolution_due_date %}We will give you our decision by {{ resolution_due_date }}."
        "{% else %}We will give you our decision within the time allowed.{% endif %} "
        + EN_TRACK
        + EN_LETTER_END,
    ),
    # --- refusal (不予受理) -------------------------------------------------------------------
    (
        ZH,
        "refusal",
        EMAIL,
        "不予受理通知（邮件）",
        "[{{ reference }}] 您的投诉不予受理",
        ZH_DEAR_EMAIL + "经审查，您的投诉（编号：{{ reference }}）不符合受理条件，"
        "我们决定不予受理。\n"
        "{% if reason %}\n不予受理的理由：{{ reason }}\n{% endif %}\n"
        "如您对本决定有异议，可{% if appeal_deadline %}在{{ appeal_deadline }}前{% else %}"
        "自收到本通知之日起{{ appeal_window_days }}日内{% endif %}申请复查；"
        "如有新的事实或理由，可直接回复本邮件或重新提出投诉。" + ZH_EMAIL_END,
    ),
    (
        ZH,
        "refusal",
        SMS,
        "不予受理通知（短信）",
        "",
        "您的投诉{{ reference }}经审查不予受理，理由及申请复查的方式请查询：{{ track_url }}",
    ),
    (
        ZH,
        "refusal",
        LETTER,
        "不予受理告知书",
        "不予受理告知书",
        ZH_DEAR_LETTER + "您于{{ received_date }}提出的投诉（编号：{{ reference }}）已收悉。"
        "经审查，该投诉不符合受理条件，我单位决定不予受理。\n\n"
        "不予受理的理由：{% if reason %}{{ reason }}{% else %}见所附说明。{% endif %}\n\n"
        "如您对本决定有异议，可自收到本告知书之日起{{ appeal_window_days }}日内"
        "{% if appeal_deadline %}（即{{ appeal_deadline }}前）{% endif %}向我单位书面申请复查，"
        "并提供相关事实和证据材料。如有新的事实或理由，您也可以重新提出投诉。" + ZH_LETTER_END,
    ),
    (
        EN,
        "refusal",
        EMAIL,
        "Complaint not accepted (email)",
        "[{{ reference }}] We cannot accept your complaint",
        EN_DEAR + "We have considered your complaint {{ reference }} and cannot accept it.\n"
        "{% if reason %}\nReason: {{ reason }}\n{% endif %}\n"
        "If you disagree, you may ask us to review this decision "
        "{% if appeal_deadline %}by {{ appeal_deadline }}{% else %}within "
        "{{ appeal_window_days }} days{% endif %}. If you have information that changes this, "
        "answer this email or make a new complaint." + EN_EMAIL_END,
    ),
    (
        EN,
        "refusal",
        SMS,
        "Complaint not accepted (SMS)",
        "",
        "Complaint {{ reference }} not accepted. Why: {{ track_url }}",
    ),
    (
        EN,
        "refusal",
        LETTER,
        "Notice of refusal",
        "Notice of refusal",
        EN_DEAR + "We have examined the complaint you made on {{ received_date }} (reference "
        "{{ reference }}). It does not meet the conditions for acceptance and we have decided "
        "not to accept it.\n\n"
        "Reason: {% if reason %}{{ reason }}{% else %}see the enclosed note.{% endif %}\n\n"
        "If you disagree with this decision, you may ask us in writing to review it within "
        "{{ appeal_window_days }} days{% if appeal_deadline %} (by {{ appeal_deadline }})"
        "{% endif %}, with the facts and evidence you rely on. If you have new facts or "
        "reasons, you may also make a new complaint." + EN_LETTER_END,
    ),
    # --- extension (延期) ---------------------------------------------------------------------
    (
        ZH,
        "extension",
        EMAIL,
        "延期通知（邮件）",
        "[{{ reference }}] 投诉办理期限延长通知",
        ZH_DEAR_EMAIL
        + "您的投诉（编号：{{ reference }}）需要进一步调查核实，无法在原定期限内办结。"
        "经批准，办理期限延长至{% firstof new_due_date resolution_due_date %}，"
        "我们将在此之前答复您。\n"
        "{% if reason %}\n延期理由：{{ reason }}\n{% endif %}\n"
        "给您带来不便，敬请谅解。\n\n" + ZH_TRACK + ZH_EMAIL_END,
    ),
    (
        ZH,
        "extension",
        SMS,
        "延期通知（短信）",
        "",
        "您的投诉{{ reference }}办理期限延长至{% firstof new_due_date resolution_due_date %}"
        "{% if reason %}，理由：{{ reason }}{% endif %}，敬请谅解。查询：{{ track_url }}",
    ),
    (
        ZH,
        "extension",
        LETTER,
        "延期告知书",
        "延期告知书",
        ZH_DEAR_LETTER + "您于{{ received_date }}提出的投诉（编号：{{ reference }}），"
        "我单位已于{{ accepted_date }}受理。因该投诉情况较为复杂，需要进一步调查核实，"
        "无法在原定期限内办结。经批准，办理期限延长至"
        "{% firstof new_due_date resolution_due_date %}。\n\n"
        "延期理由：{% if reason %}{{ reason }}{% else %}需要进一步调查核实。{% endif %}\n\n"
        "我们将在延长后的期限内将处理意见告知您。给您带来不便，敬请谅解。"
        + ZH_TRACK
        + ZH_LETTER_END,
    ),
    (
        EN,
        "extension",
        EMAIL,
        "Time limit extended (email)",
        "[{{ reference }}] We need a little more time",
        EN_DEAR + "Your complaint {{ reference }} needs more investigation than we expected. "
        "We will answer you by {% firstof new_due_date resolution_due_date %}.\n"
        "{% if reason %}\nReason: {{ reason }}\n{% endif %}\n"
        "We are sorry for the wait.\n\n" + EN_TRACK + EN_EMAIL_END,
    ),
    (
        EN,
        "extension",
        SMS,
        "Time limit extended (SMS)",
        "",
        "Complaint {{ reference }} needs more time; we will answer by "
        "{% firstof new_due_date resolution_due_date %}.{% if reason %} Reason: {{ reason }}"
        "{% endif %}",
    ),
    (
        EN,
        "extension",
        LETTER,
        "Notice of extension",
        "Notice of extension",
        EN_DEAR + "We accepted the complaint you made on {{ received_date }} (reference "
        "{{ reference }}) on {{ accepted_date }}. It needs further investigation and cannot be "
        "settled within the original time limit, so the time limit has been extended, with "
        "approval, to {% firstof new_due_date resolution_due_date %}.\n\n"
        "Reason: {% if reason %}{{ reason }}{% else %}further investigation is needed.{% endif %}"
        "\n\nWe will give you our decision within the extended time limit and apologise for the "
        "wait. " + EN_TRACK + EN_LETTER_END,
    ),
    # --- decision (处理意见) ------------------------------------------------------------------
    (
        ZH,
        "decision",
        EMAIL,
        "处理意见（邮件）",
        "[{{ reference }}] 您的投诉处理意见",
        ZH_DEAR_EMAIL + "您的投诉（编号：{{ reference }}）已调查处理完毕，处理意见如下：\n\n"
        "{{ decision }}\n"
        "{% if remedy %}\n补救措施：{{ remedy }}\n{% endif %}\n"
        "我们将在近期回访，了解您对处理结果是否满意。投诉办结后，如您对处理结果仍有异议，"
        "可在{{ appeal_window_days }}日内通过查询页面申请复查。\n\n" + ZH_TRACK + ZH_EMAIL_END,
    ),
    (
        ZH,
        "decision",
        SMS,
        "处理意见（短信）",
        "",
        "您的投诉{{ reference }}已办理完毕，处理意见请查询：{{ track_url }}",
    ),
    (
        ZH,
        "decision",
        LETTER,
        "处理意见书",
        "处理意见书",
        ZH_DEAR_LETTER + "您于{{ received_date }}提出的投诉（编号：{{ reference }}），"
        "我单位已调查处理完毕。现将处理意见告知如下：\n\n"
        "{{ decision }}\n"
        "{% if remedy %}\n补救措施：{{ remedy }}\n{% endif %}\n"
        "如您对上述处理意见不满意，可在我们回访时提出，或自本投诉办结之日起"
        "{{ appeal_window_days }}日内{% if appeal_deadline %}（即{{ appeal_deadline }}前）"
        "{% endif %}通过以下网址申请复查：\n{{ track_url }}\n\n"
        "感谢您对我们工作的监督与支持。\n\n{{ organisation }}\n{{ today }}",
    ),
    (
        EN,
        "decision",
        EMAIL,
        "Decision (email)",
        "[{{ reference }}] Our answer to your complaint",
        EN_DEAR + "We have finished looking into your complaint {{ reference }}.\n\n"
        "{{ decision }}\n"
        "{% if remedy %}\nRemedy: {{ remedy }}\n{% endif %}\n"
        "We will contact you shortly to ask whether you are satisfied with how we handled it. "
        "Once the complaint is closed you may appeal its outcome from the tracking page within "
        "{{ appeal_window_days }} days.\n\n" + EN_TRACK + EN_EMAIL_END,
    ),
    (
        EN,
        "decision",
        SMS,
        "Decision (SMS)",
        "",
        "Our decision on complaint {{ reference }}: {{ track_url }}",
    ),
    (
        EN,
        "decision",
        LETTER,
        "Decision",
        "Decision on your complaint",
        EN_DEAR + "We have finished investigating the complaint you made on {{ received_date }} "
        "(reference {{ reference }}). Our decision is as follows.\n\n"
        "{{ decision }}\n"
        "{% if remedy %}\nRemedy: {{ remedy }}\n{% endif %}\n"
        "If you are not satisfied with this decision, tell us when we contact you, or appeal "
        "within {{ appeal_window_days }} days of the complaint's closure"
        "{% if appeal_deadline %} (by {{ appeal_deadline }}){% endif %} at\n{{ track_url }}\n\n"
        "Thank you for helping us improve." + EN_LETTER_END,
    ),
    # --- escalation (转上级办理) ----------------------------------------------------------------
    (
        ZH,
        "escalation",
        EMAIL,
        "转上级办理通知（邮件）",
        "[{{ reference }}] 您的投诉已转由上级负责人办理",
        ZH_DEAR_EMAIL
        + "为更好地处理您的诉求，您的投诉（编号：{{ reference }}）已转由上级负责人办理。"
        "{% if resolution_due_date %}我们将在{{ resolution_due_date }}前答复您。{% endif %}\n\n"
        + ZH_TRACK
        + ZH_EMAIL_END,
    ),
    (
        ZH,
        "escalation",
        SMS,
        "转上级办理通知（短信）",
        "",
        "您的投诉{{ reference }}已转由上级负责人办理，进度查询：{{ track_url }}",
    ),
    (
        EN,
        "escalation",
        EMAIL,
        "Passed to a manager (email)",
        "[{{ reference }}] A manager is now handling your complaint",
        EN_DEAR + "Your complaint {{ reference }} has been passed to a manager."
        "{% if resolution_due_date %} You will hear from us by {{ resolution_due_date }}."
        "{% endif %}\n\n" + EN_TRACK + EN_EMAIL_END,
    ),
    (
        EN,
        "escalation",
        SMS,
        "Passed to a manager (SMS)",
        "",
        "Complaint {{ reference }} passed to a manager: {{ track_url }}",
    ),
    # --- survey (回访) ------------------------------------------------------------------------
    (
        ZH,
        "survey",
        EMAIL,
        "满意度回访（邮件）",
        "[{{ reference }}] 请对投诉处理结果进行评价",
        ZH_DEAR_EMAIL + "您的投诉（编号：{{ reference }}）已办理完毕。为改进我们的工作，"
        "请告诉我们您对处理结果是否满意（满意、基本满意或不满意），也欢迎留下您的意见：\n"
        "{{ survey_url }}\n\n"
        "该链接{{ survey_days }}日内有效，仅可使用一次。如您不满意，我们将重新办理您的投诉。"
        + ZH_EMAIL_END,
    ),
    (
        ZH,
        "survey",
        SMS,
        "满意度回访（短信）",
        "",
        "您的投诉{{ reference }}已办结，请评价是否满意（{{ survey_days }}日内有效）："
        "{{ survey_url }}",
    ),
    (
        EN,
        "survey",
        EMAIL,
        "Satisfaction survey (email)",
        "[{{ reference }}] Are you satisfied with how we handled your complaint?",
        EN_DEAR + "We have finished handling your complaint {{ reference }}. Please tell us "
        "whether you are satisfied, basically satisfied or dissatisfied with the outcome, and "
        "add a comment if you like:\n{{ survey_url }}\n\n"
        "The link stays open for {{ survey_days }} days and can be used once. If you are not "
        "satisfied, we will look at your complaint again." + EN_EMAIL_END,
    ),
    (
        EN,
        "survey",
        SMS,
        "Satisfaction survey (SMS)",
        "",
        "{{ reference }}: are you satisfied? Tell us within {{ survey_days }} days: "
        "{{ survey_url }}",
    ),
    # --- follow-up recorded (回访结果) ----------------------------------------------------------
    (
        ZH,
        "follow_up",
        EMAIL,
        "回访结果确认（邮件）",
        "[{{ reference }}] 感谢您的反馈",
        ZH_DEAR_EMAIL + "我们已记录您对投诉（编号：{{ reference }}）处理情况的评价"
        "{% if follow_up_outcome %}：{{ follow_up_outcome }}{% endif %}。\n"
        '{% if follow_up_outcome == "不满意" %}\n由于您对处理结果不满意，'
        "您的投诉将重新交由经办人员办理。\n{% endif %}\n"
        "投诉办结后，如您对处理结果仍有异议，可在{{ appeal_window_days }}日内"
        "通过以下网址申请复查：\n"
        "{{ track_url }}" + ZH_EMAIL_END,
    ),
    (
        ZH,
        "follow_up",
        SMS,
        "回访结果确认（短信）",
        "",
        "感谢您对投诉{{ reference }}处理情况的评价{% if follow_up_outcome %}"
        "（{{ follow_up_outcome }}）{% endif %}，我们已记录。",
    ),
    (
        EN,
        "follow_up",
        EMAIL,
        "Feedback recorded (email)",
        "[{{ reference }}] Thank you for your feedback",
        EN_DEAR + "We have recorded your feedback on how we handled complaint {{ reference }}"
        "{% if follow_up_outcome %}: {{ follow_up_outcome }}{% endif %}.\n"
        '{% if follow_up_outcome == "Dissatisfied" %}\nAs you are not satisfied, your '
        "complaint goes back to its handler.\n{% endif %}\n"
        "Once the complaint is closed you may appeal its outcome from the tracking page within "
        "{{ appeal_window_days }} days:\n{{ track_url }}" + EN_EMAIL_END,
    ),
    (
        EN,
        "follow_up",
        SMS,
        "Feedback recorded (SMS)",
        "",
        "Thank you for your feedback on complaint {{ reference }}. We have recorded it.",
    ),
    # --- reply snippets (常用答复) ---------------------------------------------------------------
    (
        ZH,
        "reply",
        EMAIL,
        "正在核实",
        "[{{ reference }}] 关于您的投诉",
        ZH_DEAR_EMAIL + "您的投诉（编号：{{ reference }}）我们正在调查核实，有进展将及时告知您。"
        "{% if resolution_due_date %}我们将在{{ resolution_due_date }}前答复您。{% endif %}\n\n"
        "{% if handler %}经办人：{{ handler }}\n{% endif %}{{ organisation }}",
    ),
    (
        ZH,
        "reply",
        SMS,
        "正在核实",
        "",
        "您的投诉{{ reference }}正在调查核实中{% if resolution_due_date %}，我们将于"
        "{{ resolution_due_date }}前答复您{% endif %}，请耐心等待。",
    ),
    (
        ZH,
        "reply",
        EMAIL,
        "请补充材料",
        "[{{ reference }}] 请补充投诉材料",
        ZH_DEAR_EMAIL + "为尽快核实处理您的投诉（编号：{{ reference }}），"
        "请您补充提供以下情况说明或证据材料（如票据、照片、合同、通话时间等）：\n\n"
        "（请在此列明所需材料）\n\n"
        "您可以直接回复本邮件并附上材料，请保留邮件主题中的投诉编号。\n\n"
        "{% if handler %}经办人：{{ handler }}\n{% endif %}{{ organisation }}",
    ),
    (
        ZH,
        "reply",
        SMS,
        "请补充材料",
        "",
        "为核实您的投诉{{ reference }}，需要您补充相关材料，详见：{{ track_url }}",
    ),
    (
        ZH,
        "reply",
        EMAIL,
        "预约回电",
        "[{{ reference }}] 关于您的投诉，我们需要与您电话沟通",
        ZH_DEAR_EMAIL + "关于您的投诉（编号：{{ reference }}），我们需要与您电话沟通相关情况，"
        "此前致电未能接通。请回复本邮件告知您方便接听电话的时间和号码，我们将按时与您联系。\n\n"
        "{% if handler %}经办人：{{ handler }}\n{% endif %}{{ organisation }}",
    ),
    (
        ZH,
        "reply",
        SMS,
        "预约回电",
        "",
        "关于您的投诉{{ reference }}，我们致电未能接通，将于工作时间再次与您联系，请注意接听。",
    ),
    (
        ZH,
        "reply",
        EMAIL,
        "已转相关部门",
        "[{{ reference }}] 您的投诉已转相关部门办理",
        ZH_DEAR_EMAIL + "您的投诉（编号：{{ reference }}）涉及{% if department %}{{ department }}"
        "{% else %}相关部门{% endif %}的职责，已转交其办理，我们将跟进办理进度并及时答复您。\n\n"
        + ZH_TRACK
        + "\n\n{% if handler %}经办人：{{ handler }}\n{% endif %}{{ organisation }}",
    ),
    (
        ZH,
        "reply",
        SMS,
        "已转相关部门",
        "",
        "您的投诉{{ reference }}已转"
        "{% if department %}{{ department }}{% else %}相关部门{% endif %}办理，我们将及时答复您。",
    ),
    (
        EN,
        "reply",
        EMAIL,
        "We are looking into it",
        "[{{ reference }}] About your complaint",
        EN_DEAR + "We are looking into your complaint {{ reference }} and will tell you as soon as "
        "we know more."
        "{% if resolution_due_date %} We will answer you by {{ resolution_due_date }}.{% endif %}"
        "\n\n{% if handler %}{{ handler }}\n{% endif %}{{ organisation }}",
    ),
    (
        EN,
        "reply",
        SMS,
        "We are looking into it",
        "",
        "We are looking into your complaint {{ reference }}."
        "{% if resolution_due_date %} We will answer by {{ resolution_due_date }}.{% endif %}",
    ),
    (
        EN,
        "reply",
        EMAIL,
        "We need more information",
        "[{{ reference }}] We need more information about your complaint",
        EN_DEAR + "To settle your complaint {{ reference }} quickly, we need more information or "
        "evidence from you (receipts, photos, a contract, the time of a call):\n\n"
        "(list what is needed here)\n\n"
        "You can answer this email and attach the documents; keep the reference in the subject."
        "\n\n{% if handler %}{{ handler }}\n{% endif %}{{ organisation }}",
    ),
    (
        EN,
        "reply",
        SMS,
        "We need more information",
        "",
        "We need more information about your complaint {{ reference }} and will contact you.",
    ),
    (
        EN,
        "reply",
        EMAIL,
        "Call-back request",
        "[{{ reference }}] We would like to speak to you about your complaint",
        EN_DEAR + "We would like to talk to you about your complaint {{ reference }} but could "
        "not reach you by phone. Please answer this email with a time and a number at which we "
        "can call you.\n\n{% if handler %}{{ handler }}\n{% endif %}{{ organisation }}",
    ),
    (
        EN,
        "reply",
        SMS,
        "Call-back request",
        "",
        "We could not reach you about complaint {{ reference }}. We will call again in "
        "office hours.",
    ),
    (
        EN,
        "reply",
        EMAIL,
        "Passed to the department concerned",
        "[{{ reference }}] Your complaint has been passed on",
        EN_DEAR + "Your complaint {{ reference }} concerns "
        "{% if department %}{{ department }}{% else %}another department{% endif %}, and we have "
        "passed it to them. We will follow it and answer you.\n\n"
        + EN_TRACK
        + "\n\n{% if handler %}{{ handler }}\n{% endif %}{{ organisation }}",
    ),
    (
        EN,
        "reply",
        SMS,
        "Passed to the department concerned",
        "",
        "Your complaint {{ reference }} was passed to "
        "{% if department %}{{ department }}{% else %}the department concerned{% endif %}. "
        "We will answer you.",
    ),
]

AUTOMATIC_REASON = "Default templates (migration correspondence 0002)"


def _existing(MessageTemplate, language, purpose, channel, name):
    rows = MessageTemplate.objects.filter(purpose=purpose, channel=channel, language=language)
    # An automatic purpose has one template per channel and language, whatever its name.
    return rows.filter(name=name) if purpose == "reply" else rows


def create_defaults(apps, schema_editor):
    MessageTemplate = apps.get_model("correspondence", "MessageTemplate")
    Historical = apps.get_model("correspondence", "HistoricalMessageTemplate")
    now = timezone.now()
    for language, purpose, channel, name, subject, body in TEMPLATES:
        if _existing(MessageTemplate, language, purpose, channel, name).exists():
            continue
        row = MessageTemplate.objects.create(
            purpose=purpose,
            channel=channel,
            language=language,
            name=name,
            subject=subject,
            body=body,
            active=True,
        )
        # The historical model of a migration writes no history by itself: the creation row
        # is written here, so a template's history starts with where it came from.
        Historical.objects.create(
            id=row.pk,
            purpose=purpose,
            channel=channel,
            language=language,
            name=name,
            subject=subject,
            body=body,
            active=True,
            updated_at=row.updated_at,
            history_date=now,
            history_type="+",
            history_change_reason=AUTOMATIC_REASON,
        )


def remove_defaults(apps, schema_editor):
    MessageTemplate = apps.get_model("correspondence", "MessageTemplate")
    Message = apps.get_model("correspondence", "Message")
    used = Message.objects.filter(template__isnull=False).values("template_id")
    for language, purpose, channel, name, _subject, _body in TEMPLATES:
        MessageTemplate.objects.filter(
            purpose=purpose, channel=channel, language=language, name=name
        ).exclude(pk__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("correspondence", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
