/* "Добавить соавтора": adds a row of the co-authors' formset in place.
   Without JavaScript the same button sends the form back with one more row. */
(function () {
  "use strict";
  document.querySelectorAll("[data-coauthor-add]").forEach(function (button) {
    var box = button.closest("details, fieldset, form") || document;
    var rows = box.querySelector("[data-coauthor-rows]");
    var template = box.querySelector("template#coauthor-empty-row");
    var prefix = button.dataset.prefix;
    var total = box.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var max = box.querySelector("input[name='" + prefix + "-MAX_NUM_FORMS']");
    if (!rows || !template || !total) { return; }
    button.addEventListener("click", function (event) {
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) { return; }
      event.preventDefault();
      var html = template.innerHTML.replace(/__prefix__/g, String(index))
        .replace(/__number__/g, String(index + 1));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var added = rows.lastElementChild;
      var first = added && added.querySelector("input");
      if (first) { first.focus(); }
    });
  });
})();
