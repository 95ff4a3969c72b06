"""Written notices as PDF (受理告知书, 不予受理告知书, 延期告知书, 处理意见书).

- ``render_pdf(*, title, body, reference, date, tracking_url, organisation, language) -> bytes``:
  an A4 PDF with an embedded Chinese font from a Python package (no system font), the
  organisation's name, the reference, the date and a QR code of the tracking link.
- ``store_letter(message, *, by) -> Attachment``: render ``message`` (a Message on the letter
  channel: its subject is the title, its body the text) to PDF, keep it as an attachment of the
  complaint through ``complaints.services.add_attachment``, link it on ``message.attachment``.

The font is Noto Serif SC (SIL Open Font License 1.1) from the ``pylopdf-fonts-zh-cn`` wheel:
production and CI are plain Debian without CJK fonts, and a PDF that leans on the reader's fonts
shows empty boxes on a machine without them, so the glyphs used are embedded as a subset. A serif
(宋体-like) face is what an official notice is set in.
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata

import pylopdf_fonts_zh_cn
import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import TextMode, XPos, YPos

from complaints.locking import lock
from complaints.models import Attachment
from complaints.services import add_attachment

FONT = "NotoSerifSC"
MARGIN = 25  # mm on every side: room for a hole punch and for binding into a file
QR_SIZE = 30  # mm: scans from a phone held at reading distance
BODY_SIZE = 12  # pt
BODY_LEADING = 7.5  # mm between baselines: about 1.8 lines, as official notices are set

# 避头尾 (kinsoku): marks that may not start a line travel with the character before them, and
# opening marks that may not end a line travel with the character after them.
NO_LINE_START = frozenset("，。、；：？！）》」』】〕〗〉’”…%‰·,.;:?!)]}")
NO_LINE_END = frozenset("（《「『【〔〖〈‘“([{")
LEADING_SPACE = re.compile(r"^[ \u3000]*")
# Control characters pasted from a word processor have no glyph; they would print as boxes.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


class _Letter(FPDF):
    """A4 letter with the organisation's name as letterhead and "page x of y" in the footer."""

    def __init__(self, *, organisation: str, page_label: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.organisation = organisation
        # "{nb}" is replaced by the page count when the document is written out.
        self.page_label = page_label
        self.add_font(FONT, fname=str(pylopdf_fonts_zh_cn.serif_path()))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN)

    def header(self) -> None:
        self.set_y(12)
        self.set_font(FONT, size=11)
        self.set_text_color(60)
        self.cell(0, 6, self.organisation, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(150)
        self.set_line_width(0.3)
        self.line(MARGIN, 19.5, self.w - MARGIN, 19.5)
        self.set_text_color(0)
        self.set_y(MARGIN)

    def footer(self) -> None:
        self.set_y(-16)
        self.set_font(FONT, size=9)
        self.set_text_color(90)
        self.cell(0, 5, self.page_label.replace("{page}", str(self.page_no())), align="C")
        self.set_text_color(0)


def render_pdf(
    *,
    title: str,
    body: str,
    reference: str,
    date: datetime.date,
    tracking_url: str,
    organisation: str,
    language: str,
) -> bytes:
    """An A4 letter: letterhead, title, reference and date beside a QR code of the tracking
    page, then the body, flowing onto as many pages as it needs."""
    with translation.override(language):
        page_label = _("Page %(page)s of %(pages)s") % {"page": "{page}", "pages": "{nb}"}
        reference_line = _("Reference: %(reference)s") % {"reference": reference}
        date_line = _("Date: %(date)s") % {"date": date_format(date, "DATE_FORMAT")}
        scan_line = _("Scan to follow your complaint")

    pdf = _Letter(organisation=organisation, page_label=page_label)
    pdf.set_title(title)
    pdf.set_subject(reference)
    pdf.set_author(organisation)
    pdf.set_creator("Redress")
    pdf.set_lang(language)
    pdf.add_page()
    _title(pdf, title)
    _reference_block(pdf, [reference_line, date_line], scan_line, tracking_url)
    _body(pdf, body, justify=language.startswith("zh"))
    return bytes(pdf.output())


def _title(pdf: FPDF, title: str) -> None:
    width = pdf.w - 2 * MARGIN
    pdf.set_font(FONT, size=20)
    pdf.ln(4)
    # The package has the regular weight only: a thin outline gives the title the weight of
    # the bold 标宋 that official titles are set in.
    pdf.set_line_width(0.25)
    with pdf.local_context(text_mode=TextMode.FILL_STROKE):
        for line in _wrap(pdf, title, width):
            pdf.cell(0, 11, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)


def _reference_block(pdf: FPDF, lines: list[str], scan_line: str, tracking_url: str) -> None:
    """Reference and date on the left, the QR code on the right, its link under the caption."""
    top = pdf.get_y()
    qr_x = pdf.w - MARGIN - QR_SIZE
    pdf.image(_qr_png(tracking_url), x=qr_x, y=top, w=QR_SIZE, h=QR_SIZE)
    left = qr_x - MARGIN - 6
    pdf.set_font(FONT, size=BODY_SIZE)
    for line in lines:
        pdf.cell(left, 7, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(FONT, size=9)
    pdf.set_text_color(70)
    pdf.cell(left, 5, scan_line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for line in _wrap(pdf, tracking_url, left):
        pdf.cell(left, 4.5, line, link=tracking_url, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0)
    pdf.set_y(max(pdf.get_y(), top + QR_SIZE) + 8)


def _body(pdf: FPDF, body: str, *, justify: bool) -> None:
    """The text, paragraph by paragraph; Chinese justified except each paragraph's last line."""
    width = pdf.w - 2 * MARGIN
    pdf.set_font(FONT, size=BODY_SIZE)
    text = CONTROL.sub("", body.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    "))
    for paragraph in text.split("\n"):
        lines = _wrap(pdf, paragraph.rstrip(), width)
        if not lines:
            pdf.ln(BODY_LEADING / 2)
            continue
        for number, line in enumerate(lines, start=1):
            last = number == len(lines)
            _body_line(pdf, line, width, justify=justify and not last)
        pdf.ln(1.5)


def _body_line(pdf: FPDF, line: str, width: float, *, justify: bool) -> None:
    """Chinese is set flush on both sides: the little room left at the end of a wrapped line
    is shared out between its characters, as a typesetter would."""
    spacing = 0.0
    room = width - pdf.get_string_width(line)
    # A line short for another reason (a long URL or reference moved down) stays as it is.
    if justify and len(line) > 1 and 0 < room <= 2 * pdf.font_size:
        spacing = room / (len(line) - 1)
    pdf.set_char_spacing(spacing)
    pdf.cell(0, BODY_LEADING, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_char_spacing(0)


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Lines of ``text`` that fit ``width`` in the current font.

    fpdf2 breaks at spaces, and Chinese has none: a paragraph would be cut only where it
    overflows, anywhere in a Latin word, with a comma free to start a line. Here a line may end
    after any Chinese character, Latin words and numbers (a reference, a URL) stay whole unless
    longer than a line, and the 避头尾 marks stay with their neighbour. Leading spaces (a
    paragraph's indent, 　　) are kept on the first line only.
    """
    indent = LEADING_SPACE.match(text).group()
    units = ([indent] if indent else []) + _units(text[len(indent) :])
    lines: list[str] = []
    line = ""
    for unit in units:
        if unit == " " and not line:
            continue
        if pdf.get_string_width(line + unit) <= width or not line.strip():
            line += unit
        else:
            lines.append(line.rstrip())
            line = "" if unit == " " else unit
        while pdf.get_string_width(line) > width:  # one unit wider than the line: cut it
            cut = len(line) - 1
            while cut > 1 and pdf.get_string_width(line[:cut]) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _units(text: str) -> list[str]:
    """The pieces a line may break between: a wide (CJK) character, a run of narrow ones, or a
    space; 避头尾 marks glued to their neighbour."""
    pieces: list[str] = []
    word = ""
    for char in text:
        if char == " " or unicodedata.east_asian_width(char) in ("W", "F"):
            if word:
                pieces.append(word)
                word = ""
            pieces.append(char)
        else:
            word += char
    if word:
        pieces.append(word)
    units: list[str] = []
    for piece in pieces:
        glue = (
            units
            and piece != " "
            and units[-1] != " "
            and (piece[0] in NO_LINE_START or units[-1][-1] in NO_LINE_END)
        )
        if glue:
            units[-1] += piece
        else:
            units.append(piece)
    return units


def _qr_png(url: str) -> io.BytesIO:
    buffer = io.BytesIO()
    # Level M survives a crease or a coffee ring; the quiet zone (4 modules) keeps the text
    # beside it out of the scan.
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=8, border=4)
    buffer.seek(0)
    return buffer


def tracking_url(reference: str) -> str:
    return f"{settings.REDRESS_PUBLIC_BASE_URL}/track/?reference={reference}"


def store_letter(message, *, by) -> Attachment:
    """The PDF of a letter, kept with the complaint's evidence (not public) and linked on the
    message. ``by`` is None for an automatic letter. A message that already has its PDF gets
    the same one back: a retried task or a double click makes no second letter."""
    if message.attachment_id is not None:
        return message.attachment
    complaint = message.complaint
    title = message.subject or message.get_purpose_display()
    # Rendered before the lock: it takes a moment, and a lost race only wastes the rendering.
    pdf = render_pdf(
        title=title,
        body=message.body,
        reference=complaint.reference,
        date=timezone.localdate(),
        tracking_url=tracking_url(complaint.reference),
        organisation=settings.REDRESS_ORGANISATION_NAME,
        language=message.language or settings.LANGUAGE_CODE,
    )
    with transaction.atomic():
        current = lock(message, only=("attachment",))
        if current.attachment_id is not None:
            message.attachment_id = current.attachment_id
            return current.attachment
        attachment = add_attachment(
            complaint,
            by=by,
            file=ContentFile(pdf, name="letter.pdf"),
            original_name=_file_name(complaint.reference, title),
            content_type="application/pdf",
            size=len(pdf),
            public=False,
        )
        message.attachment = attachment
        message._history_user = by
        message.save(update_fields=["attachment"])
    return attachment


def _file_name(reference: str, title: str) -> str:
    """C-2026-000123-受理告知书.pdf: what a handler looks for in the attachment list."""
    cleaned = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", title).strip()[:80]
    return f"{reference}-{cleaned}.pdf" if cleaned else f"{reference}.pdf"
