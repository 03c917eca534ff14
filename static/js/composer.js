// Composer: live per-network preview and character counters, from the server's own
// rendering (/publishing/compose/preview), so what is shown is exactly what is sent.
(function () {
  "use strict";
  var form = document.getElementById("composer");
  var box = document.getElementById("previews");
  if (!form || !box) { return; }
  var timer = null;

  function render(items) {
    box.textContent = "";
    items.forEach(function (item) {
      var card = document.createElement("div");
      card.className = "card mb-2" + (item.fits ? "" : " border-danger");
      card.dataset.network = item.network;
      var body = document.createElement("div");
      body.className = "card-body";
      var head = document.createElement("div");
      head.className = "d-flex justify-content-between small mb-1";
      var name = document.createElement("strong");
      name.textContent = item.label;
      var count = document.createElement("span");
      count.className = "counter " + (item.fits ? "text-muted" : "text-danger");
      count.textContent = item.count + " / " + item.limit +
        (item.fits ? "" : " — " + box.dataset.labelTooLong);
      head.appendChild(name);
      head.appendChild(count);
      var text = document.createElement("pre");
      text.className = "mb-0 text-wrap small";
      text.textContent = item.text;
      body.appendChild(head);
      body.appendChild(text);
      card.appendChild(body);
      box.appendChild(card);
    });
  }

  function refresh() {
    var params = new URLSearchParams();
    params.set("text", form.elements.text.value);
    if (form.elements.link_url) { params.set("link_url", form.elements.link_url.value); }
    if (form.elements.version_id && form.elements.version_id.value) {
      params.set("version_id", form.elements.version_id.value);
    }
    form.querySelectorAll("input[name=account_ids]:checked").forEach(function (input) {
      params.append("account_id", input.value);
    });
    fetch(form.dataset.previewUrl + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(render)
      .catch(function () { /* the preview is a help; the server checks on submit */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  refresh();
}());
