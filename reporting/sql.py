"""SQL expressions the report needs that Django does not ship.

Every figure is computed by the database. PostgreSQL is the production database; SQLite (the
embedded demo) gets the same figures except medians, which it cannot compute in SQL: the
report shows them as unavailable with a note rather than computing them in Python.
"""

from __future__ import annotations

from django.db import connection, connections
from django.db.models import (
    Aggregate,
    Avg,
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


def _working_before(day: str, local: str) -> str:
    """SQL: working seconds of the calendar before the local time ``local`` (a timestamp
    without time zone), whose date's calendar row is joined as ``day``."""
    return (
        f"({day}.cumulative_seconds + LEAST(GREATEST("
        f"floor(EXTRACT(EPOCH FROM {local}::time))::bigint"
        f" - {day}.opens_second, 0), {day}.length_seconds))"
    )


def duration_stats(complaints, month, ends: dict[str, str]) -> dict[str, dict[str, float | None]]:
    """For each ``name: end_field`` of ``ends``: mean and median seconds from received_at to
    ``end_field`` over the complaints whose ``end_field`` falls in ``month``, in calendar time
    and in working time (``avg``, ``median``, ``wavg``, ``wmedian``).

    PostgreSQL: one query over the union of the windows; each row is hash-joined to the
    calendar rows of its local dates and every statistic is a FILTERed aggregate (percentiles
    included), so a month of 50,000 resolutions costs one pass. Other databases (the SQLite
    demo): the means through correlated look-ups, and no medians (``portable_duration_stats``).
    """
    from django.db.models import Q

    if not medians_supported():
        return {
            name: portable_duration_stats(
                complaints.filter(**{f"{field}__gte": month.start, f"{field}__lt": month.end}),
                "received_at",
                field,
            )
            for name, field in ends.items()
        }
    names = list(ends)
    window = Q()
    for field in ends.values():
        window |= Q(**{f"{field}__gte": month.start, f"{field}__lt": month.end})
    # The ORM writes the filtered, visibility-scoped inner query; it is embedded as is.
    inner_sql, inner_params = (
        complaints.filter(window)
        .order_by()
        .values_list("received_at", *ends.values())
        .query.sql_with_params()
    )
    tz = zone().key
    durations, joins = _duration_columns(len(names))
    aggregates, agg_params = _duration_aggregates(len(names), month)
    columns = ", ".join(f"e{i}" for i in range(len(names)))
    # Each moment is converted to local time once (``ls``, ``l{i}``), for its calendar row and
    # its time of day; the conversion is most of the cost per row.
    local = ", ".join(f"e{i} AT TIME ZONE %s AS l{i}" for i in range(len(names)))
    sql = (
        f"SELECT {', '.join(aggregates)} FROM ("  # noqa: S608 - built from constants; values are parameters
        f"SELECT {', '.join(durations)} FROM (SELECT s, {columns}, s AT TIME ZONE %s AS ls, "
        f"{local} FROM ({inner_sql}) AS t0(s, {columns}) OFFSET 0) AS t "
        "LEFT JOIN reporting_workingday ws ON ws.day = t.ls::date "
        # OFFSET 0 keeps PostgreSQL from inlining the subquery: each row's durations are then
        # computed once, not once per aggregate that reads them (a third less time).
        f"{' '.join(joins)} OFFSET 0) AS d"
    )
    with connections[complaints.db].cursor() as cursor:
        cursor.execute(sql, [*agg_params, tz, *([tz] * len(names)), *inner_params])
        row = cursor.fetchone()
    return {
        name: dict(zip(("avg", "median", "wavg", "wmedian"), row[4 * i : 4 * i + 4], strict=True))
        for i, name in enumerate(names)
    }


def _duration_columns(count: int) -> tuple[list[str], list[str]]:
    """Per end ``e{i}``: the end, its calendar seconds ``cal{i}`` and working seconds
    ``work{i}`` from the start ``s`` (the working-day rows ``w{i}`` of the end's local date
    ``l{i}`` and ``ws`` of the start's ``ls``); returns the select list and the joins."""
    select, joins = [], []
    for i in range(count):
        select.append(
            f"t.e{i}, EXTRACT(EPOCH FROM (t.e{i} - t.s))::float8 AS cal{i}, "
            f"({_working_before(f'w{i}', f't.l{i}')} - {_working_before('ws', 't.ls')})::float8"
            f" AS work{i}"
        )
        joins.append(f"LEFT JOIN reporting_workingday w{i} ON w{i}.day = t.l{i}::date")
    return select, joins


def _duration_aggregates(count: int, month) -> tuple[list[str], list]:
    """Per end: mean and median of the calendar and the working seconds, FILTERed to the ends
    that fall in ``month`` (the inner query reads the union of the windows)."""
    aggregates, params = [], []
    for i in range(count):
        in_month = f"e{i} >= %s AND e{i} < %s"
        for expr in (
            f"avg(cal{i}) FILTER (WHERE {in_month})",
            f"percentile_cont(0.5) WITHIN GROUP (ORDER BY cal{i}) FILTER (WHERE {in_month})",
            f"avg(work{i}) FILTER (WHERE {in_month})",
            f"percentile_cont(0.5) WITHIN GROUP (ORDER BY work{i}) FILTER (WHERE {in_month})",
        ):
            aggregates.append(expr)
            params += [month.start, month.end]
    return aggregates, params


def portable_duration_stats(complaints, start_field: str, end_field: str) -> dict:
    """The means through the ORM alone (SQLite); no medians, which SQLite cannot compute."""
    row = complaints.aggregate(
        avg=Avg(EpochSeconds(end_field, start_field)),
        wavg=Avg(working_seconds_between(start_field, end_field)),
    )
    return {"avg": row["avg"], "median": None, "wavg": row["wavg"], "wmedian": None}


def grouping_sets(rows, fields: list[str]) -> dict[str | None, list[dict]]:
    """The aggregates of ``rows`` (a ``values(*fields).annotate(...)`` queryset) over the whole
    of it and by each of ``fields`` alone, in one scan (PostgreSQL's GROUPING SETS): ``None`` →
    [the total row], each field → its rows (the field's value and the aggregates).

    The ORM writes the query, visibility scope and FILTERed aggregates included; only its
    outer GROUP BY becomes ``GROUPING SETS ((), (a), (b), ...)``, and ``GROUPING(a, b, ...)``
    says which set a row belongs to (a NULL department is then told from "all departments").
    """
    sql, params = rows.order_by().query.sql_with_params()
    head, sep, tail = sql.rpartition(" GROUP BY ")
    if not sep or len(tail.split(", ")) != len(fields) or not head.startswith("SELECT "):
        raise ValueError(f"Not a GROUP BY of {fields}: {sql}")
    # The ORM may group by select positions (GROUP BY 1, 2): name the columns instead.
    quote, opts = connections[rows.db].ops.quote_name, rows.model._meta
    columns = [f"{quote(opts.db_table)}.{quote(opts.get_field(f).column)}" for f in fields]
    sets = ", ".join(["()", *(f"({column})" for column in columns)])
    sql = (
        f"SELECT GROUPING({', '.join(columns)}), {head[len('SELECT ') :]}"
        f" GROUP BY GROUPING SETS ({sets})"
    )
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description][1:]
        fetched = cursor.fetchall()
    width = len(fields)
    # GROUPING's bit for a column is 1 when the row is not grouped by it (first column highest).
    set_of = {(1 << width) - 1: None}
    set_of.update({((1 << width) - 1) ^ (1 << (width - 1 - i)): f for i, f in enumerate(fields)})
    result: dict[str | None, list[dict]] = {None: [], **{f: [] for f in fields}}
    for grouping, *values in fetched:
        result[set_of[grouping]].append(dict(zip(names, values, strict=True)))
    return result
