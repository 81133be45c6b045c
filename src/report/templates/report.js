// mcpcheck report: filter checks by outcome and search by id, all in the page.
// Any script error is written into the page (#js-errors, data-js-errors on
// <html>) so a headless browser test can see it; a clean start sets data-js="ready".
// URL parameters preselect a view: ?status=fail,warn&q=http/
(function () {
  "use strict";
  var root = document.documentElement;
  function report(message) {
    var box = document.getElementById("js-errors");
    root.setAttribute("data-js-errors", String(message));
    if (box) { box.hidden = false; box.textContent = "Report script error: " + message; }
  }
  window.addEventListener("error", function (e) { report(e.message || "error"); });
  window.addEventListener("unhandledrejection", function (e) { report(String(e.reason)); });

  function init() {
    var items = Array.prototype.slice.call(document.querySelectorAll("[data-id]"));
    var boxes = Array.prototype.slice.call(document.querySelectorAll("input[name=status]"));
    var search = document.getElementById("search");
    var differs = document.getElementById("only-differs");
    var shown = document.getElementById("shown");
    var rows = items.filter(function (el) { return el.classList.contains("check-row"); });

    function apply() {
      var allowed = {};
      boxes.forEach(function (b) { allowed[b.value] = b.checked; });
      var q = search ? search.value.trim().toLowerCase() : "";
      var visible = 0;
      items.forEach(function (el) {
        // A matrix row has every status of its cells; it stays while any is allowed.
        var status = el.getAttribute("data-status");
        var statuses = status ? status.split(" ") : [];
        var ok = (statuses.length === 0 || boxes.length === 0 ||
            statuses.some(function (s) { return allowed[s] === true; })) &&
          (q === "" || el.getAttribute("data-id").toLowerCase().indexOf(q) !== -1) &&
          (!differs || !differs.checked || el.getAttribute("data-differs") === "true");
        el.hidden = !ok;
        if (ok && el.classList.contains("check-row")) { visible += 1; }
      });
      // Hide an area whose checks are all filtered out.
      Array.prototype.forEach.call(document.querySelectorAll("div.area"), function (area) {
        area.hidden = area.querySelectorAll("tr.check-row:not([hidden])").length === 0;
      });
      Array.prototype.forEach.call(document.querySelectorAll("tr.area-row"), function (head) {
        var name = head.getAttribute("data-area");
        head.hidden = !rows.some(function (r) { return !r.hidden && r.getAttribute("data-area") === name; });
      });
      if (shown) { shown.textContent = visible + " of " + rows.length + " checks shown"; }
      root.setAttribute("data-shown", String(visible));
    }

    boxes.forEach(function (b) { b.addEventListener("change", apply); });
    if (search) { search.addEventListener("input", apply); }
    if (differs) { differs.addEventListener("change", apply); }
    var problems = document.getElementById("only-problems");
    if (problems) {
      problems.addEventListener("click", function () {
        boxes.forEach(function (b) { b.checked = ["fail", "warn", "error"].indexOf(b.value) !== -1; });
        apply();
      });
    }
    var all = document.getElementById("show-all");
    if (all) {
      all.addEventListener("click", function () {
        boxes.forEach(function (b) { b.checked = true; });
        if (search) { search.value = ""; }
        apply();
      });
    }
    // Following a link to a check opens its details.
    function openTarget() {
      var id = decodeURIComponent(window.location.hash.slice(1));
      var el = id ? document.getElementById(id) : null;
      if (el && el.tagName === "DETAILS") { el.open = true; }
    }
    window.addEventListener("hashchange", openTarget);
    openTarget();
    // ?status=fail,warn&q=http/ preselects the filters (links that show a view).
    var params = new URLSearchParams(window.location.search);
    if (params.has("status")) {
      var wanted = params.get("status").split(",");
      boxes.forEach(function (b) { b.checked = wanted.indexOf(b.value) !== -1; });
    }
    if (search && params.has("q")) { search.value = params.get("q"); }
    apply();
    root.setAttribute("data-js", "ready");
  }

  try { init(); } catch (e) { report(e && e.message ? e.message : String(e)); }
})();
