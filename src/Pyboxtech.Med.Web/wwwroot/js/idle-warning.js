// Warns a minute before the server ends an idle session, and lets the person stay signed in. The server decides:
// this only keeps someone who is still there from losing what they were doing.
(function () {
  "use strict";
  var body = document.body;
  var timeout = parseInt(body.getAttribute("data-idle-timeout-seconds") || "0", 10);
  var warning = document.getElementById("idle-warning");
  var stay = document.getElementById("idle-stay");
  if (!timeout || !warning || !stay) { return; }
  var warnTimer, endTimer;
  function arm() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warning.hidden = true;
    warnTimer = setTimeout(function () { warning.hidden = false; stay.focus(); }, Math.max(0, timeout - 60) * 1000);
    endTimer = setTimeout(function () { window.location.assign("/Account/Login"); }, timeout * 1000);
  }
  stay.addEventListener("click", function () {
    fetch("/Account/KeepAlive", { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      if (response.ok) { arm(); } else { window.location.assign("/Account/Login"); }
    });
  });
  arm();
})();
