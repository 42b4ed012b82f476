// Survey results (school admin): draws the charts from the JSON block that the page renders with
// json_script (id "survey-data"). Needs static/vendor/echarts/echarts.min.js and js/charts.js loaded first.
window.chartPage("survey-data", function (data, draw) {
  var t = data.titles;

  draw("chart-by-grade", {
    title: { text: t.byGrade },
    legend: { bottom: 0 },
    grid: { left: 40, right: 16, top: 40, bottom: 40, containLabel: true },
    xAxis: { type: "category", data: data.grades },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: t.wants, type: "bar", stack: "answers", data: data.wants },
      { name: t.notWants, type: "bar", stack: "answers", data: data.notWants }
    ]
  });
  draw("chart-days", {
    title: { text: t.days },
    xAxis: { type: "category", data: data.weekdays },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: t.children, type: "bar", data: data.days }]
  });
  draw("chart-pickup", {
    title: { text: t.pickup },
    xAxis: { type: "category", data: data.pickupTimes },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: t.children, type: "bar", data: data.pickupCounts }]
  });
  draw("chart-interests", {
    title: { text: t.interests },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.interests.slice().reverse() },
    series: [{ name: t.children, type: "bar", data: data.interestCounts.slice().reverse() }]
  });
});
