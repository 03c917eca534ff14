// "Now or at a date" forms: the submit button says what will happen ("Reschedule to
// 14 Jan, 09:00", "Publish now"), and typing a date chooses "At a date and time".
// The server renders the same label first; this only follows the changes.
(function () {
  "use strict";
  var button = document.querySelector("[data-when-submit]");
  if (!button || !button.form) { return; }
  var form = button.form;
  var input = form.elements.when;
  var lang = document.documentElement.lang || "en";

  function short(value) {
    var found = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || "");
    if (!found) { return ""; }
    var year = Number(found[1]);
    var day = new Date(year, Number(found[2]) - 1, Number(found[3]));
    // "d MMM[ y]" as the server writes it (Babel), whatever order the locale prefers.
    var parts = {};
    new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", year: "numeric" })
      .formatToParts(day).forEach(function (part) { parts[part.type] = part.value; });
    var text = parts.day + " " + parts.month;
    if (year !== new Date().getFullYear()) { text += " " + parts.year; }
    return text + ", " + found[4] + ":" + found[5];
  }

  function mode() {
    var checked = form.querySelector("input[name=when_mode]:checked");
    return checked ? checked.value : "";
  }

  function update() {
    var when = input ? short(input.value) : "";
    if (mode() === "now") {
      button.textContent = button.dataset.labelNow;
    } else if (when) {
      button.textContent = button.dataset.labelLater.replace("{when}", when);
    } else {
      button.textContent = button.dataset.labelNone;
    }
  }

  if (input) {
    input.addEventListener("input", function () {
      var later = form.querySelector("input[name=when_mode][value=later]");
      if (later && input.value) { later.checked = true; }
      update();
    });
  }
  form.addEventListener("change", update);
  update();
}());
