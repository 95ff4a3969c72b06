"""Email intake: read the intake mailbox (IMAP or a local Maildir), turn new messages into
complaints on the email channel and thread replies into the complaint they answer.

A message is imported at most once, by Message-ID (``ImportedMessage``, unique, written in the
same transaction as the complaint or communication). The mailbox is then told the message is
done (IMAP: the \\Seen flag; Maildir: moved into the ``Imported`` folder), but that is only to
keep the next run short: a message delivered twice, or left behind by a crash between the commit
and the move, is recognised by its Message-ID and skipped.
"""

from __future__ import annotations

import email
import email.errors
import hashlib
import html
import imaplib
import logging
import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from complaints import services
from complaints.models import Channel, Communication, Complaint
from complaints.uploads import check_upload
from correspondence import selectors as outbox
from intake import services as intake_services
from intake.models import ImportedMessage

logger = logging.getLogger(__name__)

MAILDIR_ARCHIVE = "Imported"
_MSGID = re.compile(r"<[^<>\s]+>")
_BLOCK_END = re.compile(r"<br\s*/?>|</(p|div|li|tr|h[1-6])>", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_REPLY_SUBJECT = re.compile(r"^\s*(re|aw|sv|答复|回复)\s*[:：]", re.IGNORECASE)
# Where a reply's own text ends and the quoted message begins.
_QUOTE_START = re.compile(
    r"^(On .+ wrote:|-{2,}\s*Original Message\s*-{2,}|-{2,}\s*原始邮件\s*-{2,}|在.+写道[:：]"
    r"|From: .+|发件人[:：].+)\s*$",
    re.IGNORECASE,
)


class MalformedMail(Exception):
    """The message cannot become a complaint (no sender, nothing in it, too big...)."""


@dataclass
class ParsedMail:
    message_id: str
    sender_name: str
    sender_email: str
    subject: str
    body: str
    refers_to: list[str] = field(default_factory=list)  # In-Reply-To and References
    attachments: list[tuple[str, bytes]] = field(default_factory=list)

    @property
    def language(self) -> str:
        return "zh-hans" if _CJK.search(self.subject + self.body) else "en"

    @property
    def looks_like_reply(self) -> bool:
        return bool(self.refers_to) or bool(_REPLY_SUBJECT.match(self.subject))


def message_id_of(raw: bytes, header: str | None) -> str:
    """The message's Message-ID, or a stable stand-in derived from its bytes."""
    found = _MSGID.search(header or "")
    if found and len(found.group(0)) <= 250:
        return found.group(0)
    return f"<{hashlib.sha256(raw).hexdigest()}@redress.invalid>"


def _decode_text(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True) or b""
    charset = (part.get_content_charset() or "utf-8").lower()
    if charset in ("gb2312", "gbk", "x-gbk"):
        charset = "gb18030"  # the superset: real mail labelled gb2312 often holds GBK characters
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        return payload.decode("utf-8", errors="replace")


def _is_automatic(msg: EmailMessage) -> bool:
    """Auto-replies and bounces (RFC 3834): importing them would answer an autoresponder with an
    acknowledgement, and so on forever."""
    auto = str(msg.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(msg.get("Precedence", "")).strip().lower()
    return (
        auto not in ("", "no")
        or precedence in ("bulk", "junk", "auto_reply")
        or msg.get_content_type() == "multipart/report"
        or "X-Autoreply" in msg
        or "X-Autorespond" in msg
    )


def parse(raw: bytes) -> ParsedMail:
    """Parse one RFC 5322 message; raise MalformedMail with a reason a person can act on."""
    if len(raw) > settings.REDRESS_MAIL_MAX_BYTES:
        raise MalformedMail(_("The message is larger than the intake limit."))
    try:
        msg = email.message_from_bytes(raw, policy=policy.default)
        message_id = message_id_of(raw, str(msg.get("Message-ID", "")))
        if _is_automatic(msg):
            raise MalformedMail(_("An automatic reply or delivery report; not imported."))
        try:
            sender = msg["From"].addresses[0] if msg["From"] is not None else None
        except (IndexError, AttributeError):
            sender = None
        if sender is None or not sender.addr_spec:
            raise MalformedMail(_("The message has no sender address."))
        try:
            if len(sender.addr_spec) > 254:
                raise ValidationError("too long")
            validate_email(sender.addr_spec)
        except ValidationError as exc:
            raise MalformedMail(
                _("The sender address %(address)s is not valid.") % {"address": sender.addr_spec}
            ) from exc
        subject = " ".join(str(msg.get("Subject", "")).split())
        body_part = msg.get_body(preferencelist=("plain", "html"))
        body = ""
        if body_part is not None:
            body = _decode_text(body_part).replace("\r\n", "\n")
            if body_part.get_content_subtype() == "html":
                body = html.unescape(strip_tags(_BLOCK_END.sub("\n", body)))
        refers_to = _MSGID.findall(
            " ".join(str(msg.get(h, "")) for h in ("In-Reply-To", "References"))
        )
        attachments = []
        for index, part in enumerate(msg.iter_attachments(), start=1):
            if part.get_content_type() == "message/rfc822":
                inner = part.get_payload()[0]
                attachments.append((f"forwarded-{index}.eml", inner.as_bytes()))
                continue
            name = _safe_name(part.get_filename() or "") or f"attachment-{index}"
            attachments.append((name, part.get_payload(decode=True) or b""))
    except MalformedMail:
        raise
    except (email.errors.MessageError, ValueError, TypeError, LookupError, AttributeError) as exc:
        # The email package raises these on damaged headers, encodings and MIME structure.
        logger.info("unparseable message: %r", exc)
        raise MalformedMail(_("The message is damaged and cannot be read.")) from exc
    body = body.strip()
    if not body and not subject and not attachments:
        raise MalformedMail(_("The message is empty."))
    return ParsedMail(
        message_id=message_id,
        sender_name=sender.display_name or "",
        sender_email=sender.addr_spec,
        subject=subject[:300],
        body=body,
        refers_to=refers_to[-20:],
        attachments=attachments,
    )


def _safe_name(name: str) -> str:
    """A sender-chosen file name without folders or control characters (``../../x.pdf``,
    ``C:\\scan.pdf``), so the storage never sees a path."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip(" .")


def own_text(body: str) -> str:
    """A reply without the message it quotes (lines after "On ... wrote:", "> " lines)."""
    kept = []
    for line in body.splitlines():
        if _QUOTE_START.match(line.strip()):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    text = "\n".join(kept).strip()
    return text or body


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    outcome: str  # "new", "reply", "duplicate" (already imported) or "refused"
    message_id: str
    complaint: Complaint | None = None
    detail: str = ""


def _reference_pattern() -> re.Pattern:
    return re.compile(rf"\b{re.escape(settings.REDRESS_REFERENCE_PREFIX)}-\d{{4}}-\d{{6}}\b")


def _thread_target(parsed: ParsedMail) -> Complaint | None:
    """The complaint this message answers, if any.

    1. Its In-Reply-To/References name a message we sent (any message of the outbox) or
       imported.
    2. Its subject (or, for a message that is a reply, its body) names a reference, and it comes
       from the address that complaint was filed with: a stranger quoting a reference does not
       get to write into someone else's complaint; their message becomes a complaint of its own.
    """
    if parsed.refers_to:
        complaint_id = (
            outbox.complaint_id_for_message_ids(parsed.refers_to)
            or ImportedMessage.objects.filter(
                message_id__in=parsed.refers_to, complaint__isnull=False
            )
            .values_list("complaint_id", flat=True)
            .first()
            or Communication.objects.filter(message_id__in=parsed.refers_to)
            .values_list("complaint_id", flat=True)
            .first()
        )
        if complaint_id:
            return Complaint.objects.get(pk=complaint_id)
    text = parsed.subject + ("\n" + parsed.body if parsed.looks_like_reply else "")
    references = list(dict.fromkeys(_reference_pattern().findall(text)))[:5]
    if not references:
        return None
    sender = services.normalise_email(parsed.sender_email)
    return (
        Complaint.objects.filter(reference__in=references, complainant_email_norm=sender)
        .order_by("-received_at")
        .first()
    )


def _checked_files(parsed: ParsedMail) -> tuple[list[intake_services.Evidence], list[str]]:
    kept, refused = [], []
    for name, data in parsed.attachments:
        upload = ContentFile(data, name=name)
        try:
            kept.append(intake_services.Evidence(file=upload, checked=check_upload(upload)))
        except ValidationError as exc:
            refused.append(
                _("[Attachment not kept: %(reason)s]") % {"reason": " ".join(exc.messages)}
            )
    return kept, refused


def import_message(raw: bytes) -> ImportResult:
    """Import one raw message; idempotent by Message-ID."""
    try:
        parsed = parse(raw)
    except MalformedMail as exc:
        return _refuse(raw, str(exc))
    if ImportedMessage.objects.filter(message_id=parsed.message_id).exists():
        return ImportResult("duplicate", parsed.message_id)
    evidence, refused = _checked_files(parsed)
    try:
        with transaction.atomic():
            target = _thread_target(parsed)
            if target is not None:
                result = _thread(parsed, target, evidence, refused)
            else:
                result = _new_complaint(parsed, evidence, refused)
            ImportedMessage.objects.create(
                message_id=parsed.message_id,
                outcome=result.outcome,
                complaint=result.complaint,
                sender=parsed.sender_email[:254],
                subject=parsed.subject,
                detail="\n".join(refused),
            )
    except IntegrityError:
        # Another run imported the same Message-ID meanwhile (ours rolled back entirely).
        return ImportResult("duplicate", parsed.message_id)
    return result


def _thread(parsed, target, evidence, refused) -> ImportResult:
    summary = "\n\n".join(
        p for p in (parsed.subject, own_text(parsed.body), "\n".join(refused)) if p
    )
    services.log_communication(
        target,
        by=None,
        medium=Communication.Medium.EMAIL,
        direction=Communication.Direction.INBOUND,
        summary=summary,
        message_id=parsed.message_id,
    )
    for item in evidence:
        intake_services.attach(target, by=None, evidence=item)
    return ImportResult("reply", parsed.message_id, target)


def _new_complaint(parsed, evidence, refused) -> ImportResult:
    description = "\n\n".join(
        p for p in (parsed.subject, parsed.body, "\n".join(refused)) if p
    ) or _("(no text)")
    # No idempotency key: the message's ImportedMessage row, written in the caller's
    # transaction, is what makes an import happen once, so this always creates a complaint.
    complaint, _created = intake_services.register(
        by=None,
        channel=Channel.EMAIL,
        description=description,
        evidence=evidence,
        complainant_name=parsed.sender_name[:120],
        complainant_email=parsed.sender_email,
        complainant_language=parsed.language,
    )
    # The complainant's own email on the timeline, by its Message-ID: our answers name it in
    # In-Reply-To, so they sit in the complainant's thread (correspondence reads it from the
    # communication, never from intake's tables).
    services.log_communication(
        complaint,
        by=None,
        medium=Communication.Medium.EMAIL,
        direction=Communication.Direction.INBOUND,
        summary=parsed.subject or _("(no subject)"),
        occurred_at=complaint.received_at,
        message_id=parsed.message_id,
    )
    return ImportResult("new", parsed.message_id, complaint)


def _refuse(raw: bytes, reason: str) -> ImportResult:
    try:
        header = email.message_from_bytes(raw[:65536], policy=policy.compat32).get("Message-ID")
    except Exception:  # noqa: BLE001 - the id is best effort; the raw bytes give a stand-in
        header = None
    message_id = message_id_of(raw, str(header or ""))
    _row, created = ImportedMessage.objects.get_or_create(
        message_id=message_id,
        defaults={"outcome": ImportedMessage.Outcome.REFUSED, "detail": reason},
    )
    if not created:
        return ImportResult("duplicate", message_id)
    return ImportResult("refused", message_id, detail=reason)


# ---------------------------------------------------------------------------------------------
# Mailboxes
# ---------------------------------------------------------------------------------------------


class MaildirSource:
    """A local Maildir: every message in the inbox is new to us; once handled it is moved into
    the ``Imported`` Maildir++ folder, so the inbox only ever holds what is still to import."""

    def __init__(self, path: str) -> None:
        if not path or not (Path(path) / "new").is_dir():
            raise ImproperlyConfigured(f"REDRESS_MAIL_MAILDIR={path!r} is not a Maildir")
        self.inbox = mailbox.Maildir(path, factory=None, create=False)
        self.archive = self.inbox.add_folder(MAILDIR_ARCHIVE)

    def messages(self, limit: int) -> Iterator[tuple[str, bytes]]:
        for count, key in enumerate(sorted(self.inbox.iterkeys())):
            if count >= limit:
                return
            yield key, self.inbox.get_bytes(key)

    def done(self, key: str, raw: bytes) -> None:
        # Copy first, then remove: a crash in between leaves a copy the next run skips by id.
        self.archive.add(raw)
        self.inbox.discard(key)

    def close(self) -> None:
        self.inbox.close()


class ImapSource:
    """An IMAP folder: unseen messages are fetched without marking them (BODY.PEEK) and flagged
    \\Seen only once handled."""

    def __init__(self) -> None:
        host = settings.REDRESS_MAIL_IMAP_HOST
        if not host:
            raise ImproperlyConfigured("REDRESS_MAIL_IMAP_HOST is not set")
        if settings.REDRESS_MAIL_IMAP_SSL:
            self.conn = imaplib.IMAP4_SSL(host, settings.REDRESS_MAIL_IMAP_PORT)
        else:
            self.conn = imaplib.IMAP4(host, settings.REDRESS_MAIL_IMAP_PORT)
            self.conn.starttls()
        self.conn.login(settings.REDRESS_MAIL_IMAP_USER, settings.REDRESS_MAIL_IMAP_PASSWORD)
        typ, _data = self.conn.select(settings.REDRESS_MAIL_IMAP_FOLDER)
        if typ != "OK":
            raise ImproperlyConfigured(
                f"IMAP folder {settings.REDRESS_MAIL_IMAP_FOLDER!r} cannot be selected"
            )

    def messages(self, limit: int) -> Iterator[tuple[bytes, bytes]]:
        typ, data = self.conn.uid("SEARCH", None, "UNSEEN")
        if typ != "OK":
            return
        for uid in (data[0] or b"").split()[:limit]:
            typ, fetched = self.conn.uid("FETCH", uid, "(BODY.PEEK[])")
            if typ != "OK":
                continue
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), None)
            if raw:
                yield uid, raw

    def done(self, uid: bytes, raw: bytes) -> None:
        self.conn.uid("STORE", uid, "+FLAGS", "(\\Seen)")

    def close(self) -> None:
        try:
            self.conn.close()
        finally:
            self.conn.logout()


def open_source(kind: str = "", maildir: str = ""):
    kind = kind or settings.REDRESS_MAIL_SOURCE
    if kind == "maildir":
        return MaildirSource(maildir or settings.REDRESS_MAIL_MAILDIR)
    if kind == "imap":
        return ImapSource()
    raise ImproperlyConfigured("Email intake is off: set REDRESS_MAIL_SOURCE to maildir or imap.")


def _sent_at(raw: bytes) -> float:
    """The Date header as a timestamp (0 when missing or unreadable)."""
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        return parsedate_to_datetime(str(headers.get("Date", ""))).timestamp()
    except (TypeError, ValueError, IndexError):
        return 0.0


def fetch(source, *, limit: int | None = None) -> list[ImportResult]:
    """Import up to ``limit`` messages from ``source``; each is marked done once handled.

    A batch is imported in the order the messages were written (Date header), so a complaint
    and the complainant's follow-up that arrive in one batch become one complaint and a reply,
    whatever order the mailbox lists them in.
    """
    results = []
    try:
        batch = list(source.messages(limit or settings.REDRESS_MAIL_BATCH))
        for key, raw in sorted(batch, key=lambda item: _sent_at(item[1])):
            result = import_message(raw)
            results.append(result)
            source.done(key, raw)
    finally:
        source.close()
    return results
