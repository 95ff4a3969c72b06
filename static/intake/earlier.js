// Staff registration: while the complainant's phone, email or ID number is typed, list their
// earlier complaints (GET /complaints/new/earlier/, scoped to what this user may see) so a repeat
// is linked and a duplicate merged rather than registered blind. Plain DOM, no framework.
(function () {
  "use strict";
  var panel = document.getElementById("earlier-panel");
  var form = document.getElementById("register-form");
  if (!panel || !form) { return; }
  var list = document.getElementById("earlier-list");
  var fields = form.querySelectorAll("[data-earlier-lookup]");
  var category = form.querySelector("[name=category]");
  var timer = null;
  var lastQuery = "";

  function value(name) {
    var input = form.querySelector("[name=" + name + "]");
    return input ? input.value.trim() : "";
  }

  function fill(name, reference) {
    ["repeat_of_reference", "merge_into_reference"].forEach(function (other) {
      var input = form.querySelector("[name=" + other + "]");
      if (input) { input.value = other === name ? reference : ""; }
    });
    var target = form.querySelector("[name=" + name + "]");
    if (!target) { return; }
    // The link fields sit in a folded part of the form (a <details>): unfold it to show them.
    var folded = target.closest("details");
    if (folded) { folded.open = true; }
    target.focus();
  }

  function button(label, css, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-sm " + css + " me-1 mt-1";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function message(text) {
    list.replaceChildren();
    var li = document.createElement("li");
    li.className = "list-group-item text-body-secondary small";
    li.textContent = text;
    list.appendChild(li);
  }

  function render(results) {
    if (!results.length) { message(panel.dataset.labelNone); return; }
    list.replaceChildren();
    results.forEach(function (row) {
      var li = document.createElement("li");
      li.className = "list-group-item";
      var link = document.createElement("a");
      link.href = row.url;
      link.target = "_blank";
      link.textContent = row.reference;
      li.appendChild(link);
      li.appendChild(document.createTextNode(" · " + row.state_label + " · " + row.received_at.slice(0, 10)));
      if (row.duplicate) {
        var badge = document.createElement("span");
        badge.className = "badge text-bg-warning ms-1";
        badge.textContent = panel.dataset.labelDuplicate;
        li.appendChild(badge);
      }
      var summary = document.createElement("div");
      summary.className = "small text-body-secondary";
      summary.textContent = (row.category ? row.category + " — " : "") + row.summary;
      li.appendChild(summary);
      li.appendChild(button(panel.dataset.labelRepeat, "btn-outline-secondary", function () {
        fill("repeat_of_reference", row.reference);
      }));
      if (row.duplicate) {
        li.appendChild(button(panel.dataset.labelMerge, "btn-outline-danger", function () {
          fill("merge_into_reference", row.reference);
        }));
      }
      list.appendChild(li);
    });
  }

  function lookup() {
    var params = new URLSearchParams({
      phone: value("complainant_phone"),
      email: value("complainant_email"),
      id_number: value("complainant_id_number"),
      category: category ? category.value : ""
    });
    var query = params.toString();
    if (query === lastQuery) { return; }
    lastQuery = query;
    fetch(panel.dataset.url + "?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (data) { if (query === lastQuery) { render(data.results); } })
      .catch(function () { message(panel.dataset.labelError); });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookup, 350);
  }

  fields.forEach(function (input) { input.addEventListener("input", schedule); });
  if (category) { category.addEventListener("change", schedule); }
  if (value("complainant_phone") || value("complainant_email") || value("complainant_id_number")) { lookup(); }

  // A double click sends the form once; the hidden token covers what the browser still resends.
  form.addEventListener("submit", function () {
    form.querySelectorAll("[data-once]").forEach(function (b) {
      window.setTimeout(function () { b.disabled = true; }, 0);
    });
  });
}());
