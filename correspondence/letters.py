"""Written notices as PDF (受理告知书, 不予受理告知书, 延期告知书, 处理意见书).

INTERFACE CONTRACT (filled in by the letters work):

- ``render_pdf(*, title, body, reference, date, tracking_url, organisation, language) -> bytes``:
  an A4 PDF with an embedded Chinese font from a Python package (no system font), the
  organisation's name, the reference, the date and a QR code of the tracking link.
- ``store_letter(message, *, by) -> Attachment``: render ``message`` (a Message on the letter
  channel: its subject is the title, its body the text) to PDF, keep it as an attachment of the
  complaint through ``complaints.services.add_attachment``, link it on ``message.attachment``.
"""
