// Rapport console: sortable tables and live refresh. The pages work without it.
"use strict";
(function () {
  function cellValue(row, i, kind) {
    var cell = row.cells[i];
    if (!cell) return "";
    var v = cell.getAttribute("data-value") || cell.textContent.trim();
    if (kind === "num") {
      var n = parseFloat(String(v).replace(/[,\s%]/g, "").replace("−", "-"));
      return isNaN(n) ? -Infinity : n;
    }
    return v.toLowerCase();
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th[data-sort]").forEach(function (th, i) {
      th.setAttribute("tabindex", "0");
      function sort() {
        var body = table.tBodies[0];
        var asc = !th.classList.contains("sorted-asc");
        table.querySelectorAll("th").forEach(function (o) { o.classList.remove("sorted-asc", "sorted-desc"); });
        th.classList.add(asc ? "sorted-asc" : "sorted-desc");
        var kind = th.getAttribute("data-sort");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, i, kind), y = cellValue(b, i, kind);
          return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(); });
    });
  });
  var every = parseInt(document.body.getAttribute("data-refresh") || "0", 10);
  if (every > 0) {
    setTimeout(function () {
      if (!document.hidden) location.reload();
    }, every * 1000);
  }
})();
