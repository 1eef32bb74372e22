// Charts of the overview page and of a plan's dashboard (Chart.js, vendored). The data come from a
// <script type="application/json" id="chart-data"> element (json_script) and the labels from data-* attributes:
// the Content-Security-Policy allows no inline script.
document.addEventListener("DOMContentLoaded", function () {
  const source = document.getElementById("chart-data");
  if (!source || !window.Chart) return;
  const data = JSON.parse(source.textContent);

  const byType = document.getElementById("chart-by-type");
  if (byType) {
    const d = byType.dataset;
    new Chart(byType, {type: "bar", data: {labels: data.labels, datasets: [
      {label: d.labelOverdue, data: data.overdue, backgroundColor: "#dc3545"},
      {label: d.labelDue30, data: data.due_30, backgroundColor: "#fd7e14"},
      {label: d.labelOther, data: data.other, backgroundColor: "#0d6efd"}]},
      options: {locale: d.locale || "vi", indexAxis: "y", maintainAspectRatio: false, responsive: true,
        animation: false, scales: {x: {stacked: true}, y: {stacked: true}}}});
  }

  const targets = document.getElementById("target-charts");
  if (targets && Array.isArray(data)) {
    const d = targets.dataset;
    for (const c of data) {
      const el = document.getElementById(c.id);
      if (!el) continue;
      const datasets = [{type: "bar", label: d.labelActual, data: c.values, backgroundColor: "#0d6efd"}];
      if (c.cumulative) datasets.push({type: "line", label: d.labelCumulative, data: c.cumulative,
        borderColor: "#198754", backgroundColor: "#198754", spanGaps: false});
      datasets.push({type: "line", label: d.labelTarget, data: c.labels.map(() => c.target),
        borderColor: "#dc3545", borderDash: [6, 4], pointRadius: 0});
      new Chart(el, {data: {labels: c.labels, datasets: datasets},
        options: {maintainAspectRatio: false, responsive: true, animation: false, scales: {y: {beginAtZero: true}},
          plugins: {legend: {labels: {boxWidth: 12, font: {size: 11}}}}}});
    }
  }
});
