// The stock dashboard's bar chart (templates/inventory/stock_dashboard.html): balances per product from
// the JSON the page embeds (json_script "stock-chart-data"), drawn with the vendored Chart.js.
(function () {
  "use strict";

  const COLOURS = {
    in_hand: "#0b6e99",
    available: "#2e9e5b",
    reserved: "#e0a526",
    dispatched: "#8a5cc2",
    rented: "#d1495b",
  };

  function draw() {
    const source = document.getElementById("stock-chart-data");
    const canvas = document.getElementById("stock-chart");
    if (!source || !canvas || typeof Chart === "undefined") {
      return;
    }
    const chart = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map((dataset) => ({
          label: dataset.label,
          data: dataset.values,
          backgroundColor: COLOURS[dataset.key],
        })),
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
