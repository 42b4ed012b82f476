// Roll call: one button marks every child not yet marked as present; the teacher then taps the
// exceptions. Nothing is saved until the form is sent.
(function () {
  var button = document.getElementById("all-present");
  var form = document.getElementById("roll-call-form");
  if (!button || !form) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    form.querySelectorAll(".roll-row").forEach(function (row) {
      var radios = row.querySelectorAll('input[type="radio"]');
      if (!radios.length) return;
      var chosen = Array.prototype.some.call(radios, function (r) { return r.checked; });
      if (!chosen) {
        var present = row.querySelector('input[value="present"]');
        if (present) present.checked = true;
      }
    });
  });
})();
