// Leave form: show the dates or the session list, whichever the guardian chose.
(function () {
  var days = document.getElementById("leave-days");
  var session = document.getElementById("leave-session");
  if (!days || !session) return;
  function update() {
    var chosen = document.querySelector('input[name="scope"]:checked');
    var forSession = chosen && chosen.value === "session";
    days.hidden = forSession;
    session.hidden = !forSession;
  }
  document.addEventListener("change", update);
  update();
})();
