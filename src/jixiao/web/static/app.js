// A little JS: batch progress polling, and scrolling the highlighted cell into view.
(function () {
  "use strict";
  function poll(box) {
    var id = box.getAttribute("data-batch");
    fetch("/api/batches/" + id, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) { return; }
        document.getElementById("bar").value = p.done;
        document.getElementById("count").textContent = p.done + " / " + p.total;
        if (p.done >= p.total) {
          document.getElementById("state").textContent = "已完成";
          window.location.reload();
        } else {
          setTimeout(function () { poll(box); }, 800);
        }
      });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("batch");
    if (box && box.getAttribute("data-done") !== box.getAttribute("data-total")) { setTimeout(function () { poll(box); }, 500); }
    // centre the first highlighted cell of each cited table that is shown, now and when opened
    function centre(root) {
      root.querySelectorAll("details.cited-table[open] .scroll").forEach(function (wrap) {
        var td = wrap.querySelector("td.hl");
        if (td) { wrap.scrollTop = Math.max(0, td.offsetTop - wrap.clientHeight / 2); }
      });
    }
    centre(document);
    document.querySelectorAll("details.evidence, details.cited-table").forEach(function (d) {
      d.addEventListener("toggle", function () { if (d.open) { centre(d.closest("article") || d); } });
    });
  });
})();
