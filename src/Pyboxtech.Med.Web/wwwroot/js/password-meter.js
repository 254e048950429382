// A rough hint while typing a new password. The server decides, with a much fuller guessability check (zxcvbn,
// names, history), so the best this hint ever says is that the password looks reasonable: it never calls a password
// strong that the server may then refuse.
(function () {
  "use strict";
  function score(value) {
    if (!value) { return 0; }
    var classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter(function (re) { return re.test(value); }).length;
    var unique = new Set(value.toLowerCase()).size;
    var points = Math.min(value.length, 24) / 6 + classes / 2 + Math.min(unique, 12) / 6;
    if (/(.)\1\1/.test(value)) { points -= 2; }
    // Words and patterns guessers try first: seasons, keyboard rows, common words, years, runs of digits.
    if (/(spring|summer|autumn|winter|password|passw0rd|welcome|letmein|qwerty|asdf|zxcv|admin|iloveyou|monkey|dragon|football|sunshine)/i.test(value)) { points -= 2; }
    if (/(19|20)[0-9][0-9]/.test(value)) { points -= 1; }
    if (/(0123|1234|2345|3456|4567|5678|6789|abcd)/i.test(value)) { points -= 1; }
    return Math.max(0, Math.min(4, Math.floor(points - 1)));
  }
  document.querySelectorAll("input[data-strength-meter]").forEach(function (input) {
    var meter = document.getElementById(input.getAttribute("data-strength-meter"));
    var label = document.getElementById(input.getAttribute("data-strength-meter") + "-label");
    if (!meter || !label) { return; }
    // The words come from the page, in the reader's language.
    var weak = label.getAttribute("data-weak"), tooWeak = label.getAttribute("data-too-weak"), fine = label.getAttribute("data-reasonable");
    var labels = [tooWeak, tooWeak, weak, fine, fine];
    input.addEventListener("input", function () {
      var s = score(input.value);
      meter.value = s;
      label.textContent = input.value ? labels[s] : "";
    });
  });
})();
