// Draw each chart of the trends page from the JSON beside its canvas (no inline script: the CSP allows 'self').
(function () {
  "use strict";
  var palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#7f7f7f", "#17becf"];
  var dashes = [[], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [1, 3], [10, 2], [3, 6]];
  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var datasets = spec.series.map(function (series, index) {
      var colour = palette[index % palette.length];
      // Dashes tell the lines apart in a black-and-white print as well.
      return { label: series.label, data: series.data, borderColor: colour, backgroundColor: colour,
               borderDash: dashes[index % dashes.length], fill: false, tension: 0.1 };
    });
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: spec.percent ? { callback: function (v) { return v + " %"; } } : {} } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }
  function start() { document.querySelectorAll("canvas[data-chart]").forEach(draw); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
  // Charts drawn for the screen are redrawn at the paper's width before printing.
  window.addEventListener("beforeprint", function () {
    if (typeof Chart === "undefined") { return; }
    Object.values(Chart.instances).forEach(function (chart) { chart.resize(); });
  });
}());
