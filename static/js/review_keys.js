// Review page shortcuts (documented next to the decision form): A approve, R reject,
// C request changes, E escalate choose the decision and move to the field it needs; they do
// nothing while typing in a field. Ctrl+Enter (or Cmd+Enter) records the decision.
(function () {
  "use strict";
  var form = document.querySelector("form[action$='/decide']");
  if (!form) { return; }
  var keys = { a: "approve", r: "reject", c: "request_changes", e: "escalate" };

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable) ||
      (tag === "INPUT" && !/^(radio|checkbox|button|submit)$/.test(target.type));
  }

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && form.contains(event.target)) {
      event.preventDefault();
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var value = keys[(event.key || "").toLowerCase()];
    if (!value) { return; }
    var radio = form.querySelector("input[name=decision][value=" + value + "]");
    if (!radio) { return; }
    event.preventDefault();
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    var next = value === "reject" ? form.elements.reason_code
      : value === "approve" ? (form.elements.justification || radio) : form.elements.comment;
    if (next && next.focus) { next.focus(); }
  });
}());
