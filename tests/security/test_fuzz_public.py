"""Property-based fuzzing (Hypothesis) of the two doors strangers can knock on: the public
complaint form at /submit/ and the Open311 GeoReport v2 endpoint under /open311/v2/.

Every generated request must get a clear answer, and the database must agree with it:

* never a 5xx; input the form or the spec refuses gets a 4xx (413, 403, 400, 404, 405), input they
  accept gets the documented success (302 to /submit/done/, 201 Created, 200 for reads);
* nothing half-done: each example runs in its own savepoint and counts rows before and after. A
  refused request leaves no complaint, history row, audit record, attachment, stored file,
  idempotency key, notice, escalation or Open311 row behind and queues no on-commit work; an
  accepted one adds exactly one complaint with its one "register" history row, its files, its
  key and its acknowledgement (the on-commit notice runs in-process, as a commit would run it).

The generated text mixes Chinese, emoji, control characters, NUL bytes, strings around every
length limit, HTML/script and SQL probes, invalid UTF-8 (raw bytes bodies, percent-encoded bytes),
wrong content types, duplicated and missing fields, lying Content-Length headers, huge and
non-finite numbers, bad dates, bad lat/long, unknown service codes and jurisdictions, JSON and XML
bodies (well-formed or not), and uploads whose bytes, names and claimed types disagree.

The expected answer is worked out from the generated input by the rules the form and the spec
state (required fields and length limits after trimming, the phone-or-email rule, the sniffed
file types, lat and long together, the order of the Open311 checks...), not by calling the
application's code. Where a generated value may honestly go either way (a random string in an
email field), the test accepts either answer but still checks that the database agrees with it.

Bounded for CI: ``REDRESS_FUZZ_EXAMPLES`` examples per test (default 100; the file takes about
15 s on two cores), derandomised so that a failure reproduces. A longer local session
(``-p no:logging`` keeps the log of the refusals quiet; 3,000 examples take a few minutes):

    REDRESS_FUZZ_EXAMPLES=1000 scripts/with-postgres .venv/bin/pytest -p no:logging \
        tests/security/test_fuzz_public.py

The inputs that failed the server when this was written are pinned down as plain tests at the
end of the file.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl, quote, quote_from_bytes, unquote
from xml.etree import ElementTree as ET  # noqa: S405 - parsing the application's own answers

import hypothesis
import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from hypothesis import HealthCheck, event, given, note
from hypothesis import strategies as st

from complaints.models import Attachment, Communication, Complaint, IdempotencyKey, Note
from complaints.phones import validate_phone
from correspondence.models import Message
from escalation.models import Escalation, Notice
from intake.models import Open311Request
from reporting.models import AuditRecord
from tests.security.conftest import FUZZ_API_KEY, FUZZ_JURISDICTION, FUZZ_UPLOAD_MAX_BYTES

MAX_EXAMPLES = int(os.environ.get("REDRESS_FUZZ_EXAMPLES", "100"))
FUZZ = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # The fixtures (database, settings, categories) are shared by the examples of a test on
    # purpose: every example resets what it touches itself (its savepoint is rolled back, the
    # rate-limit cache cleared, a new client made), so the function scope is safe here.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

OK, BAD, EITHER = "ok", "bad", "either"

# --- what is counted ------------------------------------------------------------------------------

COUNTED = {
    "complaint": Complaint,
    "complaint history": Complaint.history.model,
    "attachment": Attachment,
    "attachment history": Attachment.history.model,
    "note": Note,
    "communication": Communication,
    "idempotency key": IdempotencyKey,
    "message to the complainant": Message,
    "open311 request": Open311Request,
    "escalation": Escalation,
    "escalation notice": Notice,
    "audit record": AuditRecord,
}
# One round trip; the table names come from the models, not from any input.
_CENSUS_SQL = "SELECT " + ", ".join(  # noqa: S608
    f'(SELECT COUNT(*) FROM "{model._meta.db_table}")'  # noqa: S608
    for model in COUNTED.values()
)


def census() -> dict[str, int]:
    """Row counts of everything a request could leave behind, files on disk, mail sent."""
    with connection.cursor() as cursor:
        cursor.execute(_CENSUS_SQL)
        counts = dict(zip(COUNTED, cursor.fetchone(), strict=True))
    counts["media files"] = sum(len(files) for _d, _s, files in os.walk(settings.MEDIA_ROOT))
    counts["mail sent"] = len(mail.outbox)
    return counts


def emails_sent(complaint: Complaint) -> int:
    """The complaint's messages that went out by email (the outbox picks the channel and a
    template must exist for it)."""
    return Message.objects.filter(complaint=complaint, channel="email", status="sent").count()


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after[name] - before[name] for name in before if after[name] != before[name]}


@dataclass
class Sent:
    """One request as sent: its response, what it queued for after commit, and what changed."""

    response: object
    queued: list
    changed: dict[str, int]
    before: dict[str, int]


@contextmanager
def isolated_example() -> Iterator[None]:
    """Each example starts from the same database and an empty rate-limit cache."""
    caches[settings.REDRESS_RATE_LIMIT_CACHE].clear()
    with transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


def send(capture, client: Client, method: str, path: str, **kwargs) -> Sent:
    before = census()
    # The on-commit callbacks (the acknowledgement task) run here, as a real commit runs them;
    # callbacks of a savepoint the application rolled back are discarded, as in production.
    with capture(execute=True) as queued:
        response = client.generic(method, path, **kwargs)
    after = census()
    return Sent(response, list(queued), delta(before, after), before)


def short(value, limit: int = 80) -> str:
    """A generated value for the failure report, long runs abbreviated."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit // 2]}…{text[-limit // 4 :]} ({len(text)} characters)"


def describe(case) -> str:
    """The generated request, readable in a failure report (Hypothesis prints it via note())."""
    lines = [f"{type(case).__name__}:"]
    for name, value in vars(case).items():
        if isinstance(value, list) and value and isinstance(value[0], tuple):
            lines.append(f"  {name}:")
            lines += [f"    {key!r}: {short(item)}" for key, item in value]
        elif isinstance(value, list):
            lines.append(f"  {name}:")
            lines += [f"    {short(vars(item), 300)}" for item in value]
        else:
            lines.append(f"  {name}: {short(value)}")
    return "\n".join(lines)


def assert_nothing_stored(sent: Sent) -> None:
    assert sent.changed == {}, (
        f"a refused request ({sent.response.status_code}) stored {sent.changed}"
    )
    assert sent.queued == [], "a refused request queued work for after the commit"


def newest_complaint() -> Complaint:
    return Complaint.objects.order_by("-pk").first()


# --- generated text -------------------------------------------------------------------------------

PROBES = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(2)>",
    "javascript:alert(3)",
    "'; DROP TABLE complaints_complaint;--",
    "' OR '1'='1' --",
    "1); SELECT pg_sleep(10);--",
    "{{ 7|add:7 }}{% debug %}",
    "${jndi:ldap://example.invalid/a}",
    "../../../../etc/passwd",
    "%s%n%x%d",
    "\u202egpj.exe",
    "\ufeff\u200b\u200d",
    "𝕿𝖍𝖊 👨\u200d👩\u200d👧 🇨🇳",
    "营业员拒绝为我办理退费，还说这是公司规定。",
    "王芳",
    "Ω≈ç√∫µ≤≥÷",
    "\r\n\r\n",
    "\x1b[31mred\x1b[0m",
    "\\x00\\u0000",
    "NULL",
    "<![CDATA[x]]>&amp;&#0;",
]
# Strings that only appear in a page if a probe was rendered as markup instead of text.
LIVE_MARKUP = ["<script>alert(", "<img src=x", "<svg/onload"]

_controls = st.text(
    st.characters(
        codec="utf-8", categories=["Cc", "Cf", "Zs", "Zl", "Zp"], exclude_characters="\x00"
    ),
    min_size=1,
    max_size=4,
)
_clean_piece = st.one_of(
    st.sampled_from(PROBES),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12),
    _controls,
)
_any_piece = st.one_of(_clean_piece, st.just("\x00"), st.text(max_size=8))


def clean_text(limit: int, *, required: bool = False) -> st.SearchStrategy[bytes]:
    """Text the form must accept: no NUL, within the limit, not blank when required."""
    brief = st.lists(_clean_piece, max_size=4).map("".join)
    near_limit = st.tuples(st.sampled_from(["长", "a", "👍", "<b>"]), st.integers(0, 3)).map(
        lambda t: (t[0] * limit)[: limit - t[1]]
    )
    prefix = "投诉 " if required else ""
    return st.one_of(brief, near_limit).map(lambda s: (prefix + s)[:limit].encode())


def hostile_text(limit: int) -> st.SearchStrategy[bytes]:
    """Anything: NUL bytes, blanks, invalid UTF-8, strings just over and under the limit."""
    return st.one_of(
        st.lists(_any_piece, max_size=5).map(lambda parts: "".join(parts).encode()),
        st.sampled_from([b"", b" ", b"\t\r\n \xe3\x80\x80", b"\x00", b"\xff\xfe", b"\xc3\x28"]),
        st.binary(max_size=24),
        st.tuples(
            st.sampled_from(["长", "a", "👍", "<b>", "\u3000", "\x00", "\u0085"]),
            st.integers(max(limit - 2, 0), limit + 3),
            st.sampled_from(["", " ", "x"]),
        ).map(lambda t: (t[2] + t[0] * t[1] + t[2]).encode()),
    )


def text_verdict(value: str | None, limit: int, *, required: bool = False) -> str:
    """A text field: trimmed, no NUL character, at most ``limit`` characters, not blank if
    required."""
    trimmed = (value or "").strip()
    if "\x00" in trimmed or len(trimmed) > limit or (required and not trimmed):
        return BAD
    return OK


VALID_EMAILS = [
    "wang.fang@example.cn",
    "li.lei+complaint@mail.example.com",
    "o'brien@example.ie",
    "x@例子.中国",
    " zhang.wei@example.cn ",
]
INVALID_EMAILS = ["wang.fang@", "@example.cn", "a b@example.cn", "<script>@x.cn", "a@b", "a@@b.cn"]


def email_strategy() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.sampled_from(VALID_EMAILS + INVALID_EMAILS).map(str.encode),
        hostile_text(254),
        st.integers(240, 260).map(lambda n: ("a" * n + "@example.cn").encode()),
    )


def email_verdict(value: str | None) -> str:
    trimmed = (value or "").strip()
    if not trimmed or trimmed in {e.strip() for e in VALID_EMAILS}:
        return OK
    if "\x00" in trimmed or len(trimmed) > 254 or trimmed in INVALID_EMAILS:
        return BAD
    if "@" not in trimmed:
        return BAD
    return EITHER


def last(fields: list[tuple[str, str]], name: str) -> str | None:
    """The value a form reads for ``name``: the last one sent."""
    values = [value for key, value in fields if key == name]
    return values[-1] if values else None


def worst(*verdicts: str) -> str:
    if BAD in verdicts:
        return BAD
    return EITHER if EITHER in verdicts else OK


def outcomes(checks: list[tuple[str, set[int]]], success: int) -> set[int]:
    """The answers allowed when the checks run in this order and the first refusal answers."""
    allowed: set[int] = set()
    for verdict, statuses in checks:
        if verdict == OK:
            continue
        allowed |= statuses
        if verdict == BAD:
            return allowed
    return allowed | {success}


# --- uploads --------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
ZIP = b"PK\x03\x04" + b"\x14\x00" * 20
OFFICE = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}
# kind → (bytes, {extension: the type it is stored as}); any other extension is refused.
SAMPLES: dict[str, tuple[bytes, dict[str, str]]] = {
    "pdf": (PDF, {".pdf": "application/pdf"}),
    "png": (PNG, {".png": "image/png"}),
    "jpeg": (
        b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 30,
        {".jpg": "image/jpeg", ".jpeg": "image/jpeg"},
    ),
    "gif": (b"GIF89a\x01\x00\x01\x00" + b"\x00" * 20, {".gif": "image/gif"}),
    "wav": (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 20, {".wav": "audio/wav"}),
    "avi-as-riff": (b"RIFF\x24\x00\x00\x00AVI LIST" + b"\x00" * 20, {}),
    "mp3": (b"ID3\x03\x00\x00\x00" + b"\x00" * 30, {".mp3": "audio/mpeg"}),
    "office": (ZIP, OFFICE),
    "text": ("投诉材料：收费单据 / receipt 👍\r\n".encode(), {}),
    "html": (b"<html><script>alert(1)</script></html>", {}),
    "exe": (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60, {}),
    "elf": (b"\x7fELF\x02\x01\x01" + b"\x00" * 40, {}),
    "empty": (b"", {}),
    "oversized pdf": (PDF + b"0" * FUZZ_UPLOAD_MAX_BYTES, {}),
}
# Whatever is UTF-8 text without a NUL byte may be sent as a text or an email file.
for _content, _accepted in SAMPLES.values():
    try:
        _text = _content.decode("utf-8")
    except UnicodeDecodeError:
        continue
    if _text and "\x00" not in _text and len(_content) <= FUZZ_UPLOAD_MAX_BYTES:
        _accepted.update({".txt": "text/plain", ".eml": "message/rfc822"})

EXTENSIONS = sorted(
    {".pdf", ".png", ".jpg", ".JPEG", ".gif", ".wav", ".mp3", ".txt", ".eml"}
    | set(OFFICE)
    | {".exe", ".html", ".svg", ".pdf.exe", ".exe.pdf", ""}
)
CLAIMED_TYPES = [
    b"application/pdf",
    b"image/png",
    b"application/x-msdownload",
    b"text/html",
    b"application/octet-stream",
    b"image/svg+xml",
    b"",
    b"garbage",
]
# Characters that would end or split the quoted file name in the part header.
_HEADER_UNSAFE = set('"\\/&;\r\n')


@dataclass
class Upload:
    filename: bytes
    claimed: bytes
    content: bytes
    accepted: dict[str, str]  # extension → the sniffed type it is stored as
    certain: bool = True  # False: a hostile part header, anything may happen

    @property
    def name(self) -> str:
        """The name the server sees: multipart drops characters that cannot be printed."""
        return "".join(c for c in self.filename.decode("utf-8", "replace") if c.isprintable())

    @property
    def ignored(self) -> bool:
        """A part without a usable file name is no file at all."""
        return self.certain and self.name in {"", ".", ".."}

    @property
    def stored_as(self) -> str | None:
        """The type the file must be kept with, or None if it must be refused."""
        suffix = self.name[self.name.rfind(".") :].lower() if "." in self.name else ""
        return self.accepted.get(suffix)


def _upload(kind: str, stem: str, ext: str, claimed: bytes) -> Upload:
    content, accepted = SAMPLES[kind]
    stem = "".join(c for c in stem if c not in _HEADER_UNSAFE)
    return Upload((stem + ext).encode(), claimed, content, accepted)


_stems = st.one_of(
    st.sampled_from(
        [
            "receipt",
            "现场照片",
            "scan 01",
            "a" * 300,
            "投诉证据" * 70,
            "..",
            "",
            "\u202eexe.",
            "CON",
        ]
    ),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20),
)
_ACCEPTING_KINDS = [kind for kind, (_content, accepted) in SAMPLES.items() if accepted]
good_upload = st.builds(
    lambda kind, index, stem, claimed: _upload(
        kind, stem, sorted(SAMPLES[kind][1])[index % len(SAMPLES[kind][1])], claimed
    ),
    st.sampled_from(_ACCEPTING_KINDS),
    st.integers(0, 3),
    st.sampled_from(["receipt", "现场照片", "scan 01", "照片 👍", "b" * 200]),
    st.sampled_from(CLAIMED_TYPES),
)
any_upload = st.one_of(
    st.builds(
        _upload,
        st.sampled_from(sorted(SAMPLES)),
        _stems,
        st.sampled_from(EXTENSIONS),
        st.sampled_from(CLAIMED_TYPES),
    ),
    # A hostile part header: quotes, path separators, raw bytes in the file name.
    st.builds(
        lambda name, content, claimed: Upload(name, claimed, content, {}, certain=False),
        st.binary(min_size=1, max_size=40),
        st.sampled_from([PDF, PNG, b"MZ\x90\x00"]),
        st.binary(max_size=20).filter(lambda b: b"\r" not in b and b"\n" not in b),
    ),
)


# --- /submit/: the public complaint form ----------------------------------------------------------

BOUNDARY = "fuzz-9b1c3a7e5d"
SUBMIT_LIMITS = {  # field → (max length, required)
    "complainant_name": (120, False),
    "complainant_phone": (40, False),
    "complainant_id_number": (64, False),
    "subject_description": (200, False),
    "description": (5000, True),
    "request": (2000, False),
}
PHONES = ["139 1234 5678", "+86 (21) 6666-8888", "０１０－１２３４５６７８", "13912345678 转 8001"]
CONSENTS = [b"on", b"yes", b"1", b"true", "是".encode(), b"TRUE"]
# Bodies the form cannot read at all: refused (400) before or by the form. A form-encoded body
# declaring another charset than UTF-8 is refused by Django itself (RFC 1866: always UTF-8).
UNREADABLE = {"json", "xml", "text", "no-boundary", "empty", "too-many-fields", "latin-1"}
TOKEN = re.compile(r"[0-9a-f]{32}")
_tokens = st.from_regex(TOKEN, fullmatch=True).map(str.encode)
_bad_tokens = st.sampled_from(
    [
        b"A" * 32,
        b"0" * 31,
        b"0" * 33,
        b"../../etc/passwd",
        b"g" * 32,
        b"0" * 31 + b"\x00",
        b"\xff" * 32,
    ]
)
# Category choices by name; the test resolves them against its own categories.
CATEGORY_VERDICTS = {
    "leaf": OK,
    "other leaf": OK,
    "absent": OK,
    "blank": OK,
    "parent": BAD,
    "inactive": BAD,
    "unknown id": BAD,
    "huge number": BAD,
    "negative": BAD,
    "code instead of id": BAD,
    "decimal": BAD,
    "nul": BAD,
    "leaf id in arabic digits": EITHER,
    "leaf id padded": EITHER,
    "leaf then parent": BAD,
    "parent then leaf": OK,
}


def category_values(choice: str, world) -> list[bytes]:
    leaf = str(world.leaf.pk)
    return {
        "leaf": [leaf.encode()],
        "other leaf": [str(world.other_leaf.pk).encode()],
        "absent": [],
        "blank": [b""],
        "parent": [str(world.parent.pk).encode()],
        "inactive": [str(world.inactive.pk).encode()],
        "unknown id": [b"987654321"],
        "huge number": [b"9" * 40],
        "negative": [b"-" + leaf.encode()],
        "code instead of id": [world.leaf.code.encode()],
        "decimal": [leaf.encode() + b".0"],
        "nul": [leaf.encode() + b"\x00"],
        "leaf id in arabic digits": ["".join(chr(0x660 + int(d)) for d in leaf).encode()],
        "leaf id padded": [b" " + leaf.encode() + b" "],
        "leaf then parent": [leaf.encode(), str(world.parent.pk).encode()],
        "parent then leaf": [str(world.parent.pk).encode(), leaf.encode()],
    }[choice]


def submit_values(name: str) -> st.SearchStrategy[bytes]:
    """Hostile values for one field of the public form."""
    if name in SUBMIT_LIMITS:
        return hostile_text(SUBMIT_LIMITS[name][0])
    if name == "complainant_email":
        return email_strategy()
    if name == "consent":
        return st.sampled_from([b"", b"false", b"FALSE", b"False", b"0", b"off", b"on", b"\x00"])
    if name == "website":  # the honeypot
        return st.one_of(
            st.sampled_from([b"http://spam.example", b" ", b"", b"0"]), hostile_text(50)
        )
    if name == "submission_token":
        return st.one_of(_tokens, _bad_tokens, hostile_text(33))
    return hostile_text(20)  # confidential: any value is a yes or a no


SUBMIT_FIELDS = [*SUBMIT_LIMITS, "complainant_email", "consent", "confidential", "website"]
SUBMIT_FIELDS.append("submission_token")
_extra_names = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True).filter(
    lambda n: n not in SUBMIT_FIELDS and n not in {"category", "attachments", "csrfmiddlewaretoken"}
)
# The fields whose refusal has its own rule come up more often.
_submit_targets = st.sampled_from(
    SUBMIT_FIELDS + ["description", "complainant_email", "consent", "website", "submission_token"]
)
_submit_mutations = st.one_of(
    _submit_targets.flatmap(
        lambda name: st.tuples(st.just("set"), st.just(name), submit_values(name))
    ),
    st.tuples(st.just("drop"), _submit_targets, st.just(b"")),
    _submit_targets.flatmap(
        lambda name: st.tuples(st.just("duplicate"), st.just(name), submit_values(name))
    ),
    st.tuples(st.just("extra"), _extra_names, hostile_text(100)),
    st.tuples(st.just("category"), st.sampled_from(sorted(CATEGORY_VERDICTS)), st.just(b"")),
    st.tuples(st.just("upload"), any_upload, st.just(b"")),
    st.tuples(st.just("uploads"), st.lists(good_upload, min_size=4, max_size=6), st.just(b"")),
)


@dataclass
class Submission:
    fields: list[tuple[str, bytes]]
    category: str
    uploads: list[Upload]
    transport: str = "multipart"
    csrf: str = "exempt"
    length: str = "honest"
    language: str = "en"
    resend: bool = False
    cut: float = 0.5  # how much of the body a short Content-Length lets through

    def values(self, world) -> list[tuple[str, bytes]]:
        return [*self.fields, *(("category", v) for v in category_values(self.category, world))]


@st.composite
def submissions(draw, *, transports=None, csrf=None, lengths=None) -> Submission:
    """A valid complaint with up to three hostile changes, sent in some way."""
    fields: dict[str, list[bytes]] = {
        "complainant_name": [draw(clean_text(120))],
        "subject_description": [draw(clean_text(200))],
        "description": [draw(clean_text(5000, required=True))],
        "request": [draw(clean_text(2000))],
        "consent": [draw(st.sampled_from(CONSENTS))],
        "submission_token": [draw(st.one_of(st.just(b""), _tokens))],
    }
    contact = draw(st.sampled_from(["phone", "email", "both"]))
    if contact != "email":
        fields["complainant_phone"] = [draw(st.sampled_from(PHONES)).encode()]
    if contact != "phone":
        fields["complainant_email"] = [draw(st.sampled_from(VALID_EMAILS)).encode()]
    if draw(st.booleans()):
        fields["complainant_id_number"] = [draw(clean_text(64))]
    if draw(st.booleans()):
        fields["confidential"] = [b"on"]
    if draw(st.booleans()):
        fields["website"] = [b""]  # the honeypot as a browser sends it
    category = draw(st.sampled_from(["leaf", "other leaf", "absent", "blank"]))
    uploads = draw(st.lists(good_upload, max_size=2))
    extra: list[tuple[str, bytes]] = []
    for kind, target, value in draw(st.lists(_submit_mutations, max_size=3)):
        if kind == "set":
            fields[target] = [value]
        elif kind == "drop":
            fields.pop(target, None)
        elif kind == "duplicate":
            fields[target] = [value, *fields.get(target, [])[-1:]] if target in fields else [value]
        elif kind == "extra":
            extra.append((target, value))
        elif kind == "category":
            category = target
        elif kind == "upload":
            uploads.append(target)
        else:
            uploads.extend(target)
    pairs = [(name, value) for name, values in fields.items() for value in values]
    pairs += extra
    return Submission(
        fields=draw(st.permutations(pairs)),
        category=category,
        uploads=uploads,
        transport=draw(
            st.sampled_from(
                transports or ["multipart"] * 6 + ["urlencoded"] * 2 + sorted(UNREADABLE)
            )
        ),
        csrf=draw(
            st.sampled_from(csrf or ["exempt"] * 5 + ["valid", "wrong", "missing", "no cookie"])
        ),
        length=draw(st.sampled_from(lengths or ["honest"] * 8 + ["garbage", "huge", "short"])),
        language=draw(
            st.sampled_from(["en", "zh-hans", "zh-CN,zh;q=0.9,en;q=0.8", "fr", "*", "", "en;q=abc"])
        ),
        resend=draw(st.booleans()),
        cut=draw(st.floats(0, 1)),
    )


def multipart(pairs: list[tuple[str, bytes]], uploads: list[Upload]) -> bytes:
    lines = []
    for name, value in pairs:
        lines += [
            f"--{BOUNDARY}".encode(),
            f'Content-Disposition: form-data; name="{name}"'.encode(),
            b"",
            value,
        ]
    for upload in uploads:
        lines += [
            f"--{BOUNDARY}".encode(),
            b'Content-Disposition: form-data; name="attachments"; filename="'
            + upload.filename
            + b'"',
            b"Content-Type: " + upload.claimed,
            b"",
            upload.content,
        ]
    lines += [f"--{BOUNDARY}--".encode(), b""]
    return b"\r\n".join(lines)


def urlencoded(pairs: list[tuple[str, bytes]]) -> bytes:
    return "&".join(
        f"{quote(name, safe='')}={quote_from_bytes(value, safe='')}" for name, value in pairs
    ).encode()


@dataclass
class Built:
    body: bytes
    content_type: str
    decoded: list[tuple[str, str]]  # the fields as the server reads them
    uploads: list[Upload] = field(default_factory=list)  # the files the body carries

    @property
    def bound(self) -> bool:
        return bool(self.decoded or self.uploads)


def build_submission(sub: Submission, world) -> Built:
    pairs = sub.values(world)
    utf8 = [(name, value.decode("utf-8", "replace")) for name, value in pairs]
    if sub.transport == "multipart":
        body = multipart(pairs, sub.uploads)
        return Built(body, f"multipart/form-data; boundary={BOUNDARY}", utf8, sub.uploads)
    if sub.transport == "urlencoded":
        return Built(urlencoded(pairs), "application/x-www-form-urlencoded", utf8)
    if sub.transport == "latin-1":  # refused whole: form bodies are UTF-8 (RFC 1866)
        ctype = "application/x-www-form-urlencoded; charset=iso-8859-1"
        return Built(urlencoded(pairs), ctype, [])
    if sub.transport == "json":
        return Built(json.dumps(dict(utf8)).encode(), "application/json", [])
    if sub.transport == "xml":
        inner = "".join(f"<{name}>{value}</{name}>" for name, value in utf8)  # not escaped
        return Built(f"<complaint>{inner}".encode(), "application/xml", [])
    if sub.transport == "text":
        return Built(b"\n".join(value for _name, value in pairs), "text/plain", [])
    if sub.transport == "no-boundary":
        return Built(multipart(pairs, sub.uploads), "multipart/form-data", [])
    if sub.transport == "empty":
        return Built(b"", f"multipart/form-data; boundary={BOUNDARY}", [])
    assert sub.transport == "too-many-fields"
    many = pairs + [(f"f{n}", b"x") for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)]
    return Built(multipart(many, sub.uploads), f"multipart/form-data; boundary={BOUNDARY}", [])


def token_verdict(value: str | None) -> str:
    trimmed = (value or "").strip()
    return OK if not trimmed or TOKEN.fullmatch(trimmed) else BAD


def consent_verdict(value: str | None) -> str:
    """An HTML checkbox: missing, empty or "false" means it was not ticked."""
    return BAD if value is None or value == "" or value.lower() == "false" else OK


def submit_form_verdict(sub: Submission, built: Built) -> str:
    data = built.decoded
    verdicts = [
        text_verdict(last(data, name), limit, required=required)
        for name, (limit, required) in SUBMIT_LIMITS.items()
    ]
    email = email_verdict(last(data, "complainant_email"))
    verdicts += [
        email,
        consent_verdict(last(data, "consent")),
        token_verdict(last(data, "submission_token")),
        CATEGORY_VERDICTS[sub.category],
    ]
    files = [u for u in built.uploads if not u.ignored]
    if len(files) > settings.REDRESS_PUBLIC_MAX_FILES:
        verdicts.append(BAD)
    if any(u.stored_as is None for u in files if u.certain):
        verdicts.append(BAD)
    phone = (last(data, "complainant_phone") or "").strip()
    email_given = bool((last(data, "complainant_email") or "").strip())
    if phone and not phone_is_valid(phone):
        verdicts.append(BAD)  # not a mainland mobile, a landline with its area code or E.164
    if not phone and not email_given:
        verdicts.append(BAD)  # "Give a phone number or an email address"
    elif not phone and email == EITHER:
        verdicts.append(EITHER)
    return worst(*verdicts)


def phone_is_valid(phone: str) -> bool:
    """The core's own phone rule (complaints.phones), as every way in applies it."""
    try:
        validate_phone(phone)
    except ValidationError:
        return False
    return True


def submit_outcomes(sub: Submission, built: Built) -> set[int]:
    """The order of the checks: the charset (middleware, before any view), size, CSRF, the
    body, the honeypot, the form."""
    if sub.transport == "latin-1":
        # config.middleware refuses a form body declared in another charset than UTF-8 before
        # the view weighs the body, whatever its length says.
        return {400}
    if sub.length in ("garbage", "huge"):
        return {413}
    unparsable = sub.transport in ("no-boundary", "too-many-fields", "latin-1") or not certain(
        sub, built
    )
    if sub.csrf not in ("exempt", "valid"):
        # The CSRF check reads the form for its token: a body that cannot be parsed is a 400.
        return {403, 400} if unparsable else {403}
    if sub.transport in UNREADABLE:
        if sub.transport == "too-many-fields" and not certain(sub, built):
            return {302, 400}  # a body cut short may hold few enough fields to be read
        return {400}
    if not certain(sub, built):
        return {302, 400}
    bot = bool(last(built.decoded, "website"))
    return outcomes([(BAD if bot else OK, {400}), (submit_form_verdict(sub, built), {400})], 302)


CSRF_SECRET = "Fz" * 16


def certain(sub: Submission, built: Built) -> bool:
    """Whether the server reads exactly what was generated (no cut body, no hostile header)."""
    return sub.length != "short" and all(u.certain for u in built.uploads)


def submit_request(sub: Submission, world) -> tuple[Client, dict, Built]:
    built = build_submission(sub, world)
    client = Client(enforce_csrf_checks=sub.csrf != "exempt")
    headers = {"Accept-Language": sub.language}
    if sub.csrf in ("valid", "wrong", "missing"):
        client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    if sub.csrf in ("valid", "no cookie"):
        headers["X-CSRFToken"] = CSRF_SECRET
    elif sub.csrf == "wrong":
        headers["X-CSRFToken"] = "Gz" * 16
    extra = {}
    if sub.length == "garbage":
        extra["CONTENT_LENGTH"] = "12abc"
    elif sub.length == "huge":
        extra["CONTENT_LENGTH"] = str(settings.REDRESS_PUBLIC_MAX_REQUEST_BYTES + 1)
    elif sub.length == "short":
        extra["CONTENT_LENGTH"] = str(int(len(built.body) * sub.cut))
    kwargs = {"data": built.body, "content_type": built.content_type, "headers": headers, **extra}
    return client, kwargs, built


def assert_inert_html(response) -> None:
    if response.get("Content-Type", "").startswith("text/html"):
        body = response.content.decode("utf-8", "replace")
        for marker in LIVE_MARKUP:
            assert marker not in body, f"{marker!r} rendered as markup"


def assert_submission_refused(sent: Sent, sub: Submission, built: Built) -> None:
    assert_nothing_stored(sent)
    body = sent.response.content.decode("utf-8", "replace")
    status = sent.response.status_code
    readable = sub.transport not in UNREADABLE and certain(sub, built) and built.bound
    if status in (400, 413, 429) and readable:
        # A page that says what went wrong: the form's errors or the refusal notice.
        assert "alert-danger" in body or "invalid-feedback" in body, body[:2000]


def assert_submission_accepted(sent: Sent, sub: Submission, built: Built, client: Client) -> None:
    response = sent.response
    assert response["Location"] == "/submit/done/"
    complaint = newest_complaint()
    assert client.session["intake_submitted"] == complaint.reference
    changed = dict(sent.changed)
    assert changed.pop("complaint") == 1, sent.changed
    assert changed.pop("complaint history") == 1, sent.changed
    assert [h.history_transition for h in complaint.history.all()] == ["register"]
    files = changed.pop("attachment", 0)
    assert changed.pop("attachment history", 0) == files, sent.changed
    assert changed.pop("media files", 0) == files, sent.changed
    assert changed.pop("audit record") == 1 + files, sent.changed
    keys = changed.pop("idempotency key", 0)
    # The acknowledgement: one outbox row whatever becomes of it (sent, or not sent for want of
    # a channel); an email goes only to an address the complainant gave.
    assert changed.pop("message to the complainant") == 1, sent.changed
    notices = emails_sent(complaint)
    assert changed.pop("mail sent", 0) == notices, sent.changed
    assert changed == {}, f"unexpected rows: {changed}"
    assert complaint.channel == "web" and complaint.created_by_id is None
    assert complaint.state == "received"
    assert complaint.complainant_language in dict(settings.LANGUAGES)
    assert notices <= (1 if complaint.complainant_email else 0)
    media_root = Path(settings.MEDIA_ROOT).resolve()
    for attachment in complaint.attachments.all():
        path = Path(attachment.file.path).resolve()
        assert path.is_relative_to(media_root / "attachments"), path
    if not certain(sub, built):
        return  # a cut body or a hostile part header: the counts above must still agree
    data = built.decoded
    token = (last(data, "submission_token") or "").strip()
    assert keys == (1 if token else 0)
    assert complaint.description == (last(data, "description") or "").strip()
    expected = sorted((u.stored_as, u.content) for u in built.uploads if not u.ignored)
    stored = []
    for attachment in complaint.attachments.all():
        with attachment.file.open("rb") as handle:
            stored.append((attachment.content_type, handle.read()))
    assert sorted(stored) == expected


@FUZZ
@given(sub=submissions())
def test_the_public_form_answers_every_request_clearly_and_stores_all_or_nothing(
    sub, fuzz_world, django_capture_on_commit_callbacks
):
    note(describe(sub))
    with isolated_example():
        client, kwargs, built = submit_request(sub, fuzz_world)
        allowed = submit_outcomes(sub, built)
        sent = send(django_capture_on_commit_callbacks, client, "POST", "/submit/", **kwargs)
        status = sent.response.status_code
        event(f"{status} via {sub.transport}")
        assert status < 500
        assert status in allowed, (status, allowed, sent.response.content[:3000])
        assert_inert_html(sent.response)
        if status != 302:
            assert_submission_refused(sent, sub, built)
            return
        assert_submission_accepted(sent, sub, built, client)
        if sub.resend and certain(sub, built):
            # The same form sent again (a double click): with its token, nothing new.
            again = send(django_capture_on_commit_callbacks, client, "POST", "/submit/", **kwargs)
            assert again.response.status_code == 302
            if (last(built.decoded, "submission_token") or "").strip():
                assert again.changed == {} and again.queued == []
            else:
                assert again.changed["complaint"] == 1


# --- Open311: creating service requests -----------------------------------------------------------

O311 = "/open311/v2"
O311_CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
O311_LIMITS = {  # field → (max length, required)
    "address_string": (500, False),
    "address_id": (100, False),
    "device_id": (200, False),
    "account_id": (200, False),
    "first_name": (60, False),
    "last_name": (60, False),
    "phone": (40, False),
    "description": (4000, True),
}
ATTRIBUTE_LIMITS = {"request": 2000, "subject": 200}
ATTRIBUTE_KEY = re.compile(r"attribute\[(request|subject|confidential)\](\[\])?")
BAD_ATTRIBUTE_KEYS = [
    "attribute[colour]",
    "attribute",
    "attributes",
    "attribute[request",
    "attribute[]",
    "attribute[[request]]",
    "attribute[REQUEST]",
]
VALID_URLS = [
    "https://example.cn/photo.jpg",
    "http://例子.中国/现场.png",
    "example.cn/x.png",
    "https://example.cn/a?b=c&d=%20",
]
INVALID_URLS = [
    "javascript:alert(1)",
    "http://",
    "ht!tp://x",
    "file:///etc/passwd",
    "data:text/html,<script>alert(1)</script>",
]
O311_SERVICE_CODES = {  # a generated service_code → the check it must pass or fail
    "rude-staff": OK,
    " rude-staff ": OK,
    "double-charge": OK,
    "": (BAD, {400}),
    "  ": (BAD, {400}),
    "service-attitude": (BAD, {404}),  # a parent topic, not a service
    "retired-topic": (BAD, {404}),  # inactive
    "RUDE-STAFF": (BAD, {404}),
    "rude-staff\x00": (BAD, {400, 404}),
    "\x00": (BAD, {400, 404}),
    "'; DROP TABLE complaints_category;--": (BAD, {404}),
    "rude-staff/../double-charge": (BAD, {404}),
}


def coordinate(limit: int) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.floats(-limit, limit).map(repr),
        st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: abs(f) > limit).map(repr),
        st.sampled_from(
            ["nan", "inf", "-inf", "1e400", "9" * 400, "abc", "31,2", "0x10", "½", " ", "", "31.2°"]
            + ["١٢", "1_0", " 45 ", "-0", "1e-400", "0." + "1" * 500, str(limit), f"-{limit}.0001"]
        ),
    ).map(str.encode) | hostile_text(20)


def coordinate_verdict(value: str | None, limit: int) -> str | None:
    """A decimal number within ±limit; None when not given."""
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        return BAD
    return OK if math.isfinite(number) and abs(number) <= limit else BAD


def url_verdict(value: str | None) -> str:
    trimmed = (value or "").strip()
    if not trimmed or trimmed in VALID_URLS:
        return OK
    if "\x00" in trimmed or len(trimmed) > 1000 or trimmed in INVALID_URLS:
        return BAD
    return EITHER


def o311_values(name: str) -> st.SearchStrategy[bytes]:
    if name in O311_LIMITS:
        return hostile_text(O311_LIMITS[name][0])
    if name == "email":
        return email_strategy()
    if name == "media_url":
        return st.sampled_from(VALID_URLS + INVALID_URLS).map(str.encode) | hostile_text(1000)
    if name in ("lat", "long"):
        return coordinate(90 if name == "lat" else 180)
    if name == "api_key":
        return st.sampled_from(
            [FUZZ_API_KEY, FUZZ_API_KEY + " ", FUZZ_API_KEY.upper(), "", "null", "' OR 1=1--"]
        ).map(str.encode) | hostile_text(40)
    if name == "service_code":
        return st.sampled_from(sorted(O311_SERVICE_CODES)).map(str.encode)
    if name == "jurisdiction_id":
        return st.sampled_from(
            [FUZZ_JURISDICTION, f" {FUZZ_JURISDICTION} ", "", "other.example.cn", "\x00"]
        ).map(str.encode) | hostile_text(40)
    if name == "attribute[confidential]":
        return st.sampled_from([b"yes", b"no", b"", b" yes ", b"YES", b"maybe", b"yes\x00"])
    code = name[len("attribute[") : -1]
    return hostile_text(ATTRIBUTE_LIMITS[code])


O311_FIELDS = [*O311_LIMITS, "email", "media_url", "lat", "long", "api_key", "service_code"]
O311_FIELDS += ["jurisdiction_id", "attribute[request]", "attribute[subject]"]
O311_FIELDS += ["attribute[confidential]"]
_o311_extra_names = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True).filter(
    lambda n: n not in O311_FIELDS and not n.startswith("attribute")
)
_o311_targets = st.sampled_from(
    O311_FIELDS
    + ["api_key", "service_code", "jurisdiction_id", "lat", "long", "description", "email"]
    + ["service_code", "attribute[request]", "attribute[subject]", "attribute[confidential]"]
)
_o311_mutations = st.one_of(
    _o311_targets.flatmap(lambda name: st.tuples(st.just("set"), st.just(name), o311_values(name))),
    st.tuples(st.just("drop"), _o311_targets, st.just(b"")),
    _o311_targets.flatmap(
        lambda name: st.tuples(st.just("duplicate"), st.just(name), o311_values(name))
    ),
    st.tuples(st.just("extra"), _o311_extra_names, hostile_text(50)),
    st.tuples(st.just("extra"), st.sampled_from(BAD_ATTRIBUTE_KEYS), hostile_text(20)),
    st.tuples(st.just("extra"), st.just("attribute[request][]"), hostile_text(20)),
)
O311_TRANSPORTS = ["form"] * 6 + ["multipart"] * 2 + ["raw", "latin-1", "json", "xml"]
O311_TRANSPORTS += ["bad json", "bad xml", "none"]
_idempotency_keys = st.one_of(
    st.none(),
    st.from_regex(r"[ -~]{1,40}", fullmatch=True),
    st.integers(195, 210).map(lambda n: "k" * n),
    st.sampled_from(["", "   ", "clé-é-ü", "\t key \t"]),
)


@dataclass
class ServiceRequest:
    fmt: str
    fields: list[tuple[str, bytes]]
    transport: str
    idempotency_key: str | None
    resend: bool


@st.composite
def service_requests(draw) -> ServiceRequest:
    """A valid GeoReport v2 request with up to three hostile changes, sent in some way."""
    fields: dict[str, list[bytes]] = {
        "api_key": [FUZZ_API_KEY.encode()],
        "service_code": [draw(st.sampled_from(["rude-staff", "double-charge"])).encode()],
        "description": [draw(clean_text(4000, required=True))],
    }
    where = draw(st.sampled_from(["point", "address", "address id", "all"]))
    if where in ("point", "all"):
        fields["lat"] = [repr(draw(st.floats(-90, 90))).encode()]
        fields["long"] = [repr(draw(st.floats(-180, 180))).encode()]
    if where in ("address", "all"):
        fields["address_string"] = [b"Shanghai " + draw(clean_text(400))]
    if where in ("address id", "all"):
        fields["address_id"] = [b"addr-" + draw(clean_text(90))]
    for name in ["first_name", "last_name", "phone", "device_id", "account_id"]:
        if draw(st.booleans()):
            fields[name] = [draw(clean_text(O311_LIMITS[name][0]))]
    if draw(st.booleans()):
        fields["email"] = [draw(st.sampled_from(VALID_EMAILS)).encode()]
    if draw(st.booleans()):
        fields["media_url"] = [draw(st.sampled_from(VALID_URLS)).encode()]
    if draw(st.booleans()):
        fields["jurisdiction_id"] = [FUZZ_JURISDICTION.encode()]
    for code, limit in ATTRIBUTE_LIMITS.items():
        if draw(st.booleans()):
            fields[f"attribute[{code}]"] = [draw(clean_text(limit))]
    if draw(st.booleans()):
        fields["attribute[confidential]"] = [draw(st.sampled_from([b"yes", b"no", b""]))]
    extra: list[tuple[str, bytes]] = []
    for kind, name, value in draw(st.lists(_o311_mutations, max_size=3)):
        if kind == "set":
            fields[name] = [value]
        elif kind == "drop":
            fields.pop(name, None)
        elif kind == "duplicate":
            fields[name] = [value, *fields.get(name, [])[-1:]] if name in fields else [value]
        else:
            extra.append((name, value))
    pairs = [(name, value) for name, values in fields.items() for value in values] + extra
    return ServiceRequest(
        fmt=draw(st.sampled_from(["json", "xml"])),
        fields=draw(st.permutations(pairs)),
        transport=draw(st.sampled_from(O311_TRANSPORTS)),
        idempotency_key=draw(_idempotency_keys),
        resend=draw(st.booleans()),
    )


def build_service_request(req: ServiceRequest) -> Built:
    pairs = req.fields
    utf8 = [(name, value.decode("utf-8", "replace")) for name, value in pairs]
    form = "application/x-www-form-urlencoded"
    if req.transport == "form":
        return Built(urlencoded(pairs), form, utf8)
    if req.transport == "multipart":
        return Built(multipart(pairs, []), f"multipart/form-data; boundary={BOUNDARY}", utf8)
    if req.transport == "raw":
        # Bytes as they come, not percent-encoded: the body is read as UTF-8 if it is, else as
        # ISO-8859-1, then split and unquoted like any form body.
        body = b"&".join(name.encode() + b"=" + value for name, value in pairs)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = body.decode("iso-8859-1")
        return Built(body, form, parse_qsl(text, keep_blank_values=True, errors="replace"))
    if req.transport == "latin-1":
        return Built(urlencoded(pairs), form + "; charset=iso-8859-1", [])
    if req.transport == "json":
        return Built(json.dumps(dict(utf8)).encode(), "application/json", [])
    if req.transport == "bad json":
        return Built(json.dumps(dict(utf8)).encode()[:-1] + b",]", "application/json", [])
    if req.transport == "xml":
        root = ET.Element("service_request")
        for name, value in utf8:
            ET.SubElement(root, "field", name=name).text = value
        return Built(ET.tostring(root), "text/xml", [])
    if req.transport == "bad xml":
        return Built(b"<service_request><api_key>" + FUZZ_API_KEY.encode(), "text/xml", [])
    return Built(b"", "", [])


def o311_form_verdict(data: list[tuple[str, str]]) -> str:
    """The spec's arguments: lengths, an email, a URL, a location, the declared attributes."""
    verdicts = [
        text_verdict(last(data, name), limit, required=required)
        for name, (limit, required) in O311_LIMITS.items()
    ]
    verdicts += [email_verdict(last(data, "email")), url_verdict(last(data, "media_url"))]
    if (last(data, "phone") or "").strip():
        # Checked as a phone number (tests/complaints/test_phones.py): random text is refused.
        verdicts.append(EITHER)
    lat = coordinate_verdict(last(data, "lat"), 90)
    long = coordinate_verdict(last(data, "long"), 180)
    if BAD in (lat, long) or (lat is None) != (long is None):
        verdicts.append(BAD)  # "lat and long must be sent together"
    elif lat is None:
        address = any((last(data, name) or "").strip() for name in ("address_string", "address_id"))
        verdicts.append(OK if address else BAD)  # "A location is required"
    for key in dict(data):
        if not key.startswith("attribute"):
            continue
        match = ATTRIBUTE_KEY.fullmatch(key)
        value = (last(data, key) or "").strip()
        if match is None:
            verdicts.append(BAD)  # "Unknown attribute"
        elif match.group(1) == "confidential":
            verdicts.append(OK if value in ("", "yes", "no") else BAD)
        elif len(value) > ATTRIBUTE_LIMITS[match.group(1)]:
            verdicts.append(BAD)
        elif "\x00" in value:
            verdicts.append(EITHER)  # refused, or kept without the NUL: never a 500
    return worst(*verdicts)


def o311_create_outcomes(req: ServiceRequest, built: Built) -> set[int]:
    """The order of the checks: jurisdiction, api_key, service_code, arguments, the key."""
    if req.transport == "latin-1":
        return {400}
    data = built.decoded
    jurisdiction = (last(data, "jurisdiction_id") or "").strip()
    code = O311_SERVICE_CODES.get((last(data, "service_code") or "").strip(), (BAD, {404}))
    code_verdict, code_statuses = code if isinstance(code, tuple) else (code, set())
    key = (req.idempotency_key or "").strip()
    checks = [
        (BAD if jurisdiction and jurisdiction != FUZZ_JURISDICTION else OK, {404}),
        (OK if last(data, "api_key") == FUZZ_API_KEY else BAD, {403}),
        (code_verdict, code_statuses),
        (o311_form_verdict(data), {400}),
        (BAD if len(key) > 200 else OK, {400}),
    ]
    return outcomes(checks, 201)


def o311_body(response, fmt: str):
    """The answer parsed in its format (which must be the one asked for)."""
    assert response["Content-Type"] == O311_CONTENT_TYPES[fmt]
    if fmt == "json":
        return json.loads(response.content)
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 - the application's own answer


def o311_errors(response, fmt: str) -> list[tuple[int, str]]:
    data = o311_body(response, fmt)
    if fmt == "json":
        return [(error["code"], error["description"]) for error in data]
    assert data.tag == "errors"
    return [(int(e.findtext("code")), e.findtext("description")) for e in data.findall("error")]


def o311_ids(response, fmt: str) -> list[str]:
    data = o311_body(response, fmt)
    if fmt == "json":
        return [item["service_request_id"] for item in data]
    assert data.tag == "service_requests"
    return [item.findtext("service_request_id") for item in data.findall("request")]


def send_service_request(capture, req: ServiceRequest, built: Built) -> Sent:
    headers = {"Accept-Language": "zh-hans"}
    if req.idempotency_key is not None:
        headers["Idempotency-Key"] = req.idempotency_key
    path = f"{O311}/requests.{req.fmt}"
    kwargs = {"data": built.body, "content_type": built.content_type, "headers": headers}
    return send(capture, Client(), "POST", path, **kwargs)


def assert_service_request_created(sent: Sent, req: ServiceRequest, built: Built, capture) -> None:
    complaint = newest_complaint()
    assert o311_ids(sent.response, req.fmt) == [complaint.reference]
    data = built.decoded
    key = (req.idempotency_key or "").strip()
    email = (last(data, "email") or "").strip()
    expected = {
        "complaint": 1,
        "complaint history": 1,
        "audit record": 1,
        "open311 request": 1,
        "idempotency key": 1 if key else 0,
        "message to the complainant": 1,
        "mail sent": emails_sent(complaint),
    }
    assert sent.changed == {name: n for name, n in expected.items() if n}, sent.changed
    assert expected["mail sent"] <= (1 if email else 0)
    assert [h.history_transition for h in complaint.history.all()] == ["register"]
    row = complaint.open311_request
    assert row.service_code == (last(data, "service_code") or "").strip()
    assert complaint.category.code == row.service_code
    if coordinate_verdict(last(data, "lat"), 90) == OK:
        assert (row.lat, row.long) == (float(last(data, "lat")), float(last(data, "long")))
    device = (last(data, "device_id") or "").strip()
    assert complaint.channel == ("app" if device else "web")
    assert complaint.created_by_id is None and complaint.state == "received"
    assert complaint.description.startswith((last(data, "description") or "").strip())
    if key and req.resend:
        # The client retries with the same key: the same request id, nothing new.
        again = send_service_request(capture, req, built)
        assert again.response.status_code == 201
        assert o311_ids(again.response, req.fmt) == [complaint.reference]
        assert again.changed == {} and again.queued == []
    # What was created can be read back.
    response = Client().get(f"{O311}/requests/{complaint.reference}.{req.fmt}")
    assert response.status_code == 200
    assert o311_ids(response, req.fmt) == [complaint.reference]


@FUZZ
@given(req=service_requests())
def test_open311_create_answers_every_request_clearly_and_stores_all_or_nothing(
    req, fuzz_world, django_capture_on_commit_callbacks
):
    note(describe(req))
    with isolated_example():
        built = build_service_request(req)
        allowed = o311_create_outcomes(req, built)
        sent = send_service_request(django_capture_on_commit_callbacks, req, built)
        status = sent.response.status_code
        event(f"{status} via {req.transport}")
        assert status < 500
        assert status in allowed, (status, allowed, sent.response.content[:2000])
        if status != 201:
            assert_nothing_stored(sent)
            if req.transport != "latin-1":  # Django's own refusal, in HTML
                errors = o311_errors(sent.response, req.fmt)
                assert errors and all(code == status and text for code, text in errors), errors
            return
        assert_service_request_created(sent, req, built, django_capture_on_commit_callbacks)


# --- Open311: reading -----------------------------------------------------------------------------

ZONES = [
    UTC,
    timezone(timedelta(hours=8)),
    timezone(timedelta(hours=-5, minutes=-30)),
    timezone(timedelta(hours=14)),
    timezone(timedelta(hours=-12)),
]
# Dates a strict reading of W3C may or may not take, but that must never fail the server: the
# ends of the calendar (a 90-day window from them leaves it), offsets past ±15:59 (PostgreSQL's
# limit), impossible days, odd but valid ISO forms.
EXOTIC_DATES = [
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-01-01T00:00:00+23:59",
    "2026-01-01T00:00:00-23:59",
    "2026-02-30T00:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01T00:00:00.123456789Z",
    "+002026-01-01T00:00:00Z",
    "2026-W01-1T00:00Z",
    "20260101T000000Z",
    "2026-01-01T00:00:00+08:00:30",
    "2026-01-01",
    "1e9",
]


@dataclass(frozen=True)
class DateArg:
    text: str
    moment: datetime | None  # when it is a date the endpoint must read
    verdict: str


def _w3c(moment: datetime, style: str) -> str:
    text = moment.isoformat(timespec="microseconds" if style == "micro" else "seconds")
    if style == "Z":
        text = text.replace("+00:00", "Z")
    elif style == "unencoded plus":  # the "+" of the offset arrives as a space
        text = text.replace("+", " ")
    elif style == "padded":
        text = f"  {text} "
    return text


_moments = st.datetimes(
    min_value=datetime(2015, 1, 1),  # noqa: DTZ001 - bounds; the zones come from `timezones`
    max_value=datetime(2035, 12, 31),  # noqa: DTZ001
    timezones=st.sampled_from(ZONES),
)
date_args = st.one_of(
    st.builds(
        lambda moment, style: DateArg(
            _w3c(moment, style), moment if style == "micro" else moment.replace(microsecond=0), OK
        ),
        _moments,
        st.sampled_from(["plain", "Z", "unencoded plus", "padded", "micro"]),
    ),
    _moments.map(lambda m: DateArg(m.replace(tzinfo=None).isoformat(), None, BAD)),  # no zone
    st.sampled_from(EXOTIC_DATES).map(lambda text: DateArg(text, None, EITHER)),
    hostile_text(30).map(
        lambda raw: DateArg(
            text := raw.decode("utf-8", "replace"),
            None,
            junk_date_verdict(text),
        )
    ),
)
_status_words = st.sampled_from(["open", "closed", " open ", "", "Open", "pending", "all"])
status_args = st.one_of(
    st.lists(_status_words, max_size=3).map(",".join),
    hostile_text(20).map(lambda raw: raw.decode("utf-8", "replace")),
)
O311_METHODS = ["GET"] * 5 + ["HEAD", "PUT", "PATCH", "DELETE", "OPTIONS", "POST"]


@dataclass
class Read:
    resource: str  # discovery, services, service, list, detail
    fmt: str
    method: str
    segment: str  # the service code or request id in the path
    start: DateArg | None
    end: DateArg | None
    params: list[tuple[str, str]]


@st.composite
def reads(draw) -> Read:
    resource = draw(st.sampled_from(["discovery", "services", "service", "list", "list", "detail"]))
    methods = [m for m in O311_METHODS if not (resource == "list" and m == "POST")]
    params: list[tuple[str, str]] = []
    start = end = None
    jurisdiction = draw(
        st.sampled_from([None, None, FUZZ_JURISDICTION, f" {FUZZ_JURISDICTION} ", "x.example.cn"])
    )
    if jurisdiction is not None:
        params.append(("jurisdiction_id", jurisdiction))
    if resource == "list":
        start = draw(st.none() | date_args)
        end = draw(st.none() | date_args)
        if draw(st.booleans()):
            params.append(("status", draw(status_args)))
        if draw(st.booleans()):
            codes = draw(st.lists(st.sampled_from(sorted(O311_SERVICE_CODES)), max_size=3))
            params.append(("service_code", ",".join(codes)))
        if draw(st.integers(0, 3)) == 0:
            ids = draw(st.lists(st.sampled_from(["REF", "ref", "C-2026-999999", "\x00", ""])))
            params.append(("service_request_id", ",".join(ids)))
    if draw(st.booleans()):  # junk, or a second value of a real parameter that comes first
        name = draw(st.sampled_from(["status", "start_date", "service_code", "page", "x"]))
        params.insert(0, (name, draw(hostile_text(20)).decode("utf-8", "replace")))
    known = ["rude-staff", "double-charge", "service-attitude", "retired-topic", " rude-staff"]
    if resource == "detail":
        known = ["REF", "ref", " REF", "C-2026-999999", "REF\x00"]
    segment = draw(
        st.one_of(
            st.sampled_from(known + ["\x00", "a/b", "..", "%00"]),
            hostile_text(30).map(lambda raw: raw.decode("utf-8", "replace")),
        )
    )
    return Read(
        resource=resource,
        fmt=draw(st.sampled_from(["json"] * 4 + ["xml"] * 4 + ["JSON", "html", "json ", ""])),
        method=draw(st.sampled_from(methods)),
        segment=segment,
        start=start,
        end=end,
        params=params,
    )


def read_path(read: Read, world) -> str:
    segment = read.segment.replace("REF", world.reference).replace("ref", world.reference.lower())
    params = list(read.params)
    for name, arg in (("start_date", read.start), ("end_date", read.end)):
        if arg is not None:
            params.append((name, arg.text))
    query = "&".join(
        f"{quote(name, safe='')}={quote(value.replace('REF', world.reference), safe='')}"
        for name, value in params
    )
    base = {
        "discovery": f"{O311}/discovery",
        "services": f"{O311}/services",
        "service": f"{O311}/services/{quote(segment, safe='')}",
        "list": f"{O311}/requests",
        "detail": f"{O311}/requests/{quote(segment, safe='')}",
    }[read.resource]
    return f"{base}.{read.fmt}" + (f"?{query}" if query else "")


def split_list(value: str | None) -> list[str]:
    """A comma-separated argument of the spec."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def junk_date_verdict(text: str | None) -> str:
    if not text:
        return OK  # not given
    return EITHER if re.search(r"\d", text) else BAD


def list_verdicts(read: Read, world) -> list[tuple[str, set[int]]]:
    params = [(n, v.replace("REF", world.reference)) for n, v in read.params]
    ids = split_list(last(params, "service_request_id"))
    if ids:  # "This overrides all other arguments."
        return [(EITHER if any("\x00" in i for i in ids) else OK, {400})]
    checks = []
    for name, arg in (("end_date", read.end), ("start_date", read.start)):
        # The generated date is sent last, so it is the one read; without it, a junk value
        # sent under the same name is.
        checks.append((arg.verdict if arg else junk_date_verdict(last(params, name)), {400}))
    if read.start and read.end and read.start.moment and read.end.moment:
        span = read.end.moment - read.start.moment
        checks.append((BAD if span > timedelta(days=90) or span < timedelta(0) else OK, {400}))
    words = split_list(last(params, "status"))
    checks.append((OK if set(words) <= {"open", "closed"} else BAD, {400}))
    codes = split_list(last(params, "service_code"))
    checks.append((EITHER if any("\x00" in c for c in codes) else OK, {400}))
    return checks


def read_outcomes(read: Read, world) -> tuple[set[int], bool]:
    """The allowed answers, and whether the route is an Open311 one at all."""
    segment = read.segment.replace("REF", world.reference).replace("ref", world.reference.lower())
    routed = read.fmt in ("json", "xml") and (
        read.resource not in ("service", "detail") or (segment and "/" not in segment)
    )
    if not routed:
        return {404}, "\n" not in segment or read.resource not in ("service", "detail")
    if read.method not in ("GET", "HEAD"):
        return {405}, True
    jurisdiction = (last(read.params, "jurisdiction_id") or "").strip()
    checks = []
    if read.resource != "discovery":
        checks.append((BAD if jurisdiction and jurisdiction != FUZZ_JURISDICTION else OK, {404}))
    if read.resource == "service":
        codes = {world.leaf.code, world.other_leaf.code}
        found = OK if segment in codes else BAD
        checks.append((found, {400, 404} if "\x00" in segment else {404}))
    elif read.resource == "detail":
        found = OK if segment.upper() == world.reference else BAD
        checks.append((found, {400, 404} if "\x00" in segment else {404}))
    elif read.resource == "list":
        checks += list_verdicts(read, world)
    return outcomes(checks, 200), True


@FUZZ
@given(read=reads())
def test_open311_reads_answer_every_request_clearly_and_change_nothing(
    read, fuzz_world, django_capture_on_commit_callbacks
):
    note(describe(read))
    with isolated_example():
        path = read_path(read, fuzz_world)
        note(path)
        allowed, open311_body = read_outcomes(read, fuzz_world)
        if "\x00" in unquote(path):
            # Refused for the whole site before routing (config.middleware), in plain text.
            allowed, open311_body = {400}, False
        sent = send(django_capture_on_commit_callbacks, Client(), read.method, path)
        response, status = sent.response, sent.response.status_code
        event(f"{status} {read.resource}")
        assert status < 500
        assert status in allowed, (status, allowed, response.content[:1000])
        assert_nothing_stored(sent)  # reading never writes
        if read.method == "HEAD" or not open311_body:
            return
        fmt = "xml" if path.split("?")[0].endswith(".xml") else "json"
        if status != 200:
            errors = o311_errors(response, fmt)
            assert errors and all(code == status and text for code, text in errors), errors
            if status == 405:
                assert response["Allow"]
            return
        data = o311_body(response, fmt)
        if read.resource in ("list", "detail") and fmt == "json":
            # Complaints are personal: GET requests never shows what the complainant wrote.
            assert all(item["description"] is None for item in data)
        if read.resource == "detail":
            assert o311_ids(response, fmt) == [fuzz_world.reference]


# --- the rate limit under a burst -----------------------------------------------------------------

BURST_LIMIT = 3


@hypothesis.settings(FUZZ, max_examples=max(3, MAX_EXAMPLES // 8))
@given(
    burst=st.lists(
        submissions(transports=["multipart"], csrf=["exempt"], lengths=["honest"]),
        min_size=BURST_LIMIT + 1,
        max_size=BURST_LIMIT + 4,
    )
)
def test_a_burst_of_fuzzed_posts_from_one_network_is_stopped_with_429_and_stores_nothing(
    burst, fuzz_world, fuzz_settings, django_capture_on_commit_callbacks
):
    """Every post that reaches the form counts, whatever it holds (bots and invalid forms too);
    past the limit the answer is 429 with a message, and nothing is stored."""
    fuzz_settings.REDRESS_PUBLIC_SUBMIT_LIMIT = BURST_LIMIT
    with isolated_example():
        for n, sub in enumerate(burst):
            sub.uploads = [u for u in sub.uploads if u.certain]  # each post must parse
            note(describe(sub))
            client, kwargs, built = submit_request(sub, fuzz_world)
            sent = send(django_capture_on_commit_callbacks, client, "POST", "/submit/", **kwargs)
            status = sent.response.status_code
            if n < BURST_LIMIT:
                assert status in submit_outcomes(sub, built), status
                continue
            assert status == 429, status
            # "Too many attempts from your network. Try again later.", in the visitor's language.
            assert sent.response.context["message"]
            assert 'id="error-message"' in sent.response.content.decode()  # the 429 page says it
            assert_nothing_stored(sent)


# --- what the fuzzing found, pinned down ----------------------------------------------------------
# Each input below answered with a server error (or an exception that escaped the application)
# when this file was written; the assertions state the clear answer it must get instead.

FORM_POST = {
    "description": "营业员拒绝为我办理退费。",
    "complainant_phone": "139 1234 5678",
    "consent": "on",
}


def test_a_form_post_declaring_a_charset_other_than_utf8_is_refused_with_400(fuzz_world):
    """Django refuses such a body with BadRequest, but does not mark the body as unreadable, so
    its 400 and 500 handlers (wrapped in requires_csrf_token) read it again and raise again:
    the exception escapes the application and the server answers 500. Any CSRF-checked POST
    with a CSRF cookie does this, /accounts/login/ included."""
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    before = Complaint.objects.count()
    response = client.post(
        "/submit/",
        data=urlencoded([(k, v.encode()) for k, v in FORM_POST.items()]),
        content_type="application/x-www-form-urlencoded; charset=iso-8859-1",
        headers={"X-CSRFToken": CSRF_SECRET},
    )
    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()
    assert Complaint.objects.count() == before


def test_an_evidence_file_with_a_long_chinese_name_is_kept_or_refused_never_a_server_error(
    fuzz_world,
):
    """124 characters are 364 bytes in UTF-8, more than a file name may have on disk (255)."""
    name = "投诉证据" * 30 + ".pdf"
    before = census()
    response = Client().post(
        "/submit/", {**FORM_POST, "attachments": [SimpleUploadedFile(name, PDF, "application/pdf")]}
    )
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert Attachment.objects.get().original_name == name
    else:
        assert census() == before


def test_two_evidence_files_with_the_same_255_character_name_are_both_kept(fuzz_world):
    """The second copy gets a random suffix, which takes the name past 255 bytes."""
    name = "a" * 251 + ".pdf"
    files = [SimpleUploadedFile(name, PDF, "application/pdf") for _n in range(2)]
    response = Client().post("/submit/", {**FORM_POST, "attachments": files})
    assert response.status_code == 302
    assert Attachment.objects.count() == 2


def service_request(**overrides) -> dict:
    data = {
        "api_key": FUZZ_API_KEY,
        "service_code": "rude-staff",
        "address_string": "上海市黄浦区人民大道200号",
        "description": "The clerk shouted at me.",
    }
    return {**data, **overrides}


@pytest.mark.parametrize(
    "overrides",
    [
        {"attribute[request]": "an apology\x00"},
        {"attribute[subject]": "\x00"},
        {"attribute[request][]": "\x00"},
        {"service_code": "rude-staff\x00"},
    ],
    ids=["request attribute", "subject attribute", "request[] attribute", "service_code"],
)
def test_open311_refuses_a_nul_character_with_a_4xx_and_stores_nothing(fuzz_world, overrides):
    before = census()
    response = Client().post(f"{O311}/requests.json", service_request(**overrides))
    assert response.status_code in (400, 404)
    assert census() == before


@pytest.mark.parametrize(
    "path",
    [
        f"{O311}/services/%00.json",
        f"{O311}/requests/%00.xml",
        f"{O311}/requests.json?service_request_id=%00",
        f"{O311}/requests.json?service_code=%00",
    ],
)
def test_open311_reads_with_a_nul_character_answer_not_found_or_bad_request(fuzz_world, path):
    assert Client().get(path).status_code in (200, 400, 404)


@pytest.mark.parametrize(
    "query",
    [
        "start_date=9999-12-31T00:00:00Z",  # the default end is 90 days later: past year 9999
        "end_date=0001-01-01T00:00:00Z",  # the default start is 90 days earlier: before year 1
        "start_date=2026-01-01T00:00:00%2B23:59",  # PostgreSQL takes offsets up to ±15:59
        "end_date=2026-01-01T00:00:00-23:59",
    ],
)
def test_open311_lists_for_dates_at_the_edges_answer_a_list_or_bad_request(fuzz_world, query):
    assert Client().get(f"{O311}/requests.json?{query}").status_code in (200, 400)
