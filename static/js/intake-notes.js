/* The institution's notes above the form: folded under «Подробнее» on a phone,
   opened on a wide screen. Without JavaScript they stay folded and open on a click. */
(function () {
  "use strict";
  var more = document.getElementById("intake-notes-more");
  if (!more || !window.matchMedia) { return; }
  var wide = window.matchMedia("(min-width: " + (more.dataset.openFrom || "768") + "px)");
  if (wide.matches) { more.open = true; }
})();
