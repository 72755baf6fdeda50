// Filter the review by severity and rule, in the page (no request).
"use strict";
(function () {
  var bar = document.getElementById("filters");
  if (!bar) return;
  function apply() {
    var sevs = Array.prototype.filter.call(bar.querySelectorAll("input[name=sev]"), function (c) { return c.checked; })
      .map(function (c) { return c.value; });
    var rule = bar.querySelector("select[name=rule]").value;
    var only = bar.querySelector("input[name=only]").checked;
    function ok(el) { return sevs.indexOf(el.dataset.sev) >= 0 && (!rule || el.dataset.rule === rule); }
    document.querySelectorAll(".finding").forEach(function (f) { f.classList.toggle("hidden", !ok(f)); });
    var filtering = only || rule || sevs.length < 3;
    document.querySelectorAll("tr.row").forEach(function (tr) {
      var shown = tr.querySelectorAll(".finding:not(.hidden)").length > 0;
      tr.classList.toggle("hidden", filtering && only && !shown || (rule && !shown));
    });
    document.querySelectorAll("section.project").forEach(function (p) {
      var any = p.querySelectorAll(".finding:not(.hidden)").length > 0;
      p.classList.toggle("hidden", (only || rule) && !any);
    });
  }
  bar.addEventListener("change", apply);
})();
