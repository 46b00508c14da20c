/* Charts of the ranking and unit pages (Apache ECharts, vendored). Each chart
 * container names its kind (data-chart) and the JSON API it reads (data-api);
 * translated labels come in data-label-* attributes. Charts are drawn on load
 * and again after htmx swaps in new results. */
(function () {
  "use strict";

  const cache = new Map();

  function load(url) {
    if (!cache.has(url)) {
      cache.set(url, fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status + " " + response.statusText); }
          return response.json();
        }));
    }
    return cache.get(url);
  }

  function chartFor(element, height) {
    if (height) { element.style.height = height + "px"; }
    const existing = echarts.getInstanceByDom(element);
    if (existing) { existing.dispose(); }
    const chart = echarts.init(element);
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }

  function rankingBar(element, data) {
    const rows = data.rows.filter(function (row) { return row.overall.rate !== null; });
    const target = data.round.target_rate;
    const many = rows.length > 40;
    chartFor(element).setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 24, bottom: many ? 64 : 80 },
      xAxis: { type: "category", data: rows.map(function (row) { return row.unit.name; }),
               axisLabel: { rotate: 45, interval: many ? "auto" : 0 } },
      yAxis: { type: "value", name: element.dataset.labelRate, scale: true, max: 100 },
      dataZoom: many ? [{ type: "slider", start: 0, end: Math.min(100, 4000 / rows.length) }, { type: "inside" }] : [],
      series: [{
        type: "bar",
        name: element.dataset.labelRate,
        data: rows.map(function (row) {
          const colour = row.target_met === false ? "#f8696b" : (row.target_met ? "#63be7b" : "#5470c6");
          return { value: row.overall.rate, itemStyle: { color: colour } };
        }),
        markLine: target === null ? undefined : {
          symbol: "none", lineStyle: { color: "#dc3545", type: "dashed" },
          label: { formatter: element.dataset.labelTarget + " " + target + " %" },
          data: [{ yAxis: target }]
        }
      }]
    });
  }

  function rankingHeatmap(element, data) {
    const rows = data.rows;
    const cells = [];
    rows.forEach(function (row, y) {
      row.indicators.rates.forEach(function (rate, x) {
        if (rate !== null) {
          cells.push({ value: [x, y, rate], itemStyle: { color: row.indicators.colours[x] } });
        }
      });
    });
    const visible = Math.min(rows.length, 30);
    chartFor(element, Math.max(360, 22 * visible + 120)).setOption({
      tooltip: { formatter: function (p) {
        return rows[p.value[1]].unit.name + "<br>" + data.indicators[p.value[0]].name + ": " + p.value[2] + " %";
      } },
      grid: { left: 140, right: 24, top: 16, bottom: 90 },
      xAxis: { type: "category", data: data.indicators.map(function (i) { return i.name; }),
               axisLabel: { rotate: 30, interval: 0 } },
      yAxis: { type: "category", inverse: true, data: rows.map(function (row) { return row.unit.name; }) },
      dataZoom: rows.length > visible ? [{ type: "slider", yAxisIndex: 0, right: 0, startValue: 0, endValue: visible - 1 },
                                         { type: "inside", yAxisIndex: 0 }] : [],
      series: [{ type: "heatmap", name: element.dataset.labelRate, data: cells,
                 label: { show: rows.length <= 30, formatter: function (p) { return p.value[2]; } } }]
    });
  }

  function unitOptions(element, data) {
    const indicators = data.indicators;
    chartFor(element).setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 120, right: 16, top: 40, bottom: 24 },
      xAxis: { type: "value", max: 100, name: element.dataset.labelShare },
      yAxis: { type: "category", inverse: true, data: indicators.map(function (i) { return i.name; }) },
      series: data.options.map(function (option, n) {
        return {
          type: "bar", stack: "shares", name: option.name,
          data: indicators.map(function (i) { return i.option_shares[n]; })  // rounded by the server's engine
        };
      })
    });
  }

  function unitRadar(element, data) {
    const indicators = data.indicators;
    const series = [{ name: element.dataset.labelUnit, value: indicators.map(function (i) { return i.rate; }) }];
    if (data.scope) {
      series.push({ name: element.dataset.labelAverage, value: indicators.map(function (i) { return i.peers_average; }) });
    }
    chartFor(element).setOption({
      tooltip: {},
      legend: { top: 0 },
      radar: { indicator: indicators.map(function (i) { return { name: i.name, max: 100 }; }), radius: "62%" },
      series: [{ type: "radar", data: series }]
    });
  }

  function unitTrend(element, data) {
    const points = data.trend;
    chartFor(element).setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 48, top: 40, bottom: 40 },
      xAxis: { type: "category", data: points.map(function (p) { return p.round.name; }) },
      yAxis: [{ type: "value", name: element.dataset.labelRate, scale: true, max: 100 },
              { type: "value", name: element.dataset.labelRank, inverse: true, minInterval: 1 }],
      series: [
        { type: "line", name: element.dataset.labelRate, data: points.map(function (p) { return p.rate; }) },
        { type: "line", name: element.dataset.labelRank, yAxisIndex: 1, data: points.map(function (p) { return p.rank; }) }
      ]
    });
  }

  const DRAW = {
    "ranking-bar": rankingBar,
    "ranking-heatmap": rankingHeatmap,
    "unit-options": unitOptions,
    "unit-radar": unitRadar,
    "unit-trend": unitTrend
  };

  function drawAll() {
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      const draw = DRAW[element.dataset.chart];
      if (element.dataset.drawn === element.dataset.api) { return; }  // already drawn, e.g. after a progress poll
      element.dataset.drawn = element.dataset.api;
      load(element.dataset.api).then(function (data) { draw(element, data); }).catch(function (error) {
        element.textContent = error.message;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", drawAll);
})();
