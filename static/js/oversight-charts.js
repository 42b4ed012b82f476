// Oversight dashboard: draws the charts from the JSON block rendered with json_script (id
// "oversight-data"). Needs static/vendor/echarts/echarts.min.js loaded first.
(function () {
  var source = document.getElementById("oversight-data");
  if (!source || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var t = data.titles;
  var charts = [];

  function draw(id, option) {
    var element = document.getElementById(id);
    if (!element) {
      return;
    }
    var chart = echarts.init(element, null, { renderer: "svg" });
    option.title = Object.assign({ left: "center", textStyle: { fontSize: 14 } }, option.title || {});
    option.tooltip = option.tooltip || { trigger: "axis" };
    option.grid = option.grid || { left: 40, right: 16, top: 48, bottom: 32, containLabel: true };
    chart.setOption(option);
    charts.push(chart);
  }

  draw("chart-attendance", {
    title: { text: t.attendance },
    xAxis: { type: "category", data: data.dates },
    yAxis: { type: "value", min: 0, max: 100 },
    series: [{ name: t.rate, type: "line", data: data.attendance, connectNulls: true }]
  });
  draw("chart-participation", {
    title: { text: t.participation },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", min: 0, max: 100 },
    yAxis: { type: "category", data: data.schools.slice().reverse() },
    series: [{ name: t.participationRate, type: "bar", data: data.participation.slice().reverse() }]
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
