"""One date-and-time format for the staff product, in both languages: pages, CSV exports and
staff emails show "2026-12-07 14:05" (and "2026-12-07" for a short date).

ISO-like year-month-day with a 24-hour clock reads the same to English and Chinese staff and
sorts as text in a spreadsheet; the time is always the organisation's local time (TIME_ZONE).
DATE_FORMAT, the long date ("7 December 2026" / "2026年12月7日"), keeps the locale's own: it is
the date of the formal letters and messages to complainants, where a written-out date belongs.
"""

DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
