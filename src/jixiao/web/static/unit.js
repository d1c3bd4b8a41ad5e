// 在线填报: as the unit types, the form is checked (not saved) by POST /api/unit/drafts/{id}/check,
// and the scores and 填报检查 under the form are replaced by the answer; the fields with a problem
// are marked. A static file: the CSP forbids inline script.
(function () {
  "use strict";
  var form = document.getElementById("draft-form");
  if (!form) { return; }
  var id = form.getAttribute("data-draft");
  var rows = form.getAttribute("data-rows");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var timer = null;
  var seq = 0;

  function fields() {
    var out = {};
    new FormData(form).forEach(function (value, key) {
      if (key.indexOf("!") > 0 && typeof value === "string") { out[key] = value; }
    });
    return out;
  }

  function mark(problems) {
    form.querySelectorAll(".bad").forEach(function (el) { el.classList.remove("bad"); el.removeAttribute("aria-invalid"); });
    form.querySelectorAll(".field-problem").forEach(function (el) { el.remove(); });
    problems.forEach(function (p) {
      if (!p.id) { return; }
      var el = document.getElementById(p.id);
      if (!el) { return; }
      el.classList.add("bad");
      el.setAttribute("aria-invalid", "true");
      var msg = document.createElement("span");
      msg.className = "msg field-problem";
      msg.textContent = p.message;
      el.insertAdjacentElement("afterend", msg);
    });
  }

  function check() {
    var mine = ++seq;
    fetch("/api/unit/drafts/" + id + "/check?rows=" + rows, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ fields: fields() })
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (res) {
        if (!res || mine !== seq) { return; }
        document.getElementById("result-panel").innerHTML = res.html;
        document.getElementById("summary").textContent = res.summary;
        mark(res.problems);
      });
  }

  form.addEventListener("input", function () {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(check, 700);
  });
  form.addEventListener("change", function () {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(check, 200);
  });
}());
