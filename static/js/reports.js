/* Charts of the ranking and unit pages (Apache ECharts, vendored). Each chart
 * container names its kind (data-chart) and the JSON API it reads (data-api);
 * translated labels come in data-label-* attributes. Charts are drawn on load
 * and again after htmx swaps in new results.
 *
 * What the charts promise (issue 12): the categories have the same colours
 * everywhere, every rate has two decimals (as in the tables), value axes start
 * near the data (not at 0, where a district and the peers' average draw the
 * same hexagon), and 80 or 1,000 peers stay readable. */
(function () {
  "use strict";

  // satisfied green, basically satisfied light green, dissatisfied red, excluded ("don't know") grey
  const CATEGORY_COLOURS = { satisfied: "#198754", basic: "#8fd19e", dissatisfied: "#dc3545", excluded: "#adb5bd" };
  const MET = "#63be7b", MISSED = "#f8696b", NO_TARGET = "#5470c6";
  const ROW_HEIGHT = 22;  // pixels per peer in the horizontal bars and the heat map
  const ALL_PEERS_UP_TO = 200;  // beyond, the best and worst EDGE peers only: a canvas cannot be 20,000 px tall
  const EDGE = 10;
  const GAP = "⋯";

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

  function two(value) { return value === null || value === undefined ? "—" : Number(value).toFixed(2); }

  function narrow(element) { return element.clientWidth < 576; }

  function chartFor(element, height) {
    if (height) { element.style.height = height + "px"; }
    const existing = echarts.getInstanceByDom(element);
    if (existing) { existing.dispose(); }
    const chart = echarts.init(element);
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }

  /* An axis from a little below the lowest value to a little above the highest (at most 100). */
  function nearData(values, pad) {
    const known = values.filter(function (v) { return v !== null && v !== undefined; });
    if (!known.length) { return { min: 0, max: 100 }; }
    const low = Math.min.apply(null, known), high = Math.max.apply(null, known);
    const margin = Math.max(pad, (high - low) * 0.15);
    return { min: Math.max(0, Math.floor(low - margin)), max: Math.min(100, Math.ceil(high + margin)) };
  }

  /* The peers to draw: all of them, or the best and worst EDGE with a gap row between. */
  function peersToDraw(rows) {
    if (rows.length <= ALL_PEERS_UP_TO) { return rows; }
    return rows.slice(0, EDGE).concat([null], rows.slice(rows.length - EDGE));
  }

  function ranked(rows) {
    return rows.filter(function (row) { return row.overall.rate !== null; })
      .sort(function (a, b) { return b.overall.rate - a.overall.rate; });
  }

  function rankingBar(element, data) {
    const rows = peersToDraw(ranked(data.rows));
    const target = data.round.target_rate;
    const rates = rows.map(function (row) { return row ? row.overall.rate : null; });
    const axis = nearData(rates.concat(target === null ? [] : [target]), 1);
    const small = narrow(element);
    // Sorted horizontal bars, one row each, in a box that scrolls: no zoom slider, no label over another.
    chartFor(element, Math.max(200, ROW_HEIGHT * rows.length + 70)).setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: two },
      grid: { left: small ? 88 : 140, right: 56, top: 28, bottom: 44 },
      yAxis: { type: "category", inverse: true, data: rows.map(function (row) { return row ? row.unit.name : GAP; }),
               axisLabel: { interval: 0, width: small ? 80 : 130, overflow: "truncate" }, axisTick: { show: false } },
      xAxis: { type: "value", name: element.dataset.labelRate, nameLocation: "middle", nameGap: 22,
               min: axis.min, max: axis.max, axisLabel: { formatter: function (v) { return v.toFixed(0); } } },
      series: [{
        type: "bar",
        name: element.dataset.labelRate,
        barMaxWidth: 16,
        label: { show: true, position: "right", formatter: function (p) { return p.value === null ? "" : two(p.value); } },
        data: rows.map(function (row) {
          if (!row) { return { value: null }; }
          const colour = row.target_met === false ? MISSED : (row.target_met ? MET : NO_TARGET);
          return { value: row.overall.rate, itemStyle: { color: colour } };
        }),
        markLine: target === null ? undefined : {
          symbol: "none", silent: true, lineStyle: { color: "#dc3545", type: "dashed" },
          // Above the line's top (the axis is inverted: its start), in the grid's top margin: never cut.
          label: { position: "start", formatter: element.dataset.labelTarget + " " + two(target) + " %" },
          data: [{ xAxis: target }]
        }
      }]
    });
  }

  function rankingHeatmap(element, data) {
    const rows = peersToDraw(data.rows);
    const small = narrow(element);
    const cells = [];
    rows.forEach(function (row, y) {
      if (!row) { return; }
      row.indicators.rates.forEach(function (rate, x) {
        if (rate !== null) {
          cells.push({ value: [x, y, rate], itemStyle: { color: row.indicators.colours[x] } });
        }
      });
    });
    chartFor(element, Math.max(240, ROW_HEIGHT * rows.length + 110)).setOption({
      tooltip: { formatter: function (p) {
        return rows[p.value[1]].unit.name + "<br>" + data.indicators[p.value[0]].name + ": " + two(p.value[2]) + " %";
      } },
      grid: { left: small ? 88 : 140, right: 8, top: 8, bottom: 100 },
      xAxis: { type: "category", data: data.indicators.map(function (i) { return i.name; }),
               axisLabel: { rotate: 40, interval: 0, width: 90, overflow: "truncate" } },
      yAxis: { type: "category", inverse: true, data: rows.map(function (row) { return row ? row.unit.name : GAP; }),
               axisLabel: { interval: 0, width: small ? 80 : 130, overflow: "truncate" } },
      // Numbers in the cells only where they fit; on a phone the colours and the tooltip say it.
      series: [{ type: "heatmap", name: element.dataset.labelRate, data: cells,
                 label: { show: !small, fontSize: 11, formatter: function (p) { return two(p.value[2]); } } }]
    });
  }

  function unitOptions(element, data) {
    const indicators = data.indicators;
    const small = narrow(element);
    chartFor(element).setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return two(v) + " %"; } },
      legend: { top: 0, type: "scroll" },
      grid: { left: small ? 88 : 120, right: 16, top: 40, bottom: 24 },
      xAxis: { type: "value", max: 100, name: element.dataset.labelShare },
      yAxis: { type: "category", inverse: true, data: indicators.map(function (i) { return i.name; }),
               axisLabel: { width: small ? 80 : 110, overflow: "truncate" } },
      series: data.options.map(function (option, n) {
        return {
          type: "bar", stack: "shares", name: option.name,
          itemStyle: { color: CATEGORY_COLOURS[option.category] || CATEGORY_COLOURS.excluded },
          data: indicators.map(function (i) { return i.option_shares[n]; })  // rounded by the server's engine
        };
      })
    });
  }

  function unitRadar(element, data) {
    const indicators = data.indicators;
    // The unit in blue, the peers' average in grey and dashed: neither looks like a category's green.
    const series = [{ name: element.dataset.labelUnit, value: indicators.map(function (i) { return i.rate; }),
                      itemStyle: { color: "#0d6efd" }, lineStyle: { color: "#0d6efd", width: 2 } }];
    if (data.scope) {
      series.push({ name: element.dataset.labelAverage, value: indicators.map(function (i) { return i.peers_average; }),
                    itemStyle: { color: "#6c757d" }, lineStyle: { color: "#6c757d", type: "dashed" } });
    }
    const values = [];
    series.forEach(function (s) { values.push.apply(values, s.value); });
    const axis = nearData(values, 1);
    const small = narrow(element);
    chartFor(element).setOption({
      tooltip: { formatter: function (p) {
        return p.name + "<br>" + indicators.map(function (i, n) { return i.name + ": " + two(p.value[n]) + " %"; }).join("<br>");
      } },
      legend: { top: 0 },
      radar: {
        indicator: indicators.map(function (i) { return { name: i.name, min: axis.min, max: axis.max }; }),
        radius: small ? "52%" : "62%",
        axisName: { width: small ? 64 : 96, overflow: "break", fontSize: small ? 10 : 12 },
        axisLabel: { show: false }
      },
      series: [{ type: "radar", data: series }]
    });
  }

  /* Every round named under its point: the names wrap in their slot instead of being dropped. */
  function roundAxis(element, points) {
    const slot = Math.max(48, (element.clientWidth - 80) / Math.max(1, points.length));
    return { type: "category", data: points.map(function (p) { return p.round.name; }),
             axisLine: { onZero: false }, axisLabel: { interval: 0, width: slot - 8, overflow: "break", fontSize: 11 } };
  }

  function unitTrendRate(element, data) {
    const points = data.trend;
    const target = data.round.target_rate;
    const axis = nearData(points.map(function (p) { return p.rate; }).concat(target === null ? [] : [target]), 1);
    chartFor(element).setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return two(v) + " %"; } },
      grid: { left: 44, right: 24, top: 28, bottom: 52 },
      xAxis: roundAxis(element, points),
      yAxis: { type: "value", name: element.dataset.labelRate, min: axis.min, max: axis.max },
      series: [{
        type: "line", name: element.dataset.labelRate, data: points.map(function (p) { return p.rate; }),
        label: { show: true, formatter: function (p) { return two(p.value); } },
        markLine: target === null ? undefined : {
          symbol: "none", silent: true, lineStyle: { color: "#dc3545", type: "dashed" },
          label: { position: "insideEndTop", formatter: element.dataset.labelTarget + " " + two(target) + " %" },
          data: [{ yAxis: target }]
        }
      }]
    });
  }

  function unitTrendRank(element, data) {
    const points = data.trend;
    const worst = Math.max.apply(null, points.map(function (p) { return p.ranked || 1; }).concat([1]));
    chartFor(element).setOption({
      tooltip: { trigger: "axis", formatter: function (items) {
        const p = points[items[0].dataIndex];
        return p.round.name + "<br>" + element.dataset.labelRank + ": " + (p.rank === null ? "—" : p.rank + " / " + p.ranked);
      } },
      grid: { left: 44, right: 24, top: 28, bottom: 52 },
      xAxis: roundAxis(element, points),
      // From 0 (unlabelled: there is no rank 0) so that the ticks are evenly spaced; 1 is at the top.
      yAxis: { type: "value", name: element.dataset.labelRank, nameLocation: "start", inverse: true, min: 0, max: worst,
               minInterval: 1, axisLabel: { formatter: function (v) { return v === 0 ? "" : v; } } },
      series: [{ type: "line", name: element.dataset.labelRank, data: points.map(function (p) { return p.rank; }),
                 label: { show: true }, itemStyle: { color: "#6f42c1" } }]
    });
  }

  const DRAW = {
    "ranking-bar": rankingBar,
    "ranking-heatmap": rankingHeatmap,
    "unit-options": unitOptions,
    "unit-radar": unitRadar,
    "unit-trend-rate": unitTrendRate,
    "unit-trend-rank": unitTrendRank
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
