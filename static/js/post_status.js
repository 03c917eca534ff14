// The post page refreshes where the post stands by itself while something is in flight
// (a row being sent or due in a moment), from /publishing/posts/<id>/status; it stops once
// everything has settled (or after ten minutes: reload the page to look again).
(function () {
  "use strict";
  var box = document.getElementById("post-status");
  if (!box || box.dataset.inFlight !== "1" || !window.fetch) { return; }
  var url = box.dataset.statusUrl;
  var every = 2000;
  var left = 300;

  function poll() {
    left -= 1;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }  // signed out or gone: stop quietly
        if (data.html !== undefined) { box.innerHTML = data.html; }
        if (!data.settled && left > 0) { window.setTimeout(poll, every); }
      })
      .catch(function () { if (left > 0) { window.setTimeout(poll, every * 2); } });
  }
  window.setTimeout(poll, every);
}());
