// Composer: live per-network previews and character counters, from the server's own
// rendering (/publishing/compose/preview), so what is shown is exactly what is sent; and
// the compliance policy's findings with the lexicon's advice while typing
// (/publishing/compose/screen, debounced). Both are help only: the server decides on submit.
(function () {
  "use strict";
  var form = document.getElementById("composer");
  var box = document.getElementById("previews");
  if (!form || !box) { return; }
  var findingsBox = document.getElementById("policy-findings");
  var previewTimer = null;
  var screenTimer = null;
  var screened = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function card(item) {
    var node = el("div", "card mb-2 network-preview network-" + item.network +
                  (item.fits ? "" : " border-danger"));
    node.dataset.network = item.network;
    node.dataset.folded = item.folded ? "1" : "0";
    var body = el("div", "card-body");
    var head = el("div", "d-flex justify-content-between small mb-1");
    head.appendChild(el("strong", "", item.label));
    head.appendChild(el("span", "counter " + (item.fits ? "text-muted" : "text-danger"),
      item.count + " / " + item.limit + (item.fits ? "" : " — " + box.dataset.labelTooLong)));
    body.appendChild(head);
    var text = el("div", "post-preview small mb-0", item.folded ? item.visible : item.text);
    text.dataset.part = "text";
    body.appendChild(text);
    if (item.folded) {
      var more = el("button", "btn btn-link btn-sm p-0 see-more", box.dataset.labelSeeMore);
      more.type = "button";
      more.title = box.dataset.labelFold;
      more.addEventListener("click", function () {
        text.textContent = item.text;
        more.remove();
      });
      body.appendChild(more);
    }
    if (item.media_url) {
      var img = el("img", "img-fluid rounded border mt-2 d-block");
      img.src = item.media_url;
      img.alt = box.dataset.labelImage;
      body.appendChild(img);
    } else if (item.link_url) {
      var link = el("div", "border rounded mt-2 p-2 bg-light small link-card");
      link.setAttribute("aria-label", box.dataset.labelLinkCard);
      link.appendChild(el("div", "text-muted text-uppercase", item.link_host));
      link.appendChild(el("div", "text-break", item.link_url));
      body.appendChild(link);
    }
    node.appendChild(body);
    return node;
  }

  function render(items) {
    box.textContent = "";
    items.forEach(function (item) { box.appendChild(card(item)); });
  }

  function renderFindings(result) {
    if (!findingsBox) { return; }
    findingsBox.textContent = "";
    if (!result.findings.length) {
      findingsBox.appendChild(el("p", "small text-muted mb-0", findingsBox.dataset.labelClear));
      return;
    }
    var list = el("ul", "list-group small");
    var groups = [];  // the same finding met several times is listed once, with its count
    var byKey = {};
    result.findings.forEach(function (f) {
      var key = f.severity + "|" + f.message + "|" + f.in_link;
      if (byKey[key]) { byKey[key].times += 1; return; }
      byKey[key] = { finding: f, times: 1 };
      groups.push(byKey[key]);
    });
    groups.forEach(function (group) {
      var f = group.finding;
      var item = el("li", "list-group-item " + (f.blocks ? "list-group-item-danger" : "list-group-item-warning"));
      item.dataset.severity = f.severity;
      var badge = f.blocks ? findingsBox.dataset.labelBlocks : findingsBox.dataset.labelFlag;
      item.appendChild(el("strong", "me-1", badge + ":"));
      item.appendChild(document.createTextNode(f.message));
      if (group.times > 1) { item.appendChild(el("span", "badge text-bg-light border ms-1", "×" + group.times)); }
      if (f.excerpt && f.message.indexOf(f.excerpt) < 0) {
        item.appendChild(document.createTextNode(" — "));
        item.appendChild(el("q", "", f.excerpt));
        if (f.in_link) { item.appendChild(document.createTextNode(" (" + findingsBox.dataset.labelInLink + ")")); }
      }
      if (f.advice) {
        var advice = el("div", "mt-1 finding-advice");
        advice.appendChild(el("span", "fw-semibold me-1", findingsBox.dataset.labelAdvice));
        advice.appendChild(document.createTextNode(f.advice));
        item.appendChild(advice);
      }
      list.appendChild(item);
    });
    findingsBox.appendChild(list);
  }

  function params() {
    var query = new URLSearchParams();
    query.set("text", form.elements.text.value);
    if (form.elements.link_url) { query.set("link_url", form.elements.link_url.value); }
    if (form.elements.version_id && form.elements.version_id.value) {
      query.set("version_id", form.elements.version_id.value);
    }
    form.querySelectorAll("input[name=account_ids]:checked").forEach(function (input) {
      query.append("account_id", input.value);
    });
    return query;
  }

  function get(url, query, then) {
    fetch(url + "?" + query.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { then(data); } })
      .catch(function () { /* a help only; the server checks on submit */ });
  }

  function refresh() { get(form.dataset.previewUrl, params(), render); }

  function screen() {
    if (!form.dataset.screenUrl) { return; }
    var query = new URLSearchParams();
    query.set("text", form.elements.text.value);
    if (form.elements.link_url) { query.set("link_url", form.elements.link_url.value); }
    var key = query.toString();
    if (key === screened) { return; }
    screened = key;
    get(form.dataset.screenUrl, query, renderFindings);
  }

  function later() {
    window.clearTimeout(previewTimer);
    previewTimer = window.setTimeout(refresh, 250);
    window.clearTimeout(screenTimer);  // the policy is asked once the typing pauses
    screenTimer = window.setTimeout(screen, 600);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  refresh();
  screen();
}());
