"""The staff registration form at /complaints/new/ in sections: complainant, the complaint,
handling, attachments, resolved at first contact; every field once, in the section an agent
expects; a form sent back with errors keeps what was typed and says what to fix where."""

from __future__ import annotations

import pytest
from django.test.html import Element, parse_html

from complaints import services
from complaints.models import Complaint
from intake.forms import FirstContactForm, StaffRegistrationForm
from tests.e2e.browser import switch_language
from tests.intake.conftest import pdf
from tests.intake.test_staff_intake import URL, form

LEGENDS = {
    "en": [
        "Complainant",
        "The complaint",
        "Unit or person complained about",
        "Handling",
        "Link to an earlier complaint",
        "Attachments",
        "Resolved at first contact",
    ],
    "zh-hans": [
        "投诉人",
        "投诉内容",
        "被投诉部门或人员",
        "处理情况",
        "关联早先的投诉",
        "附件",
        "首次接触即办结",
    ],
}

SECTIONS = {
    "section-complainant": [
        "complainant_name",
        "complainant_phone",
        "complainant_email",
        "complainant_id_number",
        "complainant_address",
        "preferred_channel",
        "complainant_language",
        "confidential",
    ],
    "section-complaint": ["channel", "received_at", "description", "request"],
    "section-subject": ["subject_department", "subject_person", "subject_description"],
    "section-handling": ["category", "priority", "promised_reply_at"],
    "section-links": ["repeat_of_reference", "merge_into_reference", "appeal_of_reference"],
    "section-attachments": ["attachments"],
    "first-contact": [f"first_contact-{name}" for name in FirstContactForm.base_fields],
}


def page(client, user, *, language: str = "en", data=None):
    client.force_login(user)
    client.cookies["django_language"] = language
    headers = {"Accept-Language": language}
    if data is None:
        return client.get(URL, headers=headers)
    return client.post(URL, data, headers=headers)


def elements(node, ancestors=()):
    """Every element of the parsed page with the elements around it, outermost first."""
    for child in node.children:
        if isinstance(child, Element):
            yield child, ancestors
            yield from elements(child, (*ancestors, child))


def attr(element: Element, name: str):
    return dict(element.attributes).get(name)


def text(element: Element) -> str:
    return "".join(
        text(child) if isinstance(child, Element) else child for child in element.children
    ).strip()


def inputs(response) -> dict[str, list[tuple[Element, tuple]]]:
    """``{field name: [(input, its ancestors)...]}`` for every input, select and textarea of the
    registration form."""
    found: dict[str, list] = {}
    for element, ancestors in elements(parse_html(response.content.decode())):
        in_form = any(attr(a, "id") == "register-form" for a in ancestors)
        if in_form and element.name in ("input", "select", "textarea") and attr(element, "name"):
            found.setdefault(attr(element, "name"), []).append((element, ancestors))
    return found


def section_of(ancestors) -> str | None:
    """The innermost section (fieldset or folded part) around an input."""
    ids = [attr(a, "id") for a in ancestors if a.name in ("fieldset", "details")]
    return next((i for i in reversed(ids) if i in SECTIONS), None)


def legends(response) -> list[str]:
    root = parse_html(response.content.decode())
    return [text(e) for e, _ in elements(root) if e.name == "legend"]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_register_page_shows_its_sections_in_the_order_an_agent_works(client, frontline, language):
    response = page(client, frontline, language=language)

    assert response.status_code == 200
    assert legends(response) == LEGENDS[language]


def test_every_field_of_the_register_form_appears_once_in_its_section(client, frontline):
    found = inputs(page(client, frontline))

    staff = StaffRegistrationForm(user=frontline)
    expected = [*staff.fields, *(f"first_contact-{n}" for n in FirstContactForm.base_fields)]
    # Besides the fields: the CSRF token, and Django's hidden copy of the time received's
    # initial value (the model's default is a callable).
    extra = ["csrfmiddlewaretoken", "initial-received_at"]
    assert sorted(found) == sorted([*expected, *extra])
    assert {name: len(places) for name, places in found.items()} == dict.fromkeys(found, 1)
    for section, names in SECTIONS.items():
        for name in names:
            (_, ancestors) = found[name][0]
            assert section_of(ancestors) == section, name


def test_every_field_of_the_register_form_is_placed_in_the_layout(frontline):
    """crispy-forms renders a field missing from the layout after the sections, out of place."""
    staff = StaffRegistrationForm(user=frontline)
    placed = [pointer.name for pointer in staff.helper.layout.get_field_names()]

    assert sorted(placed) == sorted(staff.fields)


def test_register_page_keeps_the_look_up_hooks_and_the_one_click_button(client, frontline):
    response = page(client, frontline)
    found = inputs(response)
    html = response.content.decode()

    for name in ("complainant_phone", "complainant_email", "complainant_id_number"):
        (element, _) = found[name][0]
        assert attr(element, "id") == f"id_{name}"
        assert attr(element, "data-earlier-lookup") == name
    (token, _) = found["submission_token"][0]
    assert attr(token, "type") == "hidden" and len(attr(token, "value")) == 32
    assert 'id="register-form"' in html and 'id="earlier-panel"' in html
    assert "data-once" in html
    assert "intake/earlier.js" in html


def test_rarely_needed_parts_are_folded_until_they_hold_something(client, frontline):
    root = parse_html(page(client, frontline).content.decode())
    folded = {attr(e, "id"): e for e, _ in elements(root) if e.name == "details"}

    assert set(folded) == {"section-subject", "section-links", "section-attachments"}
    assert all(("open", None) not in e.attributes for e in folded.values())


def test_a_form_with_an_error_keeps_what_was_typed_and_marks_the_field_in_its_section(
    client, frontline
):
    data = form(description="", complainant_email="li.lei@example.cn", request="A refund")
    response = page(client, frontline, data=data)
    html = response.content.decode()
    found = inputs(response)

    assert response.status_code == 400
    assert not Complaint.objects.exists()
    assert attr(found["complainant_name"][0][0], "value") == "李雷"
    assert attr(found["complainant_email"][0][0], "value") == "li.lei@example.cn"
    assert text(found["request"][0][0]) == "A refund"
    assert attr(found["submission_token"][0][0], "value") == "1" * 32
    # The summary at the top names the field and links to it...
    assert "Nothing was saved: please correct the form." in html
    assert html.index('id="register-errors"') < html.index('id="section-complainant"')
    assert '<a class="alert-link" href="#id_description">' in html
    # ...and the message sits beside the field, inside its section.
    description, ancestors = found["description"][0]
    assert section_of(ancestors) == "section-complaint"
    assert "is-invalid" in attr(description, "class")
    wrapper = next(a for a in ancestors if attr(a, "id") == "div_id_description")
    assert "This field is required." in text(wrapper)


def test_a_folded_part_opens_when_it_holds_a_value_or_an_error(client, frontline):
    data = form(subject_department="999999", subject_description="Counter 3")
    response = page(client, frontline, data=data, language="zh-hans")
    root = parse_html(response.content.decode())
    folded = {attr(e, "id"): e for e, _ in elements(root) if e.name == "details"}

    assert response.status_code == 400
    assert ("open", None) in folded["section-subject"].attributes
    assert "选择一个有效的选项" in text(folded["section-subject"])  # the error, in Chinese
    assert ("open", None) not in folded["section-links"].attributes
    # Files are not sent back by the browser: the attachments part opens to ask for them again.
    assert ("open", None) not in folded["section-attachments"].attributes
    response = page(client, frontline, data=form(description="", attachments=[pdf()]))
    root = parse_html(response.content.decode())
    folded = {attr(e, "id"): e for e, _ in elements(root) if e.name == "details"}
    assert ("open", None) in folded["section-attachments"].attributes


def test_a_valid_form_from_the_sections_still_registers(client, frontline, dept_a, category):
    data = form(
        category=str(category.pk),
        subject_department=str(dept_a.pk),
        attachments=[pdf()],
    )
    response = page(client, frontline, data=data)

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == complaint.get_absolute_url()
    assert (complaint.complainant_name, complaint.category, complaint.subject_department) == (
        "李雷",
        category,
        dept_a,
    )
    assert complaint.attachments.count() == 1


# --- in a real browser ---------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("width", [1440, 390])
def test_short_fields_sit_side_by_side_on_a_wide_screen_and_stack_on_a_phone(
    page, login, frontline, screenshot, width
):
    page.set_viewport_size({"width": width, "height": 900})
    login(page, frontline)
    page.goto("/complaints/new/")
    phone = page.locator("#id_complainant_phone").bounding_box()
    email = page.locator("#id_complainant_email").bounding_box()

    if width == 1440:
        assert phone["y"] == email["y"] and phone["x"] < email["x"]
    else:
        assert phone["x"] == email["x"] and phone["y"] < email["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert not page.locator("#id_attachments").is_visible()  # folded away
    page.click("#section-attachments > summary")
    assert page.locator("#id_attachments").is_visible()
    screenshot(page, f"intake-register-sections-{width}")


@pytest.mark.e2e
def test_linking_a_repeat_from_the_panel_unfolds_the_link_fields(page, login, frontline):
    earlier = services.register(
        by=frontline,
        channel="phone",
        description="Bill charged twice in March",
        complainant_phone="13800138000",
    )
    login(page, frontline)
    page.goto("/complaints/new/")
    assert not page.locator("#id_repeat_of_reference").is_visible()
    page.fill("#id_complainant_phone", "138 0013 8000")
    item = page.locator("#earlier-list li", has_text=earlier.reference)
    item.get_by_role("button", name="Link as repeat").click()

    assert page.locator("#id_repeat_of_reference").is_visible()
    assert page.evaluate("document.activeElement.id") == "id_repeat_of_reference"
    assert page.input_value("#id_repeat_of_reference") == earlier.reference


@pytest.mark.e2e
def test_a_form_sent_back_in_chinese_names_what_to_fix_and_keeps_what_was_typed(
    page, login, frontline, screenshot
):
    login(page, frontline)
    page.goto("/complaints/new/")
    switch_language(page, "zh-hans")  # the switcher folds into the menu on a phone: switch first
    page.set_viewport_size({"width": 390, "height": 844})
    page.fill("#id_complainant_name", "李雷")
    page.click("#section-subject > summary")
    page.fill("#id_subject_description", "3 号窗口")
    with page.expect_navigation():
        page.click("#register-form button[type=submit]")

    summary = page.locator("#register-errors")
    assert "未保存任何内容" in summary.inner_text()
    summary.get_by_role("link", name="投诉内容（如实记录）").click()
    page.wait_for_function("location.hash === '#id_description'")
    assert page.locator("#id_description").is_visible()
    assert "该字段是必填项" in page.locator("#div_id_description").inner_text()
    assert page.input_value("#id_complainant_name") == "李雷"
    assert page.locator("#id_subject_description").is_visible()  # it holds a value: unfolded
    assert page.input_value("#id_subject_description") == "3 号窗口"
    screenshot(page, "intake-register-sections-error-zh-hans-390")
