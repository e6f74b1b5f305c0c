// The matrix's small helpers (no build step): search as you type, a click on a cell opens the
// school's step, the print button. Without JavaScript the form, the links and the print view work.
(function () {
  "use strict";
  var form = document.getElementById("matrix-filters");
  var result = document.getElementById("matrix-result");
  var search = document.getElementById("q");
  var timer = null;
  var pending = null;

  function refresh() {
    var params = new URLSearchParams(new FormData(form));
    var url = form.getAttribute("action") + "?" + params.toString();
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(url, { credentials: "same-origin", signal: pending.signal })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("matrix-result");
        if (fresh && result) {
          result.innerHTML = fresh.innerHTML;
          history.replaceState(null, "", url);
        }
      })
      .catch(function () { /* an aborted or failed search leaves the table as it was */ });
  }

  if (form && search) {
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    });
    form.querySelectorAll("select, input[type=checkbox]").forEach(function (control) {
      control.addEventListener("change", refresh);
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.closest("[data-print]")) { window.print(); return; }
    var cell = target.closest("table.matrix tbody td");
    if (!cell || target.closest("a")) { return; }
    var row = cell.parentElement;
    var index = Array.prototype.indexOf.call(row.children, cell);
    var head = cell.closest("table").querySelectorAll("thead th")[index];
    if (!head || !head.dataset.step || !row.hasAttribute("data-unit")) { return; }
    var unit = row.getAttribute("data-unit");
    var run = new URLSearchParams(location.search).get("run");
    var base = unit ? "/schools/" + encodeURIComponent(unit) : "/municipality";
    location.href = base + (run ? "?run=" + encodeURIComponent(run) : "") +
      "#step-" + head.dataset.step.replace(/\./g, "-");
  });
})();
