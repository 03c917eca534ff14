// Live character counter per chosen network (mirrors content_library/limits.py; the server
// checks again at save time). No inline script: loaded by the library's form pages.
(function () {
  "use strict";
  var URL_RE = /(?:https?:\/\/|www\.)[^\s<>"']+/gi;
  var X_URL = 23;

  function count(network, text, link) {
    if (network === "x") {
      if (link && text.indexOf(link) === -1) { text = text ? text + "\n\n" + link : link; }
      return Array.from(text.replace(URL_RE, new Array(X_URL + 1).join("u"))).length;
    }
    return text.length;  // UTF-16 units, as the networks count
  }

  function update(form) {
    var area = form.querySelector("textarea[data-counter]");
    if (!area) { return; }
    var linkInput = form.querySelector("input[name=link_url]");
    var link = linkInput ? linkInput.value.trim() : "";
    var chosen = {};
    form.querySelectorAll("input[data-network]").forEach(function (box) {
      chosen[box.value] = box.checked;
    });
    form.querySelectorAll("[data-counter-network]").forEach(function (el) {
      var network = el.getAttribute("data-counter-network");
      var shown = el.hasAttribute("data-always") || chosen[network];
      el.classList.toggle("d-none", !shown);
      var n = count(network, area.value, link);
      el.querySelector(".count").textContent = n;
      el.classList.toggle("counter-over", n > parseInt(el.getAttribute("data-limit"), 10));
    });
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("textarea[data-counter]")) { return; }
    form.addEventListener("input", function () { update(form); });
    form.addEventListener("change", function () { update(form); });
    update(form);
  });

  // Branch choices only matter for "Chosen branches": grey them out otherwise.
  document.querySelectorAll("[data-branch-choices]").forEach(function (box) {
    var form = box.closest("form");
    function sync() {
      var all = form.querySelector("input[name=audience][value=all]");
      var off = !!(all && all.checked);
      box.classList.toggle("opacity-50", off);
      box.querySelectorAll("input").forEach(function (input) { input.disabled = off; });
    }
    form.addEventListener("change", sync);
    sync();
  });
})();
