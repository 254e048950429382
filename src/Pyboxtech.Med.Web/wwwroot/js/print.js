// A button marked data-print prints the page (the print stylesheet leaves out navigation and buttons).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
