// The batch page while its PDF is built: the counter follows the build, and the page
// reloads once it ends (a file of its own: the CSP allows no inline script).
(function () {
  "use strict";
  var box = document.getElementById("batch-state");
  if (!box || box.dataset.status !== "building") { return; }
  function poll() {
    fetch(box.dataset.progressUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        document.getElementById("batch-done").textContent = data.done;
        document.getElementById("batch-progress").value = data.done;
        document.getElementById("batch-status").textContent = data.status_display;
        if (data.status !== "building") { window.location.reload(); } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
