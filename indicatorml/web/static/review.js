// The review page: filters (in the page, no request), decisions (one click or one key per row,
// sent to the JSON API with the CSRF header; without scripts the same forms post normally),
// and keyboard use (J/K move between rows, A/B/C/E act on the focused row, ? shows the keys).
"use strict";
(function () {
  var bar = document.getElementById("filters");
  if (!bar) return;
  var reviewId = bar.dataset.review;
  var status = document.getElementById("status");

  // ---------------------------------------------------------------- filters
  function apply() {
    var sevs = Array.prototype.filter.call(bar.querySelectorAll("input[name=sev]"), function (c) { return c.checked; })
      .map(function (c) { return c.value; });
    var rule = bar.querySelector("select[name=rule]").value;
    var only = bar.querySelector("input[name=only]").checked;
    var undecided = bar.querySelector("input[name=undecided]").checked;
    function ok(el) { return sevs.indexOf(el.dataset.sev) >= 0 && (!rule || el.dataset.rule === rule); }
    document.querySelectorAll(".finding").forEach(function (f) { f.classList.toggle("hidden", !ok(f)); });
    document.querySelectorAll("tr.row").forEach(function (tr) {
      var shown = tr.querySelectorAll(".finding:not(.hidden)").length > 0;
      var hide = ((only || rule) && !shown) || (undecided && tr.dataset.decided === "1");
      tr.classList.toggle("hidden", hide);
    });
    document.querySelectorAll(".project-finding, .whole").forEach(function (box) {
      box.classList.toggle("hidden", box.querySelector(".finding.hidden") !== null);
    });
    document.querySelectorAll("section.project").forEach(function (p) {
      var any = p.querySelectorAll("tr.row:not(.hidden), .project-finding:not(.hidden)").length > 0;
      p.classList.toggle("hidden", (only || rule || undecided) && !any);
    });
  }
  bar.addEventListener("change", apply);

  // ---------------------------------------------------------------- decisions
  var WORDS = { accept: "采纳建议", keep: "保持原类别", set: "改为" };
  function label(code) {
    var opt = document.querySelector("#level2-codes option[value^='" + code + "-']");
    return opt ? opt.value : code;
  }
  function when(iso) {
    var d = new Date(iso);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + two(d.getHours()) + ":" + two(d.getMinutes());
  }
  function show(form, d) {
    var tr = form.closest("tr.row");
    var box = form.parentNode.querySelector(".decided") || form.querySelector(".decided");
    var decided = null;
    if (tr) {
      decided = d.decision === "set" ? d.level2_code : d.decision === "accept" ? tr.dataset.accept : tr.dataset.given;
      tr.dataset.decided = "1";
    }
    box.textContent = "";
    var what = document.createElement("span");
    what.className = "what";
    what.textContent = WORDS[d.decision] + (d.decision === "set" ? " " + label(d.level2_code) : "");
    box.appendChild(what);
    var rest = (decided ? " → " + label(decided) : "") + " · " + (d.user || "本机用户") + " · " + when(d.created_at);
    box.appendChild(document.createTextNode(rest));
    if (d.comment) {
      box.appendChild(document.createTextNode(" · 意见:"));
      var q = document.createElement("q");
      q.textContent = d.comment;
      box.appendChild(q);
    }
    var count = document.getElementById("decided-count");
    if (count) count.textContent = document.querySelectorAll("tr.row[data-decided='1']").length;
  }
  function send(form, decision) {
    var body = { decision: decision };
    ["finding", "file", "row"].forEach(function (k) {
      var el = form.querySelector("input[name=" + k + "]");
      if (el) body[k] = Number(el.value);
    });
    var code = form.querySelector("input[name=level2_code]");
    if (decision === "set") {
      if (!code.value.trim()) { say("请先填写要改为的二级指标(如 12 或 12-质量指标)", code); return Promise.resolve(false); }
      body.level2_code = code.value.trim();
    }
    var comment = form.querySelector("input[name=comment]");
    if (comment && comment.value.trim()) body.comment = comment.value.trim();
    say("正在保存……");
    return window.indicatorml.postJSON("/api/reviews/" + encodeURIComponent(reviewId) + "/decisions", body)
      .then(function (r) {
        if (!r.ok) { say(r.data.error || "没有保存(" + r.status + ")", form); return false; }
        show(form, r.data);
        form.dataset.decision = decision;
        say("已保存:" + WORDS[decision]);
        return true;
      })
      .catch(function () { say("连不上服务器,没有保存", form); return false; });
  }
  function say(text, near) {
    status.textContent = text;
    status.classList.toggle("error", !!near);
    if (near && near.focus && near.tagName === "INPUT") near.focus();
  }
  document.querySelectorAll("form.decide-form").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      var button = e.submitter;
      if (!button || !button.value) { e.preventDefault(); return; }
      e.preventDefault();
      send(form, button.value).then(function (done) { if (done && button.closest("tr.row")) next(button.closest("tr.row"), 1); });
    });
    var comment = form.querySelector("input[name=comment]");
    comment.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") return;
      e.preventDefault();
      if (form.classList.contains("note")) { send(form, "keep"); return; }
      if (form.dataset.decision) send(form, form.dataset.decision);
      else say("先选一个决定(采纳建议、保持原类别或改为),审核意见随决定一起保存", comment);
    });
    var code = form.querySelector("input[name=level2_code]");
    if (code) code.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") return;
      e.preventDefault();
      send(form, "set").then(function (done) { if (done) next(form.closest("tr.row"), 1); });
    });
  });

  // ---------------------------------------------------------------- keyboard
  function rows() {
    return Array.prototype.filter.call(document.querySelectorAll("tr.row"), function (tr) { return tr.offsetParent !== null; });
  }
  function current() {
    var el = document.activeElement;
    return el && el.closest ? el.closest("tr.row") : null;
  }
  function next(from, step) {
    var all = rows();
    var i = from ? all.indexOf(from) : -1;
    var target = all[Math.max(0, Math.min(all.length - 1, i + step))];
    if (target) { target.focus(); target.scrollIntoView({ block: "nearest" }); }
  }
  var help = document.getElementById("keys");
  var helpButton = document.getElementById("keys-button");
  function toggleHelp() {
    help.hidden = !help.hidden;
    helpButton.setAttribute("aria-expanded", String(!help.hidden));
  }
  helpButton.addEventListener("click", toggleHelp);
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var inField = /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName);
    if (inField) {
      if (e.key === "Escape") { var tr = e.target.closest("tr.row"); if (tr) tr.focus(); }
      return;
    }
    var row = current();
    var form = row && row.querySelector("form.decide-form");
    switch (e.key) {
      case "j": case "J": case "ArrowDown": next(row, 1); break;
      case "k": case "K": case "ArrowUp": next(row, -1); break;
      case "a": case "A": if (!form) return; act(form, "accept", row); break;
      case "b": case "B": if (!form) return; act(form, "keep", row); break;
      case "c": case "C": if (!form) return; form.querySelector("input[name=level2_code]").focus(); break;
      case "e": case "E": if (!form) return; form.querySelector("input[name=comment]").focus(); break;
      case "?": toggleHelp(); break;
      default: return;
    }
    e.preventDefault();
  });
  function act(form, decision, row) {
    var button = form.querySelector("button[value=" + decision + "]");
    if (button.disabled) { say(button.title, null); return; }
    send(form, decision).then(function (done) { if (done) next(row, 1); });
  }
})();
