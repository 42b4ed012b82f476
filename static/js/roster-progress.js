// Roster import progress: polls the import's JSON status and reloads the page when it ends.
(function () {
  "use strict";
  var box = document.getElementById("roster-progress");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var bar = document.getElementById("roster-progress-bar");
  var text = document.getElementById("roster-progress-text");

  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + "%";
    text.textContent = data.label + " · " + data.processed + " / " + data.total;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
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
})();
