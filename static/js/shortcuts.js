// Keyboard shortcuts for staff (issue #15 "Fast moves"); the list is in docs/c15-fast.md and
// in the help overlay (templates/shortcuts_help.html). Loaded with defer, after Bootstrap.
(function () {
  "use strict";
  var help = document.getElementById("shortcuts-help");
  if (!help) {
    return;
  }
  var pendingG = false;
  var pendingTimer = null;
  var current = -1;

  function typing(target) {
    if (!target) {
      return false;
    }
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function rows() {
    var table = document.getElementById("complaint-list");
    return table ? Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-reference]")) : [];
  }

  function highlight(index) {
    var all = rows();
    if (!all.length) {
      return;
    }
    current = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) {
      row.classList.toggle("table-active", i === current);
      row.classList.toggle("shortcut-current", i === current);
      if (i === current) {
        row.setAttribute("aria-current", "true");
      } else {
        row.removeAttribute("aria-current");
      }
    });
    all[current].scrollIntoView({ block: "nearest" });
  }

  function currentRow() {
    var all = rows();
    return current >= 0 && current < all.length ? all[current] : null;
  }

  function click(id) {
    var element = document.getElementById(id);
    if (element) {
      element.click();
      return true;
    }
    return false;
  }

  function modalOpen() {
    return document.querySelector(".modal.show") !== null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) {
      return;
    }
    if (typing(event.target)) {
      return;
    }
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      window.clearTimeout(pendingTimer);
      if (key === "d") {
        event.preventDefault();
        window.location.assign(help.dataset.dashboardUrl);
        return;
      }
      if (key === "l") {
        event.preventDefault();
        window.location.assign(help.dataset.listUrl);
        return;
      }
    }
    if (key === "?") {
      event.preventDefault();
      window.bootstrap.Modal.getOrCreateInstance(help).show();
      return;
    }
    if (modalOpen()) {
      return; // Escape closes the open dialog; nothing else acts behind it.
    }
    switch (key) {
      case "/": {
        var box = document.getElementById("jump-box");
        if (box) {
          event.preventDefault();
          var menu = document.getElementById("main-nav");
          if (menu && !menu.classList.contains("show") && box.offsetParent === null) {
            window.bootstrap.Collapse.getOrCreateInstance(menu).show();
          }
          box.focus();
        }
        return;
      }
      case "g":
        pendingG = true;
        pendingTimer = window.setTimeout(function () {
          pendingG = false;
        }, 1500);
        return;
      case "n":
        if (help.dataset.newUrl) {
          // Only for those the navigation offers "Register a complaint" (not auditors).
          event.preventDefault();
          window.location.assign(help.dataset.newUrl);
        }
        return;
      case "j":
      case "k":
        if (rows().length) {
          event.preventDefault();
          highlight(current < 0 ? 0 : current + (key === "j" ? 1 : -1));
        }
        return;
      case "Enter":
      case "o": {
        var row = currentRow();
        if (key === "Enter" && event.target !== document.body && !(row && row.contains(event.target))) {
          return; // Enter on a focused button or link keeps its own meaning
        }
        var link = row && row.querySelector("a[href]");
        if (link) {
          event.preventDefault();
          window.location.assign(link.href);
        }
        return;
      }
      case "x": {
        var selected = currentRow();
        var checkbox = selected && selected.querySelector("input.bulk-select");
        if (checkbox) {
          event.preventDefault();
          checkbox.click(); // a click, so bulk.js hears the change like a mouse user's
        }
        return;
      }
      case "a":
        if (click("assign-to-me")) {
          event.preventDefault();
        }
        return;
      case "r":
        if (click("write-to-complainant")) {
          event.preventDefault();
        }
        return;
      case "e":
        if (click("deadlines-link")) {
          event.preventDefault();
        }
        return;
      default:
        return;
    }
  });
})();
