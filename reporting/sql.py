"""SQL expressions the report needs that Django does not ship.

Every figure is computed by the database. PostgreSQL is the production database; SQLite (the
embedded demo) gets the same figures except medians, which it cannot compute in SQL: the
report shows them as unavailable with a note rather than computing them in Python.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import (
    Aggregate,
    BigIntegerField,
    DateTimeField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
)
from django.db.models.functions import (
    Cast,
    ExtractHour,
    ExtractMinute,
    ExtractSecond,
    Greatest,
    Least,
    TruncDate,
)

from reporting.months import zone


def medians_supported() -> bool:
    return connection.vendor == "postgresql"


class EpochSeconds(Func):
    """Seconds from ``start`` to ``end`` (a float; NULL if either is NULL)."""

    output_field = FloatField()
    arity = 2

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))::float8",
            arg_joiner=" - ",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5) WITHIN GROUP (ORDER BY expr)``."""

    function = "percentile_cont"
    name = "Median"
    output_field = FloatField()
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def as_sql(self, compiler, connection, **extra):
        if connection.vendor != "postgresql":
            from django.db import NotSupportedError

            raise NotSupportedError("Medians need PostgreSQL (percentile_cont).")
        return super().as_sql(compiler, connection, **extra)


def working_seconds_at(field: str):
    """W(t) for the complaint column ``field``: working seconds in the calendar before ``t``.

    One correlated look-up of the local date in ``reporting_workingday`` (its primary key), so
    the working time between two columns is ``working_seconds_at(b) - working_seconds_at(a)``
    at the cost of two index probes per row, with no row expansion. NULL when the calendar
    does not cover the date (``ensure_calendar`` keeps it wide enough).
    """
    from reporting.models import WorkingDay

    tz = zone()
    # The wrapper gives the outer column a type, which Trunc/Extract need to resolve.
    moment = ExpressionWrapper(OuterRef(field), output_field=DateTimeField())
    second_of_day = ExpressionWrapper(
        Cast(ExtractHour(moment, tzinfo=tz), IntegerField()) * Value(3600)
        + Cast(ExtractMinute(moment, tzinfo=tz), IntegerField()) * Value(60)
        + Cast(ExtractSecond(moment, tzinfo=tz), IntegerField()),
        output_field=BigIntegerField(),
    )
    within_day = Least(
        Greatest(
            ExpressionWrapper(second_of_day - F("opens_second"), output_field=BigIntegerField()),
            Value(0),
            output_field=BigIntegerField(),
        ),
        F("length_seconds"),
        output_field=BigIntegerField(),
    )
    return Subquery(
        WorkingDay.objects.filter(day=TruncDate(moment, tzinfo=tz))
        .annotate(
            w=ExpressionWrapper(
                F("cumulative_seconds") + within_day, output_field=BigIntegerField()
            )
        )
        .values("w")[:1],
        output_field=BigIntegerField(),
    )


def working_seconds_between(start_field: str, end_field: str):
    return ExpressionWrapper(
        working_seconds_at(end_field) - working_seconds_at(start_field),
        output_field=BigIntegerField(),
    )
