// Progressive enhancements only; every page works without script.
(function () {
  "use strict";
  // Ask before destructive actions: forms carry data-confirm="question".
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // Copy-to-clipboard buttons: data-copy-target="#element-id".
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) { return; }
    var target = document.querySelector(button.getAttribute("data-copy-target"));
    if (!target || !navigator.clipboard) { return; }
    navigator.clipboard.writeText(target.innerText).then(function () {
      var done = button.getAttribute("data-copied-label");
      if (done) { button.textContent = done; }
    });
  });
  // Tabs that scroll sideways on phones: bring the current tab into view.
  document.querySelectorAll(".nav-tabs.overflow-x-auto .nav-link.active").forEach(function (tab) {
    var bar = tab.closest(".nav-tabs");
    bar.scrollLeft = tab.offsetLeft - bar.offsetLeft - 16;
  });
  // A new user's time zone follows the chosen branch's, until the admin picks one by hand.
  document.querySelectorAll("select[data-branch-zones]").forEach(function (zone) {
    var zones = JSON.parse(zone.getAttribute("data-branch-zones") || "{}");
    var branch = document.getElementById(zone.getAttribute("data-branch-field"));
    var chosen = false;
    zone.addEventListener("change", function () { chosen = true; });
    if (!branch) { return; }
    branch.addEventListener("change", function () {
      if (!chosen && zones[branch.value]) { zone.value = zones[branch.value]; }
    });
  });
})();
