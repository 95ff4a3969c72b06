"""Benchmark the monthly report and the history page (the former ``manage.py bench_reports``).

    scripts/with-postgres .venv/bin/python -m tests.bench.reports
    scripts/with-postgres .venv/bin/python -m tests.bench.reports --complaints 100000
    scripts/with-postgres .venv/bin/python -m tests.bench.reports --proposed-indexes

Same options as before (``--help`` lists them); the measurements are in
``tests/bench/reports_timing.py`` and the seed in ``tests/bench/reports_seed.py``. Django is
set up here, before those modules import any model.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from tests.bench.reports_timing import Command

    # run_from_argv parses argv[2:] and reports a CommandError as a message and exit status 1,
    # as manage.py did.
    args = sys.argv[1:] if argv is None else argv
    Command().run_from_argv(["python -m", "tests.bench.reports", *args])


if __name__ == "__main__":
    main()
