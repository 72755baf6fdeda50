// Show a training job's progress; reload the page when it is done.
"use strict";
(function () {
  var box = document.getElementById("job");
  if (!box || box.dataset.state === "done" || box.dataset.state === "failed") return;
  function poll() {
    fetch("/api/models/jobs/" + encodeURIComponent(box.dataset.job))
      .then(function (r) { return r.json(); })
      .then(function (j) {
        document.getElementById("job-stage").textContent = j.stage;
        document.getElementById("job-elapsed").textContent = j.elapsed;
        var bar = document.getElementById("job-progress");
        if (j.expected_seconds) { bar.max = 1; bar.value = Math.min(0.95, j.elapsed / j.expected_seconds); }
        if (j.state === "done") { location.reload(); return; }
        if (j.state === "failed") {
          var e = document.getElementById("job-error"); e.textContent = j.error; e.hidden = false; bar.max = 1; bar.value = 0;
          box.dataset.state = "failed"; return;
        }
        setTimeout(poll, 700);
      })
      .catch(function () { setTimeout(poll, 1500); });
  }
  poll();
})();
