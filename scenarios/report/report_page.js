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

  const fmt = (x, d) =>
    x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
  const when = (t) => new Date(t * 1000).toISOString().replace("T", " ").slice(0, 19);

  // The readout above a chart: the values under the crosshair, or the last ones when the
  // pointer is elsewhere. `rows` is [{series, label, color, data, text(point)}].
  function readout(c, id, rows) {
    const el = document.getElementById(`readout-${id}`);
    const show = (time, pick) => {
      el.replaceChildren();
      const head = document.createElement("span");
      head.className = "when";
      head.textContent = time === undefined ? "" : when(time);
      el.append(head);
      for (const r of rows) {
        const p = pick(r);
        if (p === undefined) continue;
        const span = document.createElement("span");
        span.dataset.label = r.label;
        span.innerHTML = `<b style="color:${r.color}">${r.label}</b> `;
        span.append(r.text(p));
        el.append(span);
      }
    };
    const latest = () => {
      const last = rows.map((r) => r.data[r.data.length - 1]).filter((p) => p !== undefined);
      show(
        last.length > 0 ? Math.max(...last.map((p) => p.time)) : undefined,
        (r) => r.data[r.data.length - 1],
      );
    };
    c.subscribeCrosshairMove((param) => {
      if (param.time === undefined) latest();
      else show(param.time, (r) => param.seriesData.get(r.series));
    });
    latest();
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
    readout(c, `price-${i}`, [{
      series: s,
      label: sym.symbol,
      color: "#3a3f51",
      data: sym.candles,
      text: (p) => `O ${p.open} H ${p.high} L ${p.low} C ${p.close}`,
    }]);
  });

  // Equity, with the risk events on its timeline; drawdown; position.
  const equity = chart("equity");
  const drawdown = chart("drawdown");
  const position = chart("position");
  const rows = { equity: [], drawdown: [], position: [] };
  for (const a of data.agents) {
    const e = equity.addSeries(LC.LineSeries, { color: a.color, lineWidth: 2, title: a.agentId });
    e.setData(a.equity);
    if (a.agentId === data.riskAgent && data.riskMarkers.length > 0) {
      LC.createSeriesMarkers(e, data.riskMarkers);
    }
    const d = drawdown.addSeries(LC.LineSeries, { color: a.color, lineWidth: 1, title: a.agentId });
    d.setData(a.drawdown);
    const p = position.addSeries(LC.LineSeries, {
      color: a.color,
      lineWidth: 2,
      lineType: LC.LineType.WithSteps,
      title: a.agentId,
    });
    p.setData(a.position);
    const row = (series, data, text) => ({ series, label: a.agentId, color: a.color, data, text });
    rows.equity.push(row(e, a.equity, (v) => fmt(v.value, 2)));
    rows.drawdown.push(row(d, a.drawdown, (v) => `${fmt(v.value, 2)}%`));
    rows.position.push(row(p, a.position, (v) => fmt(v.value, 0)));
  }
  readout(equity, "equity", rows.equity);
  readout(drawdown, "drawdown", rows.drawdown);
  readout(position, "position", rows.position);

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
