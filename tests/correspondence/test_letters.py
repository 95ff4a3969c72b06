"""Written notices as PDF: what a complainant holds in their hands, and what a handler finds
among the complaint's attachments.

The text is read back through PDFium (the engine of Chromium's PDF viewer), which maps the glyphs
to characters through the font's ToUnicode map: Chinese that comes back proves the font is
embedded and searchable. pypdf reads the structure (fonts, metadata, links). The first pages of
a Chinese and an English decision are saved as PNG beside the browser tests' screenshots.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdf
import pypdfium2
import pytest
import time_machine

from complaints.models import Attachment, State
from complaints.services import ActionForbidden
from correspondence.letters import render_pdf, store_letter
from correspondence.models import Message

SHANGHAI = ZoneInfo("Asia/Shanghai")
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
REFERENCE = "C-2026-000123"
TRACK = "https://redress.example.org/track/?reference=C-2026-000123"
ORGANISATION = "某市交通运输局投诉受理中心"

ACCEPTANCE_PARAGRAPHS = [
    "尊敬的李先生：",
    "　　您于2026年11月28日来信反映的高速公路ETC重复扣费问题，我单位已于2026年12月1日依法"
    "受理。我们将自受理之日起三十个工作日内调查核实并作出处理意见，届时以书面形式答复您。",
    "　　在办理期间，如您需要补充材料或了解办理进度，可携带本告知书到我单位投诉受理窗口查询，"
    "也可以扫描右上角的二维码或登录投诉查询页面，输入编号和查询码查看。",
    "　　感谢您对我们工作的监督和支持。",
    "特此告知。",
]
DECISION_PARAGRAPHS = [
    "尊敬的李先生：",
    "　　您于2026年11月28日来信反映的“高速公路ETC重复扣费（C-2026-000123）”问题，我单位已"
    "依法受理，并转交收费管理部门调查核实。经查，您所反映的情况属实：因收费站车道系统故障，"
    "您的车辆于2026年11月20日通行时被重复扣费人民币45.50元。",
    "　　我单位已于2026年12月3日将多扣的通行费全额退还至您的ETC账户，并对车道系统进行了检修，"
    "同时责成收费站加强设备巡检，防止类似问题再次发生。对此给您带来的不便，我们深表歉意。",
    "　　如您对本处理意见有异议，可自收到本意见书之日起三十日内向我单位书面申请复核。",
    "特此告知。",
]


def letter(
    *,
    title="受理告知书",
    paragraphs=ACCEPTANCE_PARAGRAPHS,
    language="zh-hans",
    date=dt.date(2026, 12, 6),
) -> bytes:
    return render_pdf(
        title=title,
        body="\n".join(paragraphs),
        reference=REFERENCE,
        date=date,
        tracking_url=TRACK,
        organisation=ORGANISATION if language == "zh-hans" else "Highway Complaints Office",
        language=language,
    )


def page_texts(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()


def squeeze(text: str) -> str:
    """The text without line breaks and spaces: where a line wraps is the layout's business."""
    return re.sub(r"[\s\u3000]+", "", text)


def embedded_fonts(pdf: bytes) -> list[dict]:
    fonts = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                fonts.append(
                    {
                        "name": str(font["/BaseFont"]),
                        "files": sorted(k for k in descriptor if k.startswith("/FontFile")),
                        "to_unicode": "/ToUnicode" in font,
                    }
                )
    return fonts


def test_chinese_acceptance_notice_carries_title_reference_date_and_text():
    pdf = letter()

    assert pdf.startswith(b"%PDF-")
    (text,) = page_texts(pdf)
    assert ORGANISATION in text
    assert "受理告知书" in text
    assert f"编号：{REFERENCE}" in text
    assert "日期：2026年12月6日" in text
    assert "扫码查询投诉办理进度" in text
    assert TRACK in text
    assert squeeze("".join(ACCEPTANCE_PARAGRAPHS)) in squeeze(text)
    assert "第 1 页 / 共 1 页" in text


def test_letter_embeds_its_chinese_font_with_a_unicode_map():
    fonts = embedded_fonts(letter())

    assert fonts
    for font in fonts:
        # A subset ("ABCDEF+NotoSerifSC"), embedded, so a reader without CJK fonts shows it.
        assert re.fullmatch(r"/[A-Z]{6}\+NotoSerifSC", font["name"]), font
        assert font["files"] in (["/FontFile2"], ["/FontFile3"]), font
        assert font["to_unicode"], font


def test_letter_says_what_it_is_in_its_document_properties():
    reader = pypdf.PdfReader(io.BytesIO(letter(title="处理意见书", paragraphs=DECISION_PARAGRAPHS)))

    assert reader.metadata.title == "处理意见书"
    assert reader.metadata.creator == "Redress"
    assert reader.metadata.author == ORGANISATION
    assert reader.metadata.subject == REFERENCE
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)


def test_first_page_has_the_qr_code_and_a_link_to_the_tracking_page():
    pdf = letter()
    document = pypdfium2.PdfDocument(pdf)
    try:
        images = [
            obj for obj in document[0].get_objects() if obj.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE
        ]
        assert len(images) == 1
        left, bottom, right, top = images[0].get_bounds()
        # About 30 mm square, in the right half of the page, above the body.
        assert 80 < right - left < 90 and 80 < top - bottom < 90
        assert left > document[0].get_width() / 2
    finally:
        document.close()
    links = [
        annotation.get_object()["/A"]["/URI"]
        for annotation in pypdf.PdfReader(io.BytesIO(pdf)).pages[0]["/Annots"]
    ]
    assert TRACK in links


def test_long_chinese_letter_flows_onto_numbered_pages():
    paragraphs = [f"　　第{n}段：" + DECISION_PARAGRAPHS[1] for n in range(1, 16)] + ["特此告知。"]

    pages = page_texts(letter(title="处理意见书", paragraphs=paragraphs))

    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"第 {number} 页 / 共 {len(pages)} 页" in text
    assert "第2页 / 共" not in pages[1]  # the footer's spacing is the translation's, kept
    assert "特此告知。" in pages[-1]
    # Nothing lost at the page breaks once the letterhead and footers are set aside.
    running = squeeze("".join(pages)).replace(ORGANISATION, "")
    assert squeeze("".join(paragraphs)) in re.sub(r"第\d+页/共\d+页", "", running)
    # Every page but the first carries the letterhead too.
    assert all(ORGANISATION in text for text in pages)


def test_chinese_lines_break_between_characters_and_respect_punctuation():
    text = "\n".join(page_texts(letter(title="处理意见书", paragraphs=DECISION_PARAGRAPHS)))
    body = text[text.index("尊敬的李先生") :]
    lines = [line for line in body.splitlines() if line.strip()]

    # Paragraphs of Chinese wrap into many lines, none opening with a closing mark (避头)
    # or ending with an opening one (避尾), and the reference is never cut in two.
    assert len(lines) > len(DECISION_PARAGRAPHS) + 5
    assert not [line for line in lines if line.lstrip("\u3000 ")[0] in "，。、；：？！）》”"]
    assert not [line for line in lines if line.rstrip()[-1] in "（《“"]
    assert any(REFERENCE in line for line in lines)
    # Lines are filled: a wrapped line of Chinese is about 37 characters of 12 pt on A4.
    full = [line for line in lines if len(line) >= 30]
    assert len(full) >= 5


def test_english_letter_speaks_english():
    paragraphs = [
        "Dear Mr Li,",
        "We have looked into your complaint about being charged twice at the toll plaza. " * 12,
        "Yours sincerely,",
    ]
    pdf = letter(title="Decision on your complaint", paragraphs=paragraphs, language="en")

    (text,) = page_texts(pdf)
    assert "Decision on your complaint" in text
    assert f"Reference: {REFERENCE}" in text
    assert "Date: Dec. 6, 2026" in text
    assert "Scan to follow your complaint" in text
    assert "Page 1 of 1" in text
    assert "编号" not in text and "页" not in text
    # English wraps at spaces only: every word comes back whole.
    body = text[text.index("Dear Mr Li") : text.index("Page 1 of 1")]
    assert body.split() == " ".join(paragraphs).split()


def test_letter_pages_render_to_images_for_review():
    """The first page of a decision in each language, for a reviewer's eye (and the README)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    english = [
        "Dear Mr Li,",
        "Thank you for your letter of 28 November 2026 about being charged twice at the toll "
        "plaza. We accepted your complaint on 1 December 2026 and asked the toll management "
        "department to look into it.",
        "We found that a fault in the lane equipment charged your vehicle twice on 20 November "
        "2026. We refunded the CNY 45.50 to your ETC account on 3 December 2026, repaired the "
        "equipment and asked the plaza to check it more often. We apologise for the trouble.",
        "If you disagree with this decision, you may ask us in writing to review it within "
        "30 days of receiving this letter.",
        "Yours sincerely,",
    ]
    for language, title, paragraphs in (
        ("zh-hans", "处理意见书", DECISION_PARAGRAPHS),
        ("en", "Decision on your complaint", english),
    ):
        document = pypdfium2.PdfDocument(
            letter(title=title, paragraphs=paragraphs, language=language)
        )
        try:
            image = document[0].render(scale=2).to_pil().convert("L")
        finally:
            document.close()
        path = SCREENSHOT_DIR / f"letter-decision-{language}.png"
        image.save(path)

        assert image.size == (1191, 1684)  # A4 at 144 dpi
        # Ink where the title is set (a missing font would leave the page blank, not boxes:
        # PDFium draws nothing for a glyph it cannot find).
        title_band = image.crop((300, 180, 891, 260))
        assert min(title_band.get_flattened_data()) < 60


# --- store_letter: the PDF kept with the complaint -------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REDRESS_ORGANISATION_NAME = ORGANISATION
    settings.REDRESS_PUBLIC_BASE_URL = "https://redress.example.org"


def decision_message(complaint, *, language="zh-hans") -> Message:
    return Message.objects.create(
        complaint=complaint,
        channel="letter",
        purpose="decision",
        event_key=f"decision:{complaint.version}",
        event_version=complaint.version,
        language=language,
        subject="处理意见书" if language == "zh-hans" else "Decision on your complaint",
        body="\n".join(DECISION_PARAGRAPHS) if language == "zh-hans" else "Dear Mr Li,",
        status=Message.Status.TO_POST,
    )


def test_automatic_letter_is_kept_as_a_private_attachment_with_history(media, make_complaint):
    complaint = make_complaint(State.RESOLVED)
    message = decision_message(complaint)

    attachment = store_letter(message, by=None)

    attachment.refresh_from_db()
    assert attachment.complaint == complaint
    assert attachment.original_name == f"{complaint.reference}-处理意见书.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.public is False
    assert attachment.uploaded_by is None
    with attachment.file.open("rb") as stored:
        pdf = stored.read()
    assert attachment.size == len(pdf)
    (history,) = attachment.history.all()
    assert history.history_user is None
    assert history.history_type == "+"
    assert Message.objects.get(pk=message.pk).attachment == attachment
    # The letter names the complaint and links to its tracking page.
    text = "".join(page_texts(pdf))
    assert f"编号：{complaint.reference}" in text
    assert f"https://redress.example.org/track/?reference={complaint.reference}" in text
    assert ORGANISATION in text


def test_handlers_letter_records_the_handler(media, make_complaint, frontline):
    complaint = make_complaint(State.ASSIGNED)
    message = decision_message(complaint, language="en")

    attachment = store_letter(message, by=frontline)

    assert attachment.uploaded_by == frontline
    assert attachment.history.get().history_user == frontline
    assert attachment.original_name == f"{complaint.reference}-Decision on your complaint.pdf"
    with attachment.file.open("rb") as stored:
        assert f"Reference: {complaint.reference}" in page_texts(stored.read())[0]


def test_auditor_cannot_file_a_letter(media, make_complaint, auditor):
    complaint = make_complaint(State.ASSIGNED)
    message = decision_message(complaint)

    with pytest.raises(ActionForbidden):
        store_letter(message, by=auditor)

    assert not Attachment.objects.filter(complaint=complaint).exists()
    assert Message.objects.get(pk=message.pk).attachment is None


def test_storing_a_letter_twice_keeps_one_pdf(media, make_complaint, django_assert_num_queries):
    complaint = make_complaint(State.RESOLVED)
    message = decision_message(complaint)
    first = store_letter(message, by=None)

    # The same message object, and a fresh copy as a retried task would load it.
    with django_assert_num_queries(0):
        assert store_letter(message, by=None) == first
    again = store_letter(Message.objects.get(pk=message.pk), by=None)

    assert again == first
    assert Attachment.objects.filter(complaint=complaint).count() == 1


def test_stale_copy_of_a_message_does_not_make_a_second_pdf(media, make_complaint):
    """A second worker that loaded the message before the first stored its PDF."""
    complaint = make_complaint(State.RESOLVED)
    stale = Message.objects.get(pk=decision_message(complaint).pk)
    first = store_letter(Message.objects.get(pk=stale.pk), by=None)

    assert store_letter(stale, by=None) == first
    assert stale.attachment_id == first.pk
    assert Attachment.objects.filter(complaint=complaint).count() == 1


@pytest.mark.parametrize(
    ("moment", "printed"),
    [
        (dt.datetime(2026, 12, 31, 23, 30, tzinfo=SHANGHAI), "日期：2026年12月31日"),
        # 16:30 UTC on 31 December: already New Year's Day in Shanghai.
        (dt.datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI), "日期：2027年1月1日"),
    ],
)
def test_letter_is_dated_the_local_day(media, make_complaint, moment, printed):
    complaint = make_complaint(State.RESOLVED)
    message = decision_message(complaint)

    with time_machine.travel(moment, tick=False):
        attachment = store_letter(message, by=None)

    with attachment.file.open("rb") as stored:
        assert printed in page_texts(stored.read())[0]
