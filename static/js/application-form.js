// The application form: show the pick-up persons only for "named authorised persons" and the
// written consent only for "goes home alone". Without JavaScript both stay visible; the server
// ignores what does not apply.
(function () {
  var form = document.getElementById("application-form");
  if (!form) {
    return;
  }
  var persons = document.getElementById("pickup-persons-block");
  var alone = document.getElementById("alone-consent-block");

  function update() {
    var checked = form.querySelector('input[name="pickup"]:checked');
    var value = checked ? checked.value : "";
    if (persons) {
      persons.hidden = value !== "authorised";
    }
    if (alone) {
      alone.hidden = value !== "alone";
    }
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "pickup") {
      update();
    }
  });
  update();
})();
