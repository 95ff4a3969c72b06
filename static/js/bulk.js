/* Bulk actions on the complaint list (no inline scripts: the Content-Security-Policy allows
   only files from this site). Without this file the bar still works: every field shows and
   the rows are ticked one by one. */
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("bulk-form");
  if (!form) {
    return;
  }
  var all = document.getElementById("select-page");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input.bulk-select"));
  var count = document.getElementById("bulk-count");
  var action = form.querySelector("select[name=action]");

  function ticked() {
    return boxes.filter(function (box) { return box.checked; }).length;
  }

  function refresh() {
    var n = ticked();
    if (count) {
      count.textContent = (count.getAttribute("data-template") || "%(count)s").replace("%(count)s", n);
    }
    if (all) {
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    }
    var badge = document.getElementById("bulk-toggle-count");  // the folded bar's button, on a phone
    if (badge) {
      badge.textContent = n;
      badge.hidden = n === 0;
    }
    var submit = document.getElementById("bulk-submit");
    if (submit) {
      submit.disabled = n === 0;
    }
  }

  function showFields() {
    var chosen = action ? action.value : "";
    form.querySelectorAll("[data-bulk-for]").forEach(function (block) {
      var wanted = block.getAttribute("data-bulk-for").split(" ");
      block.hidden = wanted.indexOf(chosen) === -1;
    });
  }

  if (all) {
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      refresh();
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", refresh); });
  if (action) {
    action.addEventListener("change", showFields);
  }
  showFields();
  refresh();
});
