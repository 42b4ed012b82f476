// Shared by the chart pages (oversight dashboard, survey results): reads the JSON block the page
// renders with json_script, draws ECharts charts into elements by id with the house's title,
// tooltip and grid defaults, and resizes them with the window.
// Needs static/vendor/echarts/echarts.min.js loaded first.
window.chartPage = function (sourceId, drawAll) {
  var source = document.getElementById(sourceId);
  if (!source || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
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

  drawAll(data, draw);
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
};
