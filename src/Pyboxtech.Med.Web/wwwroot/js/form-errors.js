// A refused form: the error summary takes the focus (a screen reader reads it; Tab goes on to its links), unless the
// page put the cursor in a field on purpose (a code to type again). Each link in the summary moves the focus into its field.
(function () {
  "use strict";
  var summary = document.getElementById("form-errors");
  if (!summary) { return; }
  if (!document.querySelector("[autofocus]")) { summary.focus(); }
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-field-link]");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (field) { event.preventDefault(); field.focus(); }
  });
})();
