"""Take the README's screenshots from a running demo (``make run``), with Debian's Chromium.

    .venv/bin/python scripts/readme_screenshots.py [http://127.0.0.1:8000]

Logs in as the demo users and writes ``docs/screenshots/*.png``: the department manager's
dashboard (English, 1440 px), a complaint page (Chinese, 1440 px) and the complaint list on a
phone (Chinese, 390 px). The pages are the demo's, so the pictures show real seeded work.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("REDRESS_CHROMIUM", "/usr/bin/chromium")
PASSWORD = os.environ.get("REDRESS_DEMO_PASSWORD", "redress-demo")  # noqa: S105 (the demo's, public)


def login(context, base: str, username: str, language: str):
    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state("networkidle")
    return page


def main(base: str) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        desktop = {"width": 1440, "height": 900}
        phone = {"width": 390, "height": 844}

        context = browser.new_context(viewport=desktop, locale="en-GB")
        page = login(context, base, "manager", "en")
        page.goto(f"{base}/")
        page.screenshot(path=OUT / "manager-dashboard-en.png", full_page=False)
        context.close()

        context = browser.new_context(viewport=desktop, locale="zh-CN")
        page = login(context, base, "manager", "zh-hans")
        page.goto(f"{base}/complaints/?queue=overdue")
        link = page.locator("#complaint-list a[href^='/complaints/C-']").first
        href = link.get_attribute("href")
        if not href or not re.match(r"^/complaints/C-\d{4}-\d+/$", href):
            page.goto(f"{base}/complaints/")
            href = page.locator("#complaint-list a[href^='/complaints/C-']").first.get_attribute(
                "href"
            )
        page.goto(f"{base}{href}")
        page.screenshot(path=OUT / "complaint-zh.png", full_page=False)
        context.close()

        context = browser.new_context(viewport=phone, locale="zh-CN", device_scale_factor=2)
        page = login(context, base, "frontline", "zh-hans")
        page.goto(f"{base}/complaints/")
        page.screenshot(path=OUT / "list-phone-zh.png", full_page=False)
        context.close()
        browser.close()
    for path in sorted(OUT.glob("*.png")):
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000"))
