// The script of report.html (inlined by report_html.ts after Lightweight Charts' standalone
// build, which defines the global `LightweightCharts`). It draws the data that report_html.ts
// computed (the JSON in #report-data) and sets `document.body.dataset.ready = "1"` once every
// chart has painted.
(function () {
  "use strict";
  const LC = globalThis.LightweightCharts;
  const data = JSON.parse(document.getElementById("report-data").textContent);

  const base = {
    autoSize: true,
    layout: {
      background: { color: "#ffffff" },
      textColor: "#3a3f51",
      fontSize: 11,
      attributionLogo: true,
    },
    grid: { vertLines: { color: "#f0f2f7" }, horzLines: { color: "#f0f2f7" } },
    rightPriceScale: { borderColor: "#e3e6ee" },
    timeScale: { borderColor: "#e3e6ee", timeVisible: true, secondsVisible: false },
    crosshair: { mode: LC.CrosshairMode.Normal },
  };

  const charts = [];
  function chart(id) {
    const el = document.getElementById(id);
    const c = LC.createChart(el, base);
    charts.push(c);
    return c;
  }

  // Price: candles per symbol, with the agents' entries and exits.
  data.symbols.forEach((sym, i) => {
    const c = chart(`price-${i}`);
    const s = c.addSeries(LC.CandlestickSeries, {
      upColor: "#26a69a",
      downColor: "#ef5350",
      borderVisible: false,
      wickUpColor: "#26a69a",
      wickDownColor: "#ef5350",
    });
    s.setData(sym.candles);
    if (sym.markers.length > 0) LC.createSeriesMarkers(s, sym.markers);
  });

  // Equity, with the risk events on its timeline; drawdown; position.
  const equity = chart("equity");
  const drawdown = chart("drawdown");
  const position = chart("position");
  for (const a of data.agents) {
    const e = equity.addSeries(LC.LineSeries, { color: a.color, lineWidth: 2, title: a.agentId });
    e.setData(a.equity);
    if (a.agentId === data.riskAgent && data.riskMarkers.length > 0) {
      LC.createSeriesMarkers(e, data.riskMarkers);
    }
    drawdown.addSeries(LC.LineSeries, { color: a.color, lineWidth: 1, title: a.agentId })
      .setData(a.drawdown);
    position.addSeries(LC.LineSeries, {
      color: a.color,
      lineWidth: 2,
      lineType: LC.LineType.WithSteps,
      title: a.agentId,
    }).setData(a.position);
  }

  // One time axis for all: scrolling or zooming one chart moves the others.
  let syncing = false;
  for (const c of charts) {
    c.timeScale().fitContent();
    c.timeScale().subscribeVisibleTimeRangeChange((range) => {
      if (syncing || range === null) return;
      syncing = true;
      for (const other of charts) {
        if (other !== c) {
          try {
            other.timeScale().setVisibleRange(range);
          } catch (_) {
            // A chart with no data in this range keeps its own.
          }
        }
      }
      syncing = false;
    });
  }

  // Charts paint on animation frames: ready after two.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      document.body.dataset.ready = "1";
    })
  );
})();
