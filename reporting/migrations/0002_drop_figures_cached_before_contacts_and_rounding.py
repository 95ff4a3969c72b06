"""Drop the cached report figures computed under the earlier definitions.

Satisfaction now counts every follow-up contact in its month (from the history rows) and hours
are rounded half up once to one decimal; a finished month's cached bundle stays valid until its
generation changes, so entries computed before this release would keep serving the old figures.
The cache is rebuilt on the next read. Issued month-end reports (``MonthlySnapshot``) are kept
as issued: a finished month's report of record never changes.
"""

from django.db import migrations


def drop_cached_figures(apps, schema_editor):
    apps.get_model("reporting", "ReportCache").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_reports_audit_chain_calendar")]

    operations = [migrations.RunPython(drop_cached_figures, migrations.RunPython.noop)]
