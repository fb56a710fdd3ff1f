// 季度分析: draws the page's charts with the vendored ECharts from the data attribute the server
// wrote (no inline script: the dashboard's policy forbids it). The tables under each chart hold
// the same numbers, so a page without script (or printed in black and white) loses nothing.
(function () {
  "use strict";
  function draw() {
    var box = document.getElementById("analysis-charts");
    if (!box || typeof echarts === "undefined") return;
    var data = JSON.parse(box.getAttribute("data-charts"));
    var still = box.getAttribute("data-print") === "1"; // printed: no animation
    function bars(series) {
      return {
        animation: !still,
        tooltip: { trigger: "axis" },
        legend: { data: ["收到", "已答复", "已办结"] },
        grid: { left: 48, right: 16, top: 36, bottom: 60, containLabel: true },
        xAxis: { type: "category", data: series.labels, axisLabel: { interval: 0, rotate: series.labels.length > 6 ? 30 : 0 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: "收到", type: "bar", data: series.received },
          { name: "已答复", type: "bar", data: series.replied },
          { name: "已办结", type: "bar", data: series.closed }
        ]
      };
    }
    function pie(items) {
      return {
        animation: !still,
        tooltip: { trigger: "item", formatter: "{b}：{c} 件（{d}%）" },
        series: [{ type: "pie", radius: ["35%", "65%"], data: items, label: { formatter: "{b}\n{c} 件" } }]
      };
    }
    var options = {
      month: bars(data.month),
      category: bars(data.category),
      station: bars(data.station),
      channel: pie(data.channel),
      rating: pie(data.rating)
    };
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var option = options[el.getAttribute("data-chart")];
      if (!option) return;
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
