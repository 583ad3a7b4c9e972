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

  // Warn before sending files that together exceed the limit: the server
  // would refuse them anyway, this saves the citizen a long upload.
  var fileInput = form.querySelector("input[type='file']");
  var warning = document.getElementById("size-warning");
  var limit = parseInt(form.dataset.maxTotal, 10);
  function totalSize() {
    var total = 0;
    if (fileInput && fileInput.files) {
      for (var i = 0; i < fileInput.files.length; i++) { total += fileInput.files[i].size; }
    }
    return total;
  }
  function check() {
    var over = limit && totalSize() > limit;
    if (warning) {
      warning.textContent = over ? form.dataset.sizeWarning : "";
      warning.classList.toggle("d-none", !over);
    }
    return !over;
  }
  if (fileInput) { fileInput.addEventListener("change", check); }
  form.addEventListener("submit", function (event) {
    if (!check()) { event.preventDefault(); fileInput.focus(); }
  });
})();
