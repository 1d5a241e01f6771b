/* Draws the dashboard's charts with Apache ECharts (vendored, served by the platform).
   Each <div class="chart" data-chart="NAME"> gets the chart NAME of the JSON in #chart-data:
   {title, days, series: [{label, values}]} as lines (or bars with kind "bar"),
   or {title, kind: "hbar", labels, series} as horizontal bars. SVG rendering keeps the text
   as text, so labels are set in the page's CJK font and remain selectable. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var colours = ["#b3261e", "#1f6feb", "#2e7d32", "#b26a00", "#6e40c9"];
  var font = getComputedStyle(document.body).fontFamily;

  function option(chart) {
    var base = {
      color: colours,
      textStyle: { fontFamily: font },
      title: { text: chart.title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 36, containLabel: true }
    };
    if (chart.kind === "hbar") {
      base.xAxis = { type: "value" };
      base.yAxis = { type: "category", data: chart.labels, inverse: true };
      base.series = chart.series.map(function (s) {
        return { name: s.label, type: "bar", data: s.values };
      });
      return base;
    }
    base.xAxis = { type: "category", data: chart.days.map(function (d) { return d.slice(5); }) };
    base.yAxis = { type: "value", minInterval: 1 };
    base.series = chart.series.map(function (s) {
      return { name: s.label, type: chart.kind === "bar" ? "bar" : "line", data: s.values,
               smooth: false, showSymbol: chart.days.length <= 31 };
    });
    return base;
  }

  var drawn = [];
  document.querySelectorAll(".chart[data-chart]").forEach(function (element) {
    var chart = data[element.dataset.chart];
    if (!chart) { return; }
    if (chart.kind === "hbar") {
      element.style.height = Math.max(220, 60 + 34 * chart.labels.length) + "px";
    }
    var instance = echarts.init(element, null, { renderer: "svg" });
    instance.setOption(option(chart));
    drawn.push(instance);
  });
  window.addEventListener("resize", function () {
    drawn.forEach(function (instance) { instance.resize(); });
  });
})();
