"""Email intake against a real Maildir built in tmp_path from real .eml files."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core import mail as outbox
from django.core.management import CommandError, call_command
from django.utils import translation

from complaints.models import Attachment, Communication, Complaint
from correspondence.models import Message
from intake import mail
from intake.models import ImportedMessage
from tests.intake.conftest import eml

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
ORIGINAL_ID = "<20260310091451.4F2A1@mail.example.cn>"


@pytest.fixture(autouse=True)
def march_2026(time_machine):
    # The reply fixtures quote reference C-2026-000001: the first complaint of 2026.
    time_machine.move_to(dt.datetime(2026, 3, 10, 9, 30, tzinfo=SHANGHAI), tick=True)


def fetch(maildir, capsys=None, **kwargs):
    call_command("fetch_complaint_mail", maildir=maildir.path, **kwargs)
    return capsys.readouterr() if capsys else None


# --- parsing ------------------------------------------------------------------------------------


def test_parse_decodes_chinese_encoded_word_subject_gb2312_body_and_pdf_name():
    parsed = mail.parse(eml("new_zh_with_pdf.eml"))
    assert parsed.message_id == ORIGINAL_ID
    assert parsed.sender_name == "张三"
    assert parsed.sender_email == "zhang.san@example.cn"
    assert parsed.subject == "投诉：城东营业厅重复收费且服务态度恶劣"
    assert "重复收取了安装费200元" in parsed.body
    assert parsed.language == "zh-hans"
    [(name, data)] = parsed.attachments
    assert name == "收费发票.pdf"
    assert data.startswith(b"%PDF-1.4")


def test_parse_turns_html_only_mail_into_readable_text():
    parsed = mail.parse(eml("html_only_with_exe.eml"))
    assert parsed.body.splitlines()[:2] == [
        "Hello,",
        "My March bill charges the installation fee twice & nobody answers the hotline.",
    ]
    assert parsed.language == "en"


def test_own_text_drops_the_quoted_message_of_a_reply():
    parsed = mail.parse(eml("reply_zh_references.eml"))
    text = mail.own_text(parsed.body)
    assert "值班经理姓李" in text
    assert "查询码" not in text
    assert "写道" not in text


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (eml("malformed_no_sender.eml"), "no sender address"),
        (eml("autoreply.eml"), "automatic reply"),
        (b"From: <not an address>\r\nSubject: hi\r\n\r\nbody\r\n", "is not valid"),
        (b"From: a@example.com\r\nMessage-ID: <e@x>\r\n\r\n", "empty"),
    ],
)
def test_parse_refuses_malformed_and_automatic_mail_with_a_reason(raw, reason):
    with translation.override("en"), pytest.raises(mail.MalformedMail, match=reason):
        mail.parse(raw)


# --- import of new complaints ---------------------------------------------------------------------


def test_new_message_becomes_an_email_complaint_with_its_pdf_and_an_acknowledgement(
    db, maildir, capsys, on_commit
):
    maildir.deliver("new_zh_with_pdf.eml")
    with on_commit():
        out = fetch(maildir, capsys)

    complaint = Complaint.objects.get()
    assert complaint.reference == "C-2026-000001"
    assert complaint.channel == "email"
    assert complaint.state == "received"
    assert complaint.created_by is None
    assert complaint.complainant_name == "张三"
    assert complaint.complainant_email == "zhang.san@example.cn"
    assert complaint.complainant_language == "zh-hans"
    assert complaint.description.startswith("投诉：城东营业厅重复收费且服务态度恶劣\n\n您好：")
    attachment = Attachment.objects.get(complaint=complaint)
    assert attachment.original_name == "收费发票.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.public is True
    assert attachment.file.read().startswith(b"%PDF")
    assert ImportedMessage.objects.get().outcome == "new"
    assert "new       C-2026-000001" in out.out
    assert "1 new complaint(s)" in out.out
    # The acknowledgement answers the complainant's own message, in Chinese.
    [ack] = outbox.outbox
    assert ack.to == ["zhang.san@example.cn"]
    assert ack.subject == "[C-2026-000001] Received"
    assert complaint.tracking_code in ack.body and ack.body.endswith("(zh-hans)")
    assert ack.extra_headers["In-Reply-To"] == ORIGINAL_ID
    # The complainant's own email is on the timeline, by its Message-ID (what threads answers).
    own = complaint.communications.get()
    assert (own.direction, own.medium, own.author, own.message_id) == (
        "in",
        "email",
        None,
        ORIGINAL_ID,
    )
    # The mailbox is left with nothing to import: the message moved to the Imported folder.
    assert maildir.inbox_count() == 0
    assert maildir.imported_count() == 1


def test_forbidden_attachment_is_not_kept_but_the_complaint_is_and_says_so(db, maildir):
    maildir.deliver("html_only_with_exe.eml")
    fetch(maildir)
    complaint = Complaint.objects.get()
    assert complaint.complainant_email == "mary.jones@example.com"
    assert complaint.complainant_language == "en"
    assert not complaint.attachments.exists()
    # Staff see which file was dropped, and why, at the end of the complainant's account.
    note = complaint.description.splitlines()[-1]
    assert note.startswith("[") and "bill.pdf.exe" in note


# --- replies ------------------------------------------------------------------------------------


def test_reply_naming_the_original_in_references_is_threaded_not_registered(
    db, maildir, capsys, on_commit
):
    maildir.deliver("new_zh_with_pdf.eml")
    fetch(maildir)
    outbox.outbox.clear()
    maildir.deliver("reply_zh_references.eml")
    with on_commit():
        out = fetch(maildir, capsys)

    complaint = Complaint.objects.get()  # still one complaint
    own, comm = Communication.objects.filter(complaint=complaint).order_by("id")
    assert own.message_id == ORIGINAL_ID  # the complaint's own email, then the reply
    assert comm.direction == "in"
    assert comm.medium == "email"
    assert comm.public is False
    assert comm.author is None
    assert comm.message_id == "<20260310100213.9C31B@mail.example.cn>"
    assert "值班经理姓李" in comm.summary
    assert "查询码" not in comm.summary  # the quoted acknowledgement is left out
    assert comm.history.get().history_transition == "communication"
    assert "reply     C-2026-000001" in out.out
    assert outbox.outbox == []  # a reply is not acknowledged as a new complaint


def test_reply_with_the_reference_in_the_subject_from_the_complainant_is_threaded(db, maildir):
    maildir.deliver("new_zh_with_pdf.eml")
    maildir.deliver("reply_en_subject_only.eml")
    fetch(maildir)
    complaint = Complaint.objects.get()
    _own, comm = complaint.communications.order_by("id")
    assert comm.summary.startswith("Re: [C-2026-000001] We have received your complaint")
    assert "Please call me after 6 pm." in comm.summary
    assert "Reference: C-2026-000001" not in comm.summary


def test_stranger_quoting_a_reference_gets_a_complaint_of_their_own(db, maildir):
    maildir.deliver("new_zh_with_pdf.eml")
    fetch(maildir)
    maildir.deliver("stranger_quotes_reference.eml")
    fetch(maildir)
    original, stranger = Complaint.objects.order_by("id")
    assert list(original.communications.values_list("message_id", flat=True)) == [ORIGINAL_ID]
    assert stranger.complainant_email == "someone@example.org"
    assert ImportedMessage.objects.get(complaint=stranger).outcome == "new"


def test_reply_to_an_acknowledgement_is_threaded_by_its_in_reply_to(db, web_complaint, on_commit):
    with on_commit():
        complaint = web_complaint(complainant_email="zhang.san@example.cn")
    ack_id = Message.objects.get(complaint=complaint, purpose="acknowledgement").message_id
    assert ack_id
    raw = (
        f"From: Zhang San <zhang.san@example.cn>\r\nSubject: thanks\r\n"
        f"Message-ID: <r1@mail.example.cn>\r\nIn-Reply-To: {ack_id}\r\n\r\nOne more detail.\r\n"
    ).encode()
    result = mail.import_message(raw)
    assert result.outcome == "reply"
    assert result.complaint == complaint
    assert complaint.communications.get().summary == "thanks\n\nOne more detail."


# --- never twice ----------------------------------------------------------------------------------


def test_running_the_import_again_imports_nothing_again(db, maildir, capsys):
    maildir.deliver("new_zh_with_pdf.eml")
    maildir.deliver("reply_zh_references.eml")
    fetch(maildir)
    out = fetch(maildir, capsys)
    assert Complaint.objects.count() == 1
    assert Communication.objects.count() == 2  # the complaint's own email and the reply
    assert "0 new complaint(s), 0 repl(y/ies) threaded, 0 already imported" in out.out


def test_the_same_message_delivered_twice_is_imported_once(db, maildir, capsys):
    maildir.deliver("new_zh_with_pdf.eml")
    maildir.deliver("reply_zh_references.eml")
    fetch(maildir)
    maildir.deliver("new_zh_with_pdf.eml")  # a second copy (redelivery, a forward rule...)
    maildir.deliver("reply_zh_references.eml")
    out = fetch(maildir, capsys)
    assert Complaint.objects.count() == 1
    assert Communication.objects.count() == 2  # the complaint's own email and the reply
    assert Attachment.objects.count() == 1
    assert "0 new complaint(s), 0 repl(y/ies) threaded, 2 already imported" in out.out
    assert maildir.inbox_count() == 0


def test_a_message_left_in_the_inbox_after_a_crash_is_recognised_by_its_message_id(db):
    first = mail.import_message(eml("new_zh_with_pdf.eml"))
    again = mail.import_message(eml("new_zh_with_pdf.eml"))
    assert (first.outcome, again.outcome) == ("new", "duplicate")
    assert Complaint.objects.count() == 1


# --- refused mail ---------------------------------------------------------------------------------


def test_malformed_and_automatic_mail_is_refused_with_a_reason_and_nothing_saved(
    db, maildir, capsys
):
    maildir.deliver("malformed_no_sender.eml")
    maildir.deliver("autoreply.eml")
    with translation.override("en"):
        out = fetch(maildir, capsys)
    assert not Complaint.objects.exists()
    assert not Communication.objects.exists()
    assert "refused" in out.err
    assert "The message has no sender address." in out.err
    assert "An automatic reply or delivery report; not imported." in out.err
    assert set(ImportedMessage.objects.values_list("outcome", flat=True)) == {"refused"}
    # Refused once is enough: they are not reported again on the next run.
    assert maildir.inbox_count() == 0
    again = fetch(maildir, capsys)
    assert again.err == ""


def test_the_command_refuses_to_run_without_a_configured_mailbox(db, settings):
    settings.REDRESS_MAIL_SOURCE = ""
    with pytest.raises(CommandError, match="REDRESS_MAIL_SOURCE"):
        call_command("fetch_complaint_mail")


def test_the_command_reads_the_maildir_named_in_settings(db, settings, maildir):
    settings.REDRESS_MAIL_SOURCE = "maildir"
    settings.REDRESS_MAIL_MAILDIR = maildir.path
    maildir.deliver("new_zh_with_pdf.eml")
    call_command("fetch_complaint_mail")
    assert Complaint.objects.filter(channel="email").count() == 1


def test_a_missing_maildir_is_a_clear_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="is not a Maildir"):
        call_command("fetch_complaint_mail", maildir=str(tmp_path / "nowhere"))


def test_the_scheduled_task_imports_through_the_same_path(db, settings, maildir):
    from intake.tasks import fetch_mail

    assert fetch_mail() == "email intake is off"
    settings.REDRESS_MAIL_SOURCE = "maildir"
    settings.REDRESS_MAIL_MAILDIR = maildir.path
    maildir.deliver("new_zh_with_pdf.eml")
    maildir.deliver("autoreply.eml")
    assert fetch_mail() == "new: 1, refused: 1"


# --- IMAP ---------------------------------------------------------------------------------------


class FakeImap:
    """Stands in for imaplib.IMAP4_SSL: a mailbox of (uid, raw, flags) and the calls we use."""

    messages: dict[bytes, tuple[bytes, set]] = {}
    calls: list = []

    def __init__(self, host, port):
        self.calls.append(("connect", host, port))

    def login(self, user, password):
        self.calls.append(("login", user))
        return "OK", [b"Logged in"]

    def select(self, folder):
        return "OK", [str(len(self.messages)).encode()]

    def uid(self, command, *args):
        if command == "SEARCH":
            unseen = [u for u, (_raw, flags) in self.messages.items() if "\\Seen" not in flags]
            return "OK", [b" ".join(unseen)]
        if command == "FETCH":
            raw, _flags = self.messages[args[0]]
            return "OK", [(args[0] + b" (UID " + args[0] + b" BODY[] {1}", raw), b")"]
        if command == "STORE":
            self.messages[args[0]][1].add("\\Seen")
            return "OK", []
        raise AssertionError(command)

    def close(self):
        return "OK", []

    def logout(self):
        return "BYE", []


def test_imap_source_imports_unseen_messages_and_flags_them_seen(db, settings, monkeypatch):
    FakeImap.messages = {
        b"7": (eml("new_zh_with_pdf.eml"), set()),
        b"8": (eml("reply_zh_references.eml"), set()),
        b"9": (eml("html_only_with_exe.eml"), {"\\Seen"}),  # read by a person: left alone
    }
    FakeImap.calls = []
    monkeypatch.setattr(mail.imaplib, "IMAP4_SSL", FakeImap)
    settings.REDRESS_MAIL_SOURCE = "imap"
    settings.REDRESS_MAIL_IMAP_HOST = "imap.example.cn"
    settings.REDRESS_MAIL_IMAP_USER = "complaints"
    call_command("fetch_complaint_mail")
    assert ("connect", "imap.example.cn", 993) in FakeImap.calls
    assert Complaint.objects.get().communications.count() == 2  # its own email, the reply
    assert all("\\Seen" in flags for _raw, flags in FakeImap.messages.values())
    call_command("fetch_complaint_mail")  # nothing unseen left
    assert Complaint.objects.count() == 1


def test_an_attachment_name_with_folders_is_kept_as_a_plain_file_name(db):
    import base64

    from tests.intake.conftest import PDF

    raw = (
        "From: a@example.cn\r\nMessage-ID: <path@example.cn>\r\nSubject: scan\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the receipt.\r\n"
        "--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        'Content-Disposition: attachment; filename="..\\\\..\\\\windows/../收据.pdf"\r\n\r\n'
        f"{base64.b64encode(PDF).decode()}\r\n--b--\r\n"
    ).encode()
    result = mail.import_message(raw)
    attachment = result.complaint.attachments.get()
    assert attachment.original_name == "收据.pdf"
    assert ".." not in attachment.file.name


def test_an_overlong_sender_address_is_refused(db):
    raw = f"From: {'a' * 250}@example.cn\r\nMessage-ID: <long@x>\r\n\r\nhello\r\n".encode()
    assert mail.import_message(raw).outcome == "refused"
    assert not Complaint.objects.exists()
