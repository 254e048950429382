// Asks before an action that cannot be taken back (a form or button marked data-confirm="question").
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var question = (event.submitter && event.submitter.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
