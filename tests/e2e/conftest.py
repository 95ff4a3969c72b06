"""End-to-end fixtures; they live in ``tests/e2e/browser.py`` so other test folders can import
them into their own ``conftest.py``."""

import pytest


@pytest.fixture(autouse=True)
def _tier_groups_before_personas(request):
    # Autouse so the groups exist before persona fixtures (set_staff_profile) run, whatever
    # order a test lists its fixtures in.
    request.getfixturevalue("tier_groups")
