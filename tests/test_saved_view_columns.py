"""The list shows the columns chosen in its "Columns" chooser or stored in a saved view (the
reference always), in the page's order; the dashboards' tables and the export keep them all."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.cache import cache

from complaints.models import SavedView, State

pytestmark = pytest.mark.django_db

EVERY_COLUMN = [
    "reference",
    "received",
    "state",
    "priority",
    "category",
    "complainant",
    "handler",
    "due",
]


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    cache.clear()


def _list_table(html: str) -> tuple[str, str]:
    table = html[html.index('id="complaint-list"') :]
    table = table[: table.index("</table>")]
    head, body = table.split("<tbody>", 1)
    return head, body


def headers(response) -> list[str]:
    return re.findall(r'<th scope="col" data-column="([a-z]+)"', _list_table(response.text)[0])


def cells_of_first_row(response) -> list[str]:
    body = _list_table(response.text)[1]
    row = body[: body.index("</tr>")]
    return re.findall(r'<td[^>]* data-column="([a-z]+)"', row)


def checked_in_save_form(html: str) -> list[str]:
    form = html[html.index('id="save-view-form"') :]
    form = form[: form.index("</form>")]
    return re.findall(r'name="columns" value="([a-z]+)" id="save-view-col-[a-z]+" checked', form)


def hidden_value(html: str, form_id: str, name: str) -> str:
    form = html[html.index(f'id="{form_id}"') :]
    form = form[: form.index("</form>")]
    return re.search(rf'name="{name}" value="([^"]*)"', form).group(1)


def test_the_chooser_shows_only_the_chosen_columns_with_the_reference(
    client, frontline, make_complaint
):
    make_complaint(State.ASSIGNED, complainant_name="Han Meimei")
    client.force_login(frontline)
    # What the chooser's form sends: the reference as a hidden field, one value per checkbox.
    response = client.get("/complaints/?columns=reference&columns=due&columns=state")
    assert response.status_code == 200
    assert headers(response) == ["reference", "state", "due"]  # the page's order, not the query's
    assert cells_of_first_row(response) == ["reference", "state", "due"]
    assert "Han Meimei" not in response.text
    assert ">Complainant<" not in _list_table(response.text)[0]


def test_every_column_shows_by_default(client, frontline, make_complaint):
    make_complaint(State.ASSIGNED, complainant_name="Han Meimei")
    client.force_login(frontline)
    response = client.get("/complaints/")
    assert headers(response) == EVERY_COLUMN
    assert cells_of_first_row(response) == EVERY_COLUMN
    assert "Han Meimei" in response.text


def test_the_reference_stays_even_when_left_out(client, frontline, make_complaint):
    make_complaint(State.ASSIGNED)
    client.force_login(frontline)
    response = client.get("/complaints/?columns=handler")
    assert headers(response) == ["reference", "handler"]
    assert cells_of_first_row(response) == ["reference", "handler"]


@pytest.mark.parametrize(
    ("columns", "shown"),
    [
        ("nonsense", EVERY_COLUMN),
        ("state,nonsense,<script>", ["reference", "state"]),
        (",,", EVERY_COLUMN),
    ],
)
def test_an_unknown_column_name_is_ignored(client, frontline, make_complaint, columns, shown):
    make_complaint(State.ASSIGNED)
    client.force_login(frontline)
    response = client.get("/complaints/", {"columns": columns})
    assert response.status_code == 200
    assert headers(response) == shown
    assert "<script>" not in response.text.split('id="complaint-list"')[1]


def test_the_bulk_selection_stays_with_fewer_columns(client, frontline, make_complaint):
    complaint = make_complaint(State.ASSIGNED)
    client.force_login(frontline)
    response = client.get("/complaints/?columns=state")
    head, body = _list_table(response.text)
    assert 'id="select-page"' in head
    assert f'name="selected" value="{complaint.pk}:{complaint.version}"' in body


def test_filtering_sorting_and_paging_keep_the_column_choice(client, frontline, make_complaint):
    make_complaint(State.ASSIGNED)
    client.force_login(frontline)
    html = client.get("/complaints/?state=assigned&columns=reference,state").text
    assert hidden_value(html, "filters", "columns") == "reference,state"
    assert "columns=reference%2Cstate" in html.split('id="complaint-list"')[1]  # sort links
    # The chooser keeps the filter and lists the current choice.
    assert hidden_value(html, "columns-form", "state") == "assigned"
    assert 'value="state" id="column-state" checked' in html
    assert 'value="handler" id="column-handler">' in html


def test_a_saved_view_stores_and_restores_its_columns_and_sort(client, frontline, make_complaint):
    make_complaint(State.ASSIGNED, complainant_name="Han Meimei")
    client.force_login(frontline)
    page = client.get("/complaints/?state=assigned&sort=due&columns=state&columns=handler").text
    # What the page's "Save this view" form posts as it is (its columns ticked from the page).
    columns = checked_in_save_form(page)
    assert columns == ["reference", "state", "handler"]
    saved = client.post(
        "/complaints/views/",
        {
            "name": "Mine by deadline",
            "query": hidden_value(page, "save-view-form", "query"),
            "sort": hidden_value(page, "save-view-form", "sort"),
            "columns": columns,
        },
    )
    assert saved.status_code == 302
    view = SavedView.objects.get()
    assert (view.query, view.sort, view.columns) == (
        "state=assigned",
        "due",
        ["reference", "state", "handler"],
    )
    # Opening it later (from the menu) shows the same columns in the same order.
    opened = client.get(f"/complaints/views/{view.pk}/")
    assert opened.status_code == 302
    response = client.get(opened["Location"])
    assert response.context["sort"] == "due"
    assert headers(response) == ["reference", "state", "handler"]
    assert cells_of_first_row(response) == ["reference", "state", "handler"]
    assert "Han Meimei" not in response.text
    assert 'id="current-view"' in response.text


def test_a_view_saved_with_every_column_opens_without_a_columns_parameter(client, frontline):
    client.force_login(frontline)
    client.post(
        "/complaints/views/", {"name": "All", "query": "", "sort": "", "columns": EVERY_COLUMN}
    )
    view = SavedView.objects.get()
    location = client.get(f"/complaints/views/{view.pk}/")["Location"]
    assert "columns" not in location
    assert headers(client.get(location)) == EVERY_COLUMN


def test_the_dashboards_keep_every_column(client, frontline, make_complaint):
    make_complaint(State.ASSIGNED)
    client.force_login(frontline)
    html = client.get("/", {"columns": "state"}).text
    table = html[html.index('id="my-open"') :]
    table = table[: table.index("</table>")]
    for label in ("Received on", "Complainant", "Handler", "Due"):
        assert f">{label}<" in table


def test_the_export_keeps_every_column(client, frontline, make_complaint):
    make_complaint(State.ASSIGNED, complainant_name="Han Meimei")
    client.force_login(frontline)
    response = client.get("/complaints/export/csv/?columns=state")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert {"Reference", "State", "Handler", "Complainant", "Category"} <= set(rows[0])
    assert "Han Meimei" in rows[1]


def test_the_list_costs_no_more_queries_with_a_column_choice(
    client, frontline, make_complaint, django_assert_max_num_queries
):
    for _ in range(3):
        make_complaint(State.ASSIGNED)
    client.force_login(frontline)
    client.get("/complaints/")  # warms the navigation's cached counts
    with django_assert_max_num_queries(15):
        assert client.get("/complaints/?columns=state,due").status_code == 200
