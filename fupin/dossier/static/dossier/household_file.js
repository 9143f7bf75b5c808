// The household file: draws the income chart from the JSON the page embeds (no inline script: CSP).
(function () {
  "use strict";
  var box = document.querySelector("[data-chart=income]");
  var source = document.getElementById("income-chart-data");
  if (!box || !source || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  if (!data.years.length) { return; }
  var toNumber = function (v) { return v === null ? null : Number(v); };
  var money = function (v) { return v === null || v === undefined ? "—" : Number(v).toLocaleString("zh-CN", { maximumFractionDigits: 2 }); };
  var hasLine = data.line.some(function (v) { return v !== null; });
  var legends = [data.labels.perCapita, data.labels.net].concat(hasLine ? [data.labels.line] : []);
  var chart = window.echarts.init(box, null, { renderer: "canvas" });
  chart.setOption({
    color: ["#b3261e", "#5b6570", "#174ea6"],
    grid: { left: 8, right: 12, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0, data: legends, selected: (function () { var s = {}; s[data.labels.net] = false; return s; })() },
    tooltip: {
      trigger: "axis",
      formatter: function (items) {
        var lines = [items[0].axisValue];
        items.forEach(function (item) { lines.push(item.marker + item.seriesName + "：" + money(item.value)); });
        return lines.join("<br>");
      }
    },
    xAxis: { type: "category", data: data.years },
    yAxis: { type: "value", axisLabel: { formatter: function (v) { return money(v); } } },
    series: [
      { name: data.labels.perCapita, type: "bar", barMaxWidth: 56, data: data.perCapita.map(toNumber),
        // Whole yuan on the bar (the tooltip and the table give the cents).
        label: { show: true, position: "insideTop", color: "#fff", formatter: function (p) { return money(Math.round(p.value)); } } },
      { name: data.labels.net, type: "line", data: data.net.map(toNumber), symbolSize: 6 }
    ].concat(hasLine ? [{ name: data.labels.line, type: "line", data: data.line.map(toNumber), symbolSize: 5,
                          connectNulls: false, lineStyle: { type: "dashed", width: 1.5 } }] : [])
  });
  box.setAttribute("data-rendered", "true");
  if (window.ResizeObserver) {
    new ResizeObserver(function () { chart.resize(); }).observe(box);
  } else {
    window.addEventListener("resize", function () { chart.resize(); });
  }
})();
