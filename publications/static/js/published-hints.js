// While the citizen types the essence, offer published answers that may already answer the question
// (art. 10 part 4, art. 11 part 5.1 of 59-FZ). Progressive enhancement: without this script the form works
// the same; the hints never block typing or sending, and any failure shows nothing.
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.getAttribute("data-hints-url");
  var textarea = document.getElementById("id_text");
  if (!url || !textarea || !window.fetch) {
    return;
  }
  var MIN_CHARS = 20;
  var DELAY_MS = 600;
  var timer = null;
  var lastQuery = "";
  var controller = null;

  var box = document.createElement("section");
  box.id = "published-hints";
  box.className = "published-hints alert alert-info mt-2";
  box.setAttribute("aria-live", "polite");
  box.hidden = true;
  var anchor = document.getElementById("div_id_text") || textarea;
  anchor.parentNode.insertBefore(box, anchor.nextSibling);

  function render(results) {
    box.textContent = "";
    if (!results.length) {
      box.hidden = true;
      return;
    }
    var heading = document.createElement("h2");
    heading.className = "h6";
    heading.textContent = script.getAttribute("data-hints-title");
    box.appendChild(heading);
    var list = document.createElement("ul");
    list.className = "mb-1";
    results.forEach(function (item) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = item.title;
      li.appendChild(link);
      var meta = document.createElement("span");
      meta.className = "text-body-secondary small";
      meta.textContent = " (" + item.topic + ", " + item.date + ")";
      li.appendChild(meta);
      list.appendChild(li);
    });
    box.appendChild(list);
    var note = document.createElement("p");
    note.className = "small mb-0";
    note.textContent = script.getAttribute("data-hints-note");
    box.appendChild(note);
    box.hidden = false;
  }

  function ask() {
    var query = textarea.value.trim();
    if (query.length < MIN_CHARS || query === lastQuery) {
      return;
    }
    lastQuery = query;
    if (controller) {
      controller.abort();
    }
    controller = window.AbortController ? new AbortController() : null;
    var address = url + "?text=" + encodeURIComponent(query.slice(0, 1000));
    window.fetch(address, {credentials: "same-origin", headers: {"Accept": "application/json"},
                           signal: controller ? controller.signal : undefined})
      .then(function (response) { return response.ok ? response.json() : {results: []}; })
      .then(function (data) { render(data.results || []); })
      .catch(function () { /* offline, limited or aborted: nothing to offer */ });
  }

  textarea.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, DELAY_MS);
  });
  if (textarea.value.trim().length >= MIN_CHARS) {
    ask();
  }
})();
