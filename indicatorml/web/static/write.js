// As the writer types: ask the server for the panel (suggestion, its why, the rules' findings on
// the draft, precedents), server-rendered and escaped, and keep the address in step.
"use strict";
(function () {
  var form = document.getElementById("draft-form");
  var panel = document.getElementById("panel");
  var ind = document.getElementById("indicator"), tgt = document.getElementById("target");
  var level2 = document.getElementById("level2");
  var timer = null, pending = null, seq = 0;
  function refresh() {
    var q = new URLSearchParams({ indicator: ind.value, target: tgt.value, level2: level2.value });
    ["year", "org", "project"].forEach(function (k) {
      var x = document.getElementById(k);
      if (x && x.value.trim()) q.set(k, x.value.trim());
    });
    if (pending) pending.abort();
    pending = new AbortController();
    var mine = ++seq;
    fetch("/write/panel?" + q.toString(), { signal: pending.signal })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        if (mine !== seq) return;
        panel.innerHTML = html;  // server-rendered with autoescape: user text arrives as text
        history.replaceState(null, "", "/write?" + q.toString());
      })
      .catch(function () {});
  }
  // Last year's row for the indicator (GET /api/last-year, JSON): drawn with textContent only.
  var box = document.getElementById("last-year");
  var year = document.getElementById("year"), org = document.getElementById("org");
  var project = document.getElementById("project");
  var lySeq = 0;
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function drawLastYear(row) {
    box.textContent = "";
    if (!row) return;
    var d = el("div", null, "last-year-row");
    d.appendChild(el("b", "去年指标"));
    d.appendChild(document.createTextNode("(" + (row.year || "") + "年" + (row.project ? " · " + row.project : "") + "):"));
    d.appendChild(el("span", row.indicator, "ly-indicator"));
    d.appendChild(document.createTextNode(" · "));
    d.appendChild(el("b", "去年目标值"));
    d.appendChild(el("span", " " + (row.target || "—"), "ly-target"));
    d.appendChild(document.createTextNode(" · "));
    d.appendChild(el("b", "去年实际值"));
    d.appendChild(el("span", " " + (row.actual || "—"), "ly-actual"));
    d.appendChild(document.createTextNode(" · "));
    var from = el("small", "来自 ");
    if (row.link && row.link.charAt(0) === "/") {
      var a = el("a", row.file); a.href = row.link; from.appendChild(a);
    } else from.appendChild(document.createTextNode(row.file || ""));
    d.appendChild(from);
    box.appendChild(d);
  }
  function refreshLastYear() {
    if (!box || !org || !org.value.trim() || !ind.value.trim()) { if (box) box.textContent = ""; return; }
    var q = new URLSearchParams({ indicator: ind.value, target: tgt.value, level2: level2.value,
                                  org: org.value, year: year.value.trim(), project: project.value });
    var mine = ++lySeq;
    fetch("/api/last-year?" + q.toString(), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { row: null }; })
      .then(function (body) { if (mine === lySeq) drawLastYear(body.row); })
      .catch(function () {});
  }
  function both() { refresh(); refreshLastYear(); }
  function later() { clearTimeout(timer); timer = setTimeout(both, 150); }
  ind.addEventListener("input", later);
  tgt.addEventListener("input", later);
  [year, org, project].forEach(function (x) { if (x) x.addEventListener("input", later); });
  level2.addEventListener("change", both);
  form.addEventListener("submit", function (e) { e.preventDefault(); both(); });
})();
