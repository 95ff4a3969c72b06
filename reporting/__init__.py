"""Reporting: monthly, quarterly and annual reports, their exports and API, the accountability
table, root causes, the regulator export, and the tamper-evident audit chain.

How to change reporting
=======================

Where the data comes from. Reporting writes no complaint and reads other apps only through
their selectors: the complaints a report covers are ``selectors.complaints_for(scope, user)``,
built on ``complaints.selectors.complaints_visible_to(user)`` (the system issuing month-end
reports reads ``complaints.selectors.all_complaints_for_reports()``); the working calendar is
``escalation.selectors.default_working_calendar()``, flattened into reporting's own cache
table ``WorkingDay`` (``workdays``). ``selectors.resolve_scope`` only picks which report a
user gets; it grants nothing.

Adding a figure, in order:

1. ``figures``: define it in the module docstring, compute it in ``month_bundle`` (as a
   FILTERed aggregate of ``_groups`` or a step beside it: one query per step, whatever the size
   of the month), name it in ``_headline``, and list it in ``HEADLINE`` (key, label, kind:
   count, hours, rate as ``{"num", "den"}``, or money); a target goes in ``TARGETS``. For
   quarters and years, ``periods.combine`` says how months add up (counts add, rates from
   summed counts).
2. The snapshot: nothing to do. A bundle is stored whole (``MonthlySnapshot.figures``,
   ``PeriodSnapshot``), so reports issued from now on carry the figure; reports issued before
   do not, and ``figures.value``/``figures.differences`` treat a missing key as "not in that
   report" rather than zero.
3. Page, exports and API read ``report.rows``, built from ``HEADLINE`` (``selectors._rows``,
   ``period_selectors._rows``), so a headline figure appears on the page, in the CSV/XLSX
   (``exports.figure_rows``) and in the API (``api.serialize``) without more code. A new
   section (not a headline row) goes into ``sections`` (monthly and period pages alike), then
   its template partial, ``exports`` and the API serializer, and into ``fingerprint`` so the
   page cache notices it.
4. Tests: ``tests/reporting/test_figures.py`` asserts the figures of a hand-built month
   (``conftest.march``); assert the new one there, and keep the query budgets in
   ``tests/reporting`` as they are.

How a finished month stays frozen. At month end the scheduled task issues the month's report
for the organisation and each department (``services.issue_snapshots``, idempotent; quarters
and years by ``period_services``). The page then shows the issued figures, and beside them the
live recomputation where a later correction changed a past complaint (``differences``).
Comparison months and the trend read the issued reports where they exist. Figures of finished
months that were never issued are cached (``ReportCache``) under a token made of the months'
generations; a change to a complaint bumps the generations of the months it may alter
(``signals`` → ``services.bump_generations``, after commit), which invalidates exactly those
entries. The running month is cached for a short time only. Nothing rewrites an issued report.

The audit chain (``audit``) seals every column of every history row of a complaint in the
writer's transaction (``signals``). A history model that gains a column gets a new
``SealLayout`` by itself, and older links verify against the columns they were sealed with;
changing ``audit.canonical`` or the hashing would break every existing chain.

The benchmark of these pages lives in ``tests/bench`` (``python -m tests.bench.reports``), not
in the app.
"""
