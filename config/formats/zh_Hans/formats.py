"""One date format for the whole product, in both languages (pages, exports, emails).

ISO-like year-month-day with a 24-hour clock reads the same to English and Chinese staff and
sorts as text in a spreadsheet; the time is always the organisation's local time (TIME_ZONE).
"""

DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "m-d"
YEAR_MONTH_FORMAT = "Y-m"
