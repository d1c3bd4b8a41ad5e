// A little JS (no inline script anywhere: the CSP forbids it): batch progress polling, scrolling the
// highlighted cell into view, the reason 不采纳 needs, and the place of a refused decision.
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
    // 不采纳 needs a reason: say so at the textarea before sending (the server refuses it too)
    document.querySelectorAll("form.triage button.no").forEach(function (btn) {
      btn.addEventListener("click", function (ev) {
        var text = btn.form.querySelector("textarea[name=comment]");
        text.setCustomValidity(text.value.trim() ? "" : "不采纳须说明理由");
        if (!text.reportValidity()) { ev.preventDefault(); }
      });
    });
    document.querySelectorAll("form.triage textarea[name=comment]").forEach(function (text) {
      text.addEventListener("input", function () { text.setCustomValidity(""); });
    });
    // a decision the server refused: back at that finding, its message beside the comment
    var refused = document.getElementById("refused");
    if (refused) {
      refused.closest("article").scrollIntoView({ block: "center" });
      var box = refused.closest("article").querySelector("textarea[name=comment]");
      if (box) { box.focus(); }
    }
    document.querySelectorAll("details.evidence, details.cited-table").forEach(function (d) {
      d.addEventListener("toggle", function () { if (d.open) { centre(d.closest("article") || d); } });
    });
  });
})();
