// Drag-and-drop onto the upload boxes; the file input stays the real, keyboard-usable control.
// The box checks the files' total size against the server's limit (data-limit) before sending:
// an upload over it is refused here, in Chinese, instead of being sent to get a 413.
"use strict";
// Every request a script sends that changes something carries the page's CSRF token in the
// X-CSRF-Token header (the server refuses it otherwise; see web/csrf.py).
window.indicatorml = {
  csrfToken: function () {
    var m = document.querySelector("meta[name=csrf-token]");
    return m ? m.content : "";
  },
  postJSON: function (url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": window.indicatorml.csrfToken() },
      body: JSON.stringify(body),
      credentials: "same-origin"
    }).then(function (r) {
      return r.json().catch(function () { return { error: "服务器的回答无法读取(" + r.status + ")" }; })
        .then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
    });
  }
};
document.querySelectorAll("[data-drop]").forEach(function (box) {
  var input = box.querySelector("input[type=file]");
  var list = box.querySelector(".chosen");
  var warn = box.querySelector(".too-big");
  var limit = Number(box.dataset.limit || 0);
  function mb(n) { return (n / 1048576).toFixed(1) + " MB"; }
  function fits() {
    var total = 0;
    Array.prototype.forEach.call(input.files, function (f) { total += f.size; });
    var over = limit > 0 && total > limit;
    warn.hidden = !over;
    warn.textContent = over ? "所选文件合计 " + mb(total) + ",超过每次 " + Math.round(limit / 1048576) +
      " MB 的上限,不能上传。请把表格拆成几个文件,分几次上传。" : "";
    return !over;
  }
  function show() {
    list.textContent = "";
    Array.prototype.forEach.call(input.files, function (f) {
      var li = document.createElement("li");
      li.textContent = f.name + " (" + Math.max(1, Math.round(f.size / 1024)) + " KB)";
      list.appendChild(li);
    });
    fits();
  }
  var form = box.closest("form");
  if (form) form.addEventListener("submit", function (e) { if (!fits()) e.preventDefault(); });
  input.addEventListener("change", show);
  ["dragenter", "dragover"].forEach(function (ev) {
    box.addEventListener(ev, function (e) { e.preventDefault(); box.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (ev) {
    box.addEventListener(ev, function (e) { e.preventDefault(); box.classList.remove("over"); });
  });
  box.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; show(); }
  });
});
