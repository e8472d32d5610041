// The orders dashboard's chart (templates/orders/dashboard.html): orders per stage stacked by status, from
// the JSON the page embeds (json_script "orders-chart-data"), drawn with the vendored Chart.js.
(function () {
  "use strict";

  function draw() {
    const source = document.getElementById("orders-chart-data");
    const canvas = document.getElementById("orders-chart");
    if (!source || !canvas || typeof Chart === "undefined") {
      return;
    }
    const chart = JSON.parse(source.textContent);
    const datasets = chart.datasets.map((dataset) => ({
      label: dataset.label,
      data: dataset.values,
      backgroundColor: dataset.colour,
    }));
    new Chart(canvas, {
      type: "bar",
      data: { labels: chart.labels, datasets },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  document.readyState === "loading" ? document.addEventListener("DOMContentLoaded", draw) : draw();
})();
