// The class review queue: "select all" and the count on the bulk-approve button.
(function () {
  var all = document.getElementById("select-all");
  var count = document.getElementById("selected-count");
  var boxes = Array.prototype.slice.call(document.querySelectorAll(".row-check"));
  if (!boxes.length) {
    return;
  }

  function update() {
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    if (count) {
      count.textContent = String(ticked);
    }
    if (all) {
      all.checked = ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
  }

  if (all) {
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      update();
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  update();
})();
