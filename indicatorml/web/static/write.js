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
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 150); }
  ind.addEventListener("input", later);
  tgt.addEventListener("input", later);
  level2.addEventListener("change", refresh);
  form.addEventListener("submit", function (e) { e.preventDefault(); refresh(); });
})();
