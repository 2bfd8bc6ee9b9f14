// Poll a scan's status and show the result when it is done (labels come translated from the server).
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box) return;
  var statusUrl = box.getAttribute("data-status-url");
  var resultUrl = box.getAttribute("data-result-url");
  function show(id, text) { var el = document.getElementById(id); if (el) el.textContent = text; }
  function poll() {
    fetch(statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 401) { window.location = "/login?next=" + encodeURIComponent(resultUrl); throw new Error("login"); }
        return r.json();
      })
      .then(function (s) {
        show("status", s.status_label || s.status);
        show("stage", s.stage_label || s.stage || "");
        show("elapsed", String(s.elapsed_s));
        show("ahead", s.ahead_label || "");
        if (s.done) { window.location = resultUrl; } else { setTimeout(poll, 800); }
      })
      .catch(function (e) { if (e.message !== "login") setTimeout(poll, 2000); });
  }
  setTimeout(poll, 400);
})();
