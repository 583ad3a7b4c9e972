// The draft page of an answer (issue 10 item 4): standard passages put at the cursor, and the text
// kept on the server while it is typed, so that a closed tab loses nothing. A file of its own: the
// CSP allows no inline script. Without JavaScript the passages are plain text to copy, and the
// draft is saved by its buttons as before.
(function () {
  "use strict";
  var form = document.getElementById("answer-draft");
  var text = document.getElementById("id_text");
  if (!form || !text) { return; }

  // --- the standard passages -------------------------------------------------------
  document.querySelectorAll(".fragment-insert").forEach(function (button) {
    var source = document.getElementById(button.dataset.target);
    if (!source) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var passage = source.textContent.trim();
      var start = text.selectionStart, end = text.selectionEnd;
      var before = text.value.slice(0, start);
      // A passage is a paragraph of its own: a blank line before it unless it starts the text.
      var lead = before === "" || /\n\n$/.test(before) ? "" : (/\n$/.test(before) ? "\n" : "\n\n");
      text.setRangeText(lead + passage, start, end, "end");
      text.focus();
      text.dispatchEvent(new Event("input", {bubbles: true}));
    });
  });

  // --- the text kept while typing ---------------------------------------------------
  var status = document.getElementById("autosave-status");
  var url = form.dataset.autosaveUrl;
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  var timer = null, sent = text.value, busy = false;
  function say(message) { if (status) { status.textContent = message; } }
  function save() {
    timer = null;
    if (busy || text.value === sent || !url || !token) { return; }
    var body = new FormData();
    body.append("text", text.value);
    body.append("csrfmiddlewaretoken", token.value);
    var value = text.value;
    busy = true;
    fetch(url, {method: "POST", body: body, credentials: "same-origin",
                headers: {"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"}})
      .then(function (response) {
        return response.json().then(function (data) { return {ok: response.ok, data: data}; });
      })
      .then(function (result) {
        if (result.ok) { sent = value; say(result.data.message); }
        else { say("Не удалось сохранить автоматически: " + (result.data.error || "ошибка")); }
      })
      .catch(function () { say("Нет связи с сервером: текст не сохранён автоматически."); })
      .finally(function () { busy = false; if (text.value !== sent) { schedule(); } });
  }
  function schedule() { if (timer) { clearTimeout(timer); } timer = setTimeout(save, 2000); }
  text.addEventListener("input", schedule);
  // Leaving the page: what was typed in the last seconds goes too.
  window.addEventListener("pagehide", function () {
    if (text.value === sent || !url || !token || !navigator.sendBeacon) { return; }
    var body = new FormData();
    body.append("text", text.value);
    body.append("csrfmiddlewaretoken", token.value);
    navigator.sendBeacon(url, body);
  });
  // The form's own buttons save the draft: no beacon after them.
  form.addEventListener("submit", function () { sent = text.value; });
})();
