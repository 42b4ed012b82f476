// Release form: show only the fields the chosen person needs (checking, a stranger's name, the
// group to move to). Without JavaScript every field shows and the server checks the same.
(function () {
  var form = document.getElementById("release-form");
  if (!form) return;
  var blocks = {
    verify: document.getElementById("verify-block"),
    other: document.getElementById("other-block"),
    transfer: document.getElementById("transfer-block"),
  };
  var codeField = document.getElementById("div_id_code");
  var idField = document.getElementById("div_id_id_last4");
  function chosen(name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }
  function update() {
    var person = chosen("person");
    var listed = person.indexOf("g:") === 0 || person.indexOf("p:") === 0;
    if (blocks.verify) blocks.verify.hidden = !listed;
    if (blocks.other) blocks.other.hidden = person !== "other";
    if (blocks.transfer) blocks.transfer.hidden = person !== "transfer";
    var how = chosen("verification");
    if (codeField) codeField.hidden = how !== "code";
    if (idField) idField.hidden = how !== "id_last4";
  }
  form.addEventListener("change", update);
  update();
})();
