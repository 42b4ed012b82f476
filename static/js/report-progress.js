// Generated reports: each report still queued or running polls its JSON status, moves its progress
// bar, and reloads the page once it has ended (the download link then shows).
(function () {
  "use strict";
  var boxes = document.querySelectorAll("[data-report-status]");

  function watch(box) {
    var url = box.getAttribute("data-report-status");
    var bar = box.querySelector("progress");
    var label = box.querySelector("[data-role=label]");

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (data) {
          bar.value = data.percent;
          bar.textContent = data.percent + "%";
          label.textContent = data.label + " · " + data.percent + "%";
          if (data.active) {
            window.setTimeout(poll, 1500);
          } else {
            window.location.reload();
          }
        })
        .catch(function () {
          window.setTimeout(poll, 5000);
        });
    }

    window.setTimeout(poll, 1000);
  }

  Array.prototype.forEach.call(boxes, watch);
})();
