// Oversight dashboard: draws the charts from the JSON block rendered with json_script (id
// "oversight-data"). Needs static/vendor/echarts/echarts.min.js and js/charts.js loaded first.
window.chartPage("oversight-data", function (data, draw) {
  var t = data.titles;

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
});
