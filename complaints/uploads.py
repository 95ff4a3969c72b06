"""Evidence uploads: size and type limits shared by every surface that accepts files.

The type is decided by the file's first bytes, not by its name or the browser's claim: a
renamed executable is refused as what it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

# (leading bytes, content type, extensions it may carry)
_SIGNATURES: list[tuple[bytes, str, tuple[str, ...]]] = [
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"GIF87a", "image/gif", (".gif",)),
    (b"GIF89a", "image/gif", (".gif",)),
    (b"RIFF", "audio/wav", (".wav",)),  # call recordings; checked further below
    (b"ID3", "audio/mpeg", (".mp3",)),
    (b"PK\x03\x04", "application/zip", (".docx", ".xlsx", ".odt", ".ods")),
]


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content_type: str
    size: int


def _sniff(head: bytes, name: str) -> str | None:
    lower = name.lower()
    for magic, content_type, extensions in _SIGNATURES:
        if head.startswith(magic) and lower.endswith(extensions):
            if content_type == "audio/wav" and head[8:12] != b"WAVE":
                return None
            if content_type == "application/zip":
                return {
                    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml."
                    "document",
                    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    ".odt": "application/vnd.oasis.opendocument.text",
                    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
                }[lower[lower.rfind(".") :]]
            return content_type
    if lower.endswith((".txt", ".eml")) and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            # A multi-byte character may be cut at the end of the sample.
            try:
                head[:-3].decode("utf-8")
            except UnicodeDecodeError:
                return None
        return "message/rfc822" if lower.endswith(".eml") else "text/plain"
    return None


def check_upload(uploaded) -> CheckedUpload:
    """Validate an uploaded file; raise ValidationError with a message the user can act on."""
    max_bytes = settings.REDRESS_UPLOAD_MAX_BYTES
    name = (getattr(uploaded, "name", "") or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if not name:
        raise ValidationError(_("The file has no name."))
    size = uploaded.size
    if size == 0:
        raise ValidationError(_("The file %(name)s is empty.") % {"name": name})
    if size > max_bytes:
        raise ValidationError(
            _("The file %(name)s is %(size)s; the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(max_bytes)}
        )
    uploaded.seek(0)
    head = uploaded.read(2048)
    uploaded.seek(0)
    content_type = _sniff(head, name)
    if content_type is None:
        raise ValidationError(
            _(
                "The file %(name)s is not an accepted type. Accepted: PDF, images (PNG, JPEG, "
                "GIF), audio (MP3, WAV), office documents (DOCX, XLSX, ODT, ODS), text and email."
            )
            % {"name": name}
        )
    return CheckedUpload(name=name, content_type=content_type, size=size)
