// The Paxcast dashboard: one WebSocket to the node that served this page (/v1/admin/status/stream),
// a frame every half second with the node's view of the cluster. Nothing is loaded from elsewhere.
(function () {
  'use strict';
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  const HISTORY = 300; // one-second points: five minutes
  const rates = [];    // {t, v}: committed messages per second, from commitSeq deltas
  const latencies = []; // {t, v}: this node's publish p99 in ms
  let lastSample = null;
  let backoff = 500;

  const $ = (id) => document.getElementById(id);
  const fmt = (n) => (n === null || n === undefined) ? '–' : Number(n).toLocaleString('en-US');
  const bytes = (n) => {
    if (n === null || n === undefined) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
  };
  const ms = (v) => (v === null || v === undefined) ? '–' : (v < 10 ? v.toFixed(1) : Math.round(v));

  function addSample(s) {
    if (!s || s.t === undefined) return;
    if (lastSample && s.t > lastSample.t) {
      const seconds = (s.t - lastSample.t) / 1000;
      push(rates, { t: s.t, v: Math.max(0, (s.commitSeq - lastSample.commitSeq) / seconds) });
    }
    if (!lastSample || s.t > lastSample.t) {
      push(latencies, { t: s.t, v: s.publishedPerSec > 0 ? s.latencyP99Ms : null });
      lastSample = s;
    }
  }

  function push(series, point) {
    series.push(point);
    while (series.length > HISTORY) series.shift();
  }

  function render(frame) {
    const now = frame.now || {};
    $('served-by').textContent = 'served by ' + frame.node;
    $('leader').textContent = now.leader || 'none';
    $('leader').className = 'value' + (now.leader ? '' : ' dead');
    $('ballot').textContent = now.ballot || '–';
    $('commit-seq').textContent = fmt(now.commitSeq);
    $('earliest-seq').textContent = fmt(now.earliestSeq);
    const cluster = frame.cluster || {};
    $('epoch').textContent = 'epoch ' + (cluster.epoch !== undefined ? cluster.epoch : (now.epoch !== undefined ? now.epoch : 0));
    const voters = (now.voters || []).length;
    $('quorum').textContent = voters ? voters + ' voters, quorum ' + (Math.floor(voters / 2) + 1)
      + ((now.learners || []).length ? ', ' + now.learners.length + ' learners' : '') : '–';
    const lastRate = rates.length ? rates[rates.length - 1].v : null;
    $('rate').textContent = lastRate === null ? '–' : fmt(Math.round(lastRate));
    $('p99').textContent = frame.sample && frame.sample.publishedPerSec > 0 ? ms(frame.sample.latencyP99Ms) : '–';

    const members = frame.members || [];
    const head = Math.max.apply(null, members.map((m) => m.commitSeq || 0).concat([now.commitSeq || 0]));
    const rows = members.map((m) => {
      const s = m.sample || {};
      const tr = document.createElement('tr');
      tr.dataset.id = m.id;
      if (m.id === now.leader) tr.className = 'leader';
      const cells = [m.id, m.role, m.alive ? 'up' : 'down', fmt(m.commitSeq),
        m.commitSeq === null || m.commitSeq === undefined ? '–' : fmt(head - m.commitSeq),
        fmt(s.publishedPerSec), s.publishedPerSec > 0 ? ms(s.latencyP50Ms) + ' / ' + ms(s.latencyP99Ms) : '–',
        fmt(s.subscribers), fmt(s.refusedPerSec), fmt(s.slowClosed), fmt(s.earliestSeq), bytes(s.diskBytes)];
      cells.forEach((text, i) => {
        const td = document.createElement('td');
        td.textContent = text;
        if (i === 2) td.className = m.alive ? 'alive' : 'dead';
        tr.appendChild(td);
      });
      return tr;
    });
    $('members').tBodies[0].replaceChildren.apply($('members').tBodies[0], rows);

    const events = (frame.events || []).slice().reverse().map((e) => {
      const li = document.createElement('li');
      const time = document.createElement('span');
      time.className = 'time';
      time.textContent = new Date(e.t).toLocaleTimeString();
      li.appendChild(time);
      li.appendChild(document.createTextNode(e.text));
      li.dataset.kind = e.kind;
      return li;
    });
    $('events').replaceChildren.apply($('events'), events);
    draw($('rate-chart'), rates, '#58a6ff');
    draw($('latency-chart'), latencies, '#d29922');
  }

  // A line over the last five minutes, scaled to its own maximum, drawn on a canvas.
  function draw(canvas, series, color) {
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== w * ratio) { canvas.width = w * ratio; canvas.height = h * ratio; }
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    const values = series.filter((p) => p.v !== null).map((p) => p.v);
    const max = Math.max(1, Math.max.apply(null, values.concat([0])));
    g.fillStyle = '#8593a3';
    g.font = '11px system-ui, sans-serif';
    g.fillText(max < 10 ? max.toFixed(1) : Math.round(max).toLocaleString('en-US'), 6, 14);
    g.fillText('0', 6, h - 6);
    if (series.length < 2) return;
    const t1 = series[series.length - 1].t, t0 = t1 - HISTORY * 1000;
    g.strokeStyle = color;
    g.lineWidth = 1.5;
    g.beginPath();
    let drawing = false;
    series.forEach((p) => {
      if (p.v === null) { drawing = false; return; }
      const x = ((p.t - t0) / (t1 - t0)) * (w - 8) + 4;
      const y = h - 4 - (p.v / max) * (h - 24);
      if (drawing) g.lineTo(x, y); else g.moveTo(x, y);
      drawing = true;
    });
    g.stroke();
  }

  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    const url = scheme + location.host + '/v1/admin/status/stream' + (token ? '?token=' + encodeURIComponent(token) : '');
    const ws = new WebSocket(url);
    ws.onopen = () => { backoff = 500; $('live').textContent = 'live'; $('live').className = 'badge up'; };
    ws.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.history) frame.history.forEach(addSample);
      addSample(frame.sample);
      render(frame);
    };
    ws.onclose = () => {
      $('live').textContent = 'reconnecting';
      $('live').className = 'badge down';
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 5000);
    };
  }
  connect();
})();
