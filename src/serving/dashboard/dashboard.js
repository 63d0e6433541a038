// The churnml dashboard (docs/dashboard.md): listens to
// /dashboard/events (server-sent events, one JSON snapshot a second) and
// draws the figures as inline SVG. No library, no request outside the
// server; every server-provided string goes through textContent.
'use strict';

(function () {
  const SVG = 'http://www.w3.org/2000/svg';
  const HISTORY = 120;  // points kept per chart (about two minutes)
  const history = { rate: [], p50: [], p95: [], p99: [], errors: [], fallbacks: [] };

  const $ = (id) => document.getElementById(id);

  function text(id, value) {
    const el = $(id);
    if (el.textContent !== value) el.textContent = value;
  }

  function fmt(value, digits) {
    if (value === null || value === undefined || !Number.isFinite(value)) return '–';
    return value.toFixed(digits);
  }

  function pct(value) {
    return value === null || value === undefined ? '–' : fmt(100 * value, 2) + ' %';
  }

  function push(series, value) {
    series.push(value === null || value === undefined ? null : value);
    if (series.length > HISTORY) series.shift();
  }

  function svgEl(name, attrs, parent) {
    const el = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
    if (parent) parent.appendChild(el);
    return el;
  }

  // Lines for each series over the last HISTORY points; gaps where null.
  function lineChart(svg, series, scale) {
    const W = 600, H = 170, L = 44, R = 8, T = 18, B = 16;
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    let max = 0;
    for (const s of series) for (const v of s.values) if (v !== null && v > max) max = v;
    max = max > 0 ? max * 1.1 : 1;
    const x = (i) => L + (W - L - R) * (i / (HISTORY - 1));
    const y = (v) => T + (H - T - B) * (1 - (v * scale) / (max * scale));
    for (const f of [0, 0.5, 1]) {
      const gy = y(max * f);
      svgEl('line', { x1: L, x2: W - R, y1: gy, y2: gy, class: 'grid' }, svg);
      const label = svgEl('text', { x: L - 4, y: gy + 4, 'text-anchor': 'end', class: 'axis' }, svg);
      label.textContent = fmt(max * f * scale, max * scale < 10 ? 2 : 0);
    }
    series.forEach((s, k) => {
      const offset = HISTORY - s.values.length;
      let d = '';
      let pen = false;
      s.values.forEach((v, i) => {
        if (v === null) { pen = false; return; }
        d += (pen ? 'L' : 'M') + x(i + offset).toFixed(1) + ' ' + y(v).toFixed(1);
        pen = true;
      });
      const path = svgEl('path', { d: d || 'M0 0', class: 'line s' + k }, svg);
      path.dataset.points = String(s.values.filter((v) => v !== null).length);
      const legend = svgEl('text', { x: L + 8 + k * 90, y: 12, class: 'legend s' + k }, svg);
      legend.textContent = s.name;
    });
  }

  function fillTable(id, rows) {
    const body = $(id).tBodies[0];
    while (body.firstChild) body.removeChild(body.firstChild);
    for (const row of rows) {
      const tr = body.insertRow();
      for (const cell of row) {
        const td = tr.insertCell();
        if (cell && typeof cell === 'object') {
          td.textContent = cell.text;
          td.className = cell.cls;
        } else {
          td.textContent = cell === null || cell === undefined ? '–' : String(cell);
        }
      }
    }
  }

  function driftChart(drift) {
    const svg = $('chart-drift');
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const features = drift.features || [];
    if (!drift.enabled) {
      text('drift-note', drift.reason || 'live drift is off');
    } else if (!drift.sufficient_rows) {
      text('drift-note', drift.rows + ' of ' + drift.min_rows +
        ' rows in the window; PSI is shown from ' + drift.min_rows + ' rows');
    } else {
      text('drift-note', drift.drifted_features + ' of ' + features.length +
        ' features drifted; ' + drift.rows + ' rows in the last ' + drift.window_seconds + ' s');
    }
    const rowH = 18, W = 1000, L = 150;
    const H = Math.max(40, features.length * rowH + 8);
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    let max = 0.3;
    for (const f of features) {
      if (f.psi !== null && f.psi > max) max = f.psi;
      if (f.psi_threshold > max) max = f.psi_threshold;
    }
    features.forEach((f, i) => {
      const y = 4 + i * rowH;
      const label = svgEl('text', { x: L - 6, y: y + 12, 'text-anchor': 'end', class: 'axis' }, svg);
      label.textContent = f.name;
      const width = ((W - L - 60) * (f.psi || 0)) / max;
      svgEl('rect', { x: L, y: y + 2, width: Math.max(1, width), height: rowH - 6,
        class: 'bar' + (f.drifted ? ' drifted' : '') }, svg);
      const value = svgEl('text', { x: L + width + 4, y: y + 12, class: 'axis' }, svg);
      value.textContent = fmt(f.psi, 3);
      const tx = L + ((W - L - 60) * f.psi_threshold) / max;
      svgEl('line', { x1: tx, x2: tx, y1: y, y2: y + rowH - 2, class: 'threshold' }, svg);
    });
  }

  function render(s) {
    const t = s.traffic || {};
    const lat = t.latency_ms || {};
    text('model', s.model ? s.model.name + ' version ' + s.model.version + ' (' + s.model.kind + ')' : 'no model');
    text('updated', 'updated ' + s.time);
    text('requests-total', t.requests_total === null ? '–' : String(Math.round(t.requests_total)));
    text('rate', fmt(t.rate_per_second, 1));
    text('latency', fmt(lat.p50, 2) + ' / ' + fmt(lat.p95, 2) + ' / ' + fmt(lat.p99, 2));
    text('error-rate', pct(t.error_rate));
    text('fallback-rate', pct(t.fallback_rate));
    const health = s.health || { state: 'healthy', reasons: [] };
    text('health-state', health.state);
    $('health-state').className = 'value state-' + health.state;
    const reasons = $('health-reasons');
    while (reasons.firstChild) reasons.removeChild(reasons.firstChild);
    for (const reason of health.reasons || []) {
      const li = document.createElement('li');
      li.textContent = reason;
      reasons.appendChild(li);
    }

    push(history.rate, t.rate_per_second);
    push(history.p50, lat.p50);
    push(history.p95, lat.p95);
    push(history.p99, lat.p99);
    push(history.errors, t.error_rate === null || t.error_rate === undefined ? null : 100 * t.error_rate);
    push(history.fallbacks, t.fallback_rate === null || t.fallback_rate === undefined ? null : 100 * t.fallback_rate);
    lineChart($('chart-rate'), [{ name: 'requests/s', values: history.rate }], 1);
    lineChart($('chart-latency'), [
      { name: 'p50', values: history.p50 }, { name: 'p95', values: history.p95 },
      { name: 'p99', values: history.p99 }], 1);
    lineChart($('chart-errors'), [
      { name: 'errors %', values: history.errors }, { name: 'fallback %', values: history.fallbacks }], 1);

    const variants = (s.variants && s.variants.length) ? s.variants
      : (s.model ? [{ name: 'primary', model: s.model.name, version: s.model.version, weight: 100, requests: null }] : []);
    fillTable('variants', variants.map((v) => [v.name, v.model, v.version,
      v.weight === undefined ? null : fmt(v.weight, 1), v.requests]));
    fillTable('breakers', (s.breakers || []).map((b) => [b.name, { text: b.state, cls: 'state-' + b.state }]));

    const shadow = s.shadow;
    const shadowOn = shadow && shadow.enabled;
    $('shadow-off').classList.toggle('hidden', Boolean(shadowOn));
    $('shadow').classList.toggle('hidden', !shadowOn);
    if (shadowOn) {
      const w = shadow.window || {};
      fillTable('shadow', [
        ['model', shadow.model + ' version ' + shadow.version + ' (' + shadow.ref + ')'],
        ['scored / failed / dropped', shadow.scored + ' / ' + shadow.failed + ' / ' + shadow.dropped],
        ['breaker', { text: shadow.breaker, cls: 'state-' + shadow.breaker }],
        ['pairs in window', w.pairs + ' of ' + w.size],
        ['class agreement', pct(w.agreement)],
        ['mean score difference', fmt(w.mean_diff, 4)],
        ['mean |score difference|', fmt(w.mean_abs_diff, 4)],
        ['Spearman rank correlation', fmt(w.spearman, 3)]]);
    }
    driftChart(s.drift || { enabled: false, features: [] });

    const d = s.dashboard || {};
    text('interval', String(d.interval_ms));
    text('clients', String(d.clients));
    text('dropped', String(d.dropped_events));
    document.body.dataset.updates = String(Number(document.body.dataset.updates) + 1);
    document.body.dataset.sequence = String(s.sequence);
    document.body.dataset.modelVersion = s.model ? s.model.version : '';
  }

  function connect() {
    const badge = $('connection');
    const source = new EventSource('/dashboard/events');
    source.addEventListener('open', () => {
      badge.textContent = 'live';
      badge.className = 'badge badge-live';
    });
    source.addEventListener('error', () => {
      // EventSource reconnects by itself (the server asks for 2 s).
      badge.textContent = 'reconnecting';
      badge.className = 'badge badge-wait';
    });
    source.addEventListener('snapshot', (event) => render(JSON.parse(event.data)));
  }

  connect();
})();
