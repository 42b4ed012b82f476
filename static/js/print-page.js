// The print button of the activation slips (no inline script under the Content-Security-Policy).
document.addEventListener("click", function (event) {
  if (event.target && event.target.id === "print-button") {
    window.print();
  }
});
