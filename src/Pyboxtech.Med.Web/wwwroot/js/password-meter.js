// A rough strength hint while typing a new password. The server decides; this only helps people aim.
(function () {
  "use strict";
  var labels = ["Very weak", "Weak", "Fair", "Good", "Strong"];
  function score(value) {
    if (!value) { return 0; }
    var classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter(function (re) { return re.test(value); }).length;
    var unique = new Set(value.toLowerCase()).size;
    var points = Math.min(value.length, 24) / 6 + classes / 2 + Math.min(unique, 12) / 6;
    if (/(.)\1\1/.test(value) || /^(password|welcome|letmein|qwerty|admin)/i.test(value)) { points -= 2; }
    return Math.max(0, Math.min(4, Math.floor(points - 1)));
  }
  document.querySelectorAll("input[data-strength-meter]").forEach(function (input) {
    var meter = document.getElementById(input.getAttribute("data-strength-meter"));
    var label = document.getElementById(input.getAttribute("data-strength-meter") + "-label");
    if (!meter || !label) { return; }
    input.addEventListener("input", function () {
      var s = score(input.value);
      meter.value = s;
      label.textContent = input.value ? labels[s] : "";
    });
  });
})();
