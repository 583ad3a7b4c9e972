/* Progressive enhancement of the appeal form; the form works without it.
   Texts come from data-* attributes rendered through Django's i18n. */
(function () {
  "use strict";
  var form = document.getElementById("appeal-form");
  if (!form) { return; }

  // Move focus to the error summary so screen readers announce it.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  // Captcha: a button that loads a new picture (django-simple-captcha's refresh view).
  var image = form.querySelector("img.captcha");
  var keyInput = form.querySelector("input[name='captcha_0']");
  if (image && keyInput) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-link captcha-refresh";
    button.textContent = form.dataset.captchaRefreshLabel;
    button.addEventListener("click", function () {
      fetch(form.dataset.captchaRefreshUrl, { headers: { "X-Requested-With": "XMLHttpRequest" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          image.src = data.image_url;
          keyInput.value = data.key;
          var answer = form.querySelector("input[name='captcha_1']");
          if (answer) { answer.value = ""; answer.focus(); }
        });
    });
    image.insertAdjacentElement("afterend", button);
  }

  // Refuse a selection the server would refuse anyway (too large together,
  // or not PDF/JPEG by its name) before it is sent: this saves the citizen a
  // long upload and a lost page. The server still checks every byte.
  var fileInput = form.querySelector("input[type='file']");
  var limit = parseInt(form.dataset.maxTotal, 10);
  var allowed = /\.(pdf|jpe?g)$/i;
  var kept = {};
  (form.dataset.keptSizes || "").split(",").forEach(function (pair) {
    var parts = pair.split(":");
    if (parts.length === 2) { kept[parts[0]] = parseInt(parts[1], 10); }
  });
  var message = null;
  if (fileInput) {
    // The message sits right under the file field, like the server's errors.
    message = document.createElement("div");
    message.id = "attachments-client-error";
    message.className = "invalid-feedback d-block";
    message.setAttribute("role", "alert");
    message.hidden = true;
    fileInput.insertAdjacentElement("afterend", message);
    var described = fileInput.getAttribute("aria-describedby");
    fileInput.setAttribute("aria-describedby", (described ? described + " " : "") + message.id);
  }
  function keptTotal() {
    var total = 0;
    Object.keys(kept).forEach(function (pk) {
      var box = form.querySelector("input[name='remove_attachments'][value='" + pk + "']");
      if (!box || !box.checked) { total += kept[pk]; }
    });
    return total;
  }
  function megabytes(size) {
    // Rounded up to a tenth, with a Russian decimal comma, as the server writes it.
    var value = Math.ceil(size * 10 / (1024 * 1024)) / 10;
    return (value % 1 === 0 ? value.toFixed(0) : value.toFixed(1)).replace(".", ",");
  }
  function problem() {
    if (!fileInput || !fileInput.files) { return ""; }
    var total = keptTotal();
    for (var i = 0; i < fileInput.files.length; i++) {
      var file = fileInput.files[i];
      if (!allowed.test(file.name)) { return form.dataset.typeWarning.replace("{name}", file.name); }
      total += file.size;
    }
    if (limit && total > limit) { return form.dataset.sizeWarning.replace("{size}", megabytes(total)); }
    return "";
  }
  function check() {
    var text = problem();
    if (message) {
      message.textContent = text;
      message.hidden = !text;
      fileInput.classList.toggle("is-invalid", !!text);
      if (text) { fileInput.setAttribute("aria-invalid", "true"); } else { fileInput.removeAttribute("aria-invalid"); }
    }
    return !text;
  }
  if (fileInput) { fileInput.addEventListener("change", check); }
  form.addEventListener("change", function (event) {
    if (event.target && event.target.name === "remove_attachments") { check(); }
  });
  form.addEventListener("submit", function (event) {
    if (!check()) { event.preventDefault(); fileInput.focus(); }
  });
})();
