// 领导驾驶舱 charts: each [data-chart] element holds its data as JSON (no inline script;
// the CSP forbids it). Charts are drawn on load and after every htmx swap, and disposed
// before the content they live in is swapped out.
(function () {
  "use strict";
  var COLORS = ["#1677ff", "#52c41a", "#faad14", "#13c2c2", "#722ed1", "#eb2f96", "#fa541c"];

  function numbers(values) {
    return values.map(function (v) { return typeof v === "number" ? v : parseFloat(v); });
  }

  // Drawn on the canvas: the HTML tooltip writes style="" attributes, which the CSP refuses.
  function tooltip(trigger) {
    return { trigger: trigger, renderMode: "richText", confine: true };
  }

  function legend(spec) {
    return { top: 0, data: spec.series.map(function (s) { return s.name; }) };
  }

  function funnelOption(spec) {
    var reached = numbers(spec.series[0].values);
    var now = numbers(spec.series[1].values);
    return {
      color: COLORS,
      animation: false,
      tooltip: tooltip("item"),
      legend: legend(spec),
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, axisLabel: { hideOverlap: true } },
      yAxis: { type: "category", inverse: true, data: spec.labels },
      series: [
        { name: spec.series[0].name, type: "bar", data: reached, barGap: "-100%",
          itemStyle: { color: "#bae0ff" }, label: { show: true, position: "right" } },
        { name: spec.series[1].name, type: "bar", data: now, itemStyle: { color: "#1677ff" } }
      ]
    };
  }

  function trendOption(spec) {
    return {
      color: COLORS,
      animation: false,
      tooltip: tooltip("axis"),
      legend: legend(spec),
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: spec.labels },
      yAxis: { type: "value", minInterval: 1, axisLabel: { hideOverlap: true } },
      series: spec.series.map(function (s, i) {
        return { name: s.name, type: i === 0 ? "bar" : "line", data: numbers(s.values),
                 smooth: false, symbolSize: 6 };
      })
    };
  }

  function barsOption(spec) {
    var category = { type: "category", data: spec.labels, inverse: !!spec.horizontal,
                     axisLabel: { interval: 0, rotate: spec.horizontal ? 0 : 30 } };
    // On a phone the amounts would run into each other; drop those that would.
    var value = { type: "value", axisLabel: { hideOverlap: true } };
    return {
      color: COLORS,
      animation: false,
      tooltip: tooltip("axis"),
      legend: legend(spec),
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      xAxis: spec.horizontal ? value : category,
      yAxis: spec.horizontal ? category : value,
      series: spec.series.map(function (s) {
        return { name: s.name, type: "bar", data: numbers(s.values) };
      })
    };
  }

  var BUILDERS = { funnel: funnelOption, trend: trendOption, bars: barsOption };

  function draw(root) {
    if (!window.echarts || !root || !root.querySelectorAll) { return; }
    var elements = root.matches && root.matches("[data-chart]") ? [root] : [];
    elements = elements.concat(Array.prototype.slice.call(root.querySelectorAll("[data-chart]")));
    elements.forEach(function (el) {
      if (window.echarts.getInstanceByDom(el)) { return; }
      var spec;
      try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
      var build = BUILDERS[spec.kind];
      if (!build) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(build(spec));
      el.setAttribute("data-chart-ready", "1");
    });
  }

  function dispose(root) {
    if (!window.echarts || !root || !root.querySelectorAll) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) { chart.dispose(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // Dispose what is about to be replaced, draw what came in.
  document.addEventListener("htmx:beforeSwap", function (event) { dispose(event.detail.target); });
  document.addEventListener("htmx:load", function (event) { draw(event.detail.elt); });

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(function () {
      document.querySelectorAll("[data-chart-ready]").forEach(function (el) {
        var chart = window.echarts.getInstanceByDom(el);
        if (chart) { chart.resize(); }
      });
    }, 150);
  });
})();
