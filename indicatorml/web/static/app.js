// Drag-and-drop onto the upload boxes; the file input stays the real, keyboard-usable control.
"use strict";
document.querySelectorAll("[data-drop]").forEach(function (box) {
  var input = box.querySelector("input[type=file]");
  var list = box.querySelector(".chosen");
  function show() {
    list.textContent = "";
    Array.prototype.forEach.call(input.files, function (f) {
      var li = document.createElement("li");
      li.textContent = f.name + " (" + Math.max(1, Math.round(f.size / 1024)) + " KB)";
      list.appendChild(li);
    });
  }
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
