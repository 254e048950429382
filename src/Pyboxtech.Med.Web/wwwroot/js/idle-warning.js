// Warns a minute before the server ends an idle session, and lets the person stay signed in. The server decides:
// this only keeps someone who is still there from losing what they were doing. Typing into the page counts as being
// there (one keep-alive a minute at most), so a long form is not lost half way; merely having the page open does not.
(function () {
  "use strict";
  var body = document.body;
  var timeout = parseInt(body.getAttribute("data-idle-timeout-seconds") || "0", 10);
  var warning = document.getElementById("idle-warning");
  var stay = document.getElementById("idle-stay");
  if (!timeout || !warning || !stay) { return; }
  var warnTimer, endTimer;
  var lastKeptAlive = Date.now();

  function signedOut() {
    var here = window.location.pathname + window.location.search;
    window.location.assign("/Account/Login?reason=idle&returnUrl=" + encodeURIComponent(here));
  }

  function arm() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warning.hidden = true;
    warnTimer = setTimeout(function () { warning.hidden = false; stay.focus(); }, Math.max(0, timeout - 60) * 1000);
    endTimer = setTimeout(signedOut, timeout * 1000);
  }

  function keepAlive() {
    lastKeptAlive = Date.now();
    // A session that already ended answers with a redirect to the sign-in page, which fetch would follow to a 200.
    return fetch("/Account/KeepAlive", { credentials: "same-origin", cache: "no-store", redirect: "manual" }).then(function (response) {
      if (response.status === 204) { arm(); } else { signedOut(); }
    }, signedOut);
  }

  stay.addEventListener("click", keepAlive);
  document.addEventListener("input", function () {
    if (Date.now() - lastKeptAlive >= 60000) { keepAlive(); }
  });
  arm();
})();
