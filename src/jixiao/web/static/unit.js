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

  function note(el, cls, text) {
    var span = document.createElement("span");
    span.className = cls;
    span.textContent = text;
    // after the input and the notes already there
    var after = el;
    while (after.nextElementSibling && after.nextElementSibling.tagName === "SPAN") { after = after.nextElementSibling; }
    after.insertAdjacentElement("afterend", span);
  }

  // the problems and findings beside their fields, as the check just answered
  function mark(res) {
    form.querySelectorAll(".bad").forEach(function (el) { el.classList.remove("bad"); el.removeAttribute("aria-invalid"); });
    form.querySelectorAll(".field-problem, .field-finding").forEach(function (el) { el.remove(); });
    res.problems.forEach(function (p) {
      var el = p.id && document.getElementById(p.id);
      if (!el) { return; }
      el.classList.add("bad");
      el.setAttribute("aria-invalid", "true");
      note(el, "msg field-problem", p.message);
    });
    res.findings.forEach(function (f) {
      if (f.severity === "info") { return; }
      f.fields.forEach(function (x) {
        var el = document.getElementById(x.id);
        if (el) { note(el, "field-finding", f.code + " " + f.title); }
      });
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
        mark(res);
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
