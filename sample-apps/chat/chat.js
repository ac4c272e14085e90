/*
 * Paxcast chat: a room is a channel. Joining reads the room's last 50 messages over HTTP, then
 * subscribes over a WebSocket with after=<last seq seen>; every reconnect resumes the same way, on
 * the next known node when the current one is gone. Messages are kept sorted and deduplicated by
 * their global seq, so a window never shows a message twice or out of order.
 *
 * Nodes: ?nodes=http://host:8081,http://host:8082,... lists the nodes to use (the page's own node
 * first if it is in the list); without it the page uses only the node that served it. Other nodes
 * are reached cross-origin (every node allows CORS on /v1/*).
 *
 * Authentication (when the cluster has a secret): ?token=<JWT> goes out as "Authorization: Bearer"
 * on HTTP and as token= on the WebSocket URL.
 *
 * Sending: one message at a time, in the order typed (so your messages keep your order), each POST
 * with its own Idempotency-Key, the same key on every retry (to any node): a retry never appends a
 * message twice.
 */
(function () {
  'use strict';

  var CHANNEL_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
  var HISTORY = 50;
  var MAX_NAME = 40;
  var FNV_OFFSET = 0x811c9dc5;
  var PUBLISH_TIMEOUT_MS = 15000;   // the node answers 503 after its own publish timeout (10 s)
  var PROBE_TIMEOUT_MS = 3000;
  var PROBE_EVERY_MS = 5000;        // every known node's /v1/cluster, for the Nodes panel and the watchdog
  var QUIET_MS = 8000;              // a live socket this silent is dropped if its node stops answering

  var $ = function (id) { return document.getElementById(id); };
  var el = {
    joinCard: $('join'), joinForm: $('join-form'), name: $('name'), room: $('room'),
    nameError: $('name-error'), roomError: $('room-error'), joinButton: $('join-button'),
    joinStatus: $('join-status'), chat: $('chat'), roomTitle: $('room-title'), me: $('me'),
    leave: $('leave'), messages: $('messages'), outbox: $('outbox'), composer: $('composer'),
    text: $('text'), send: $('send'), connState: $('conn-state'), connNode: $('conn-node'),
    connUrl: $('conn-url'), last: $('proof-last'), count: $('proof-count'), first: $('proof-first'),
    dups: $('proof-dups'), hash: $('proof-hash'), chain: $('proof-chain'), chainSeq: $('proof-chain-seq'),
    checks: $('proof-checks'), nodes: $('nodes'), nodesHelp: $('nodes-help'),
    jump: $('jump')
  };

  // ------------------------------------------------------------------ nodes

  var params = new URLSearchParams(location.search);
  var token = params.get('token');
  var nodes = candidateNodes();
  var nodeInfo = {};                // base URL -> {id, up, leader}, from /v1/cluster

  function normalizeBase(text) {
    try {
      var u = new URL(text, location.href);
      return (u.protocol === 'http:' || u.protocol === 'https:') ? u.origin : null;
    } catch (e) {
      return null;
    }
  }

  function candidateNodes() {
    var given = (params.get('nodes') || '').split(',').map(function (s) { return s.trim(); })
      .filter(Boolean).map(normalizeBase).filter(Boolean);
    var list = given.filter(function (b, i) { return given.indexOf(b) === i; });
    var own = normalizeBase(location.origin);
    if (!list.length && own) list = [own];
    var i = list.indexOf(own);
    if (i > 0) list = list.slice(i).concat(list.slice(0, i));   // start on the node that served the page
    return list;
  }

  function hostOf(base) { return base.replace(/^https?:\/\//, ''); }

  // ------------------------------------------------------------------ session state

  var S = null;   // the joined room; null while on the join form

  function newSession(name, room) {
    return {
      name: name, room: room, cur: 0, nodeId: null, conn: 'connecting', everLive: false,
      ws: null, attempt: 0, retryTimer: 0, probeTimer: 0, lastFrameAt: 0, historyLoaded: false,
      skipResume: false,
      seqs: new Set(), msgs: [], lastSeq: 0, hash: FNV_OFFSET, dups: 0,
      chainSeq: 0, chainHash: null, checks: {}, checkTimer: 0,
      outbox: [], pending: new Map(), sending: false, sendTimer: 0
    };
  }

  // ------------------------------------------------------------------ utilities

  function uuid() {
    if (window.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));   // randomUUID needs a secure context
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  var encoder = new TextEncoder();
  function fnv1a(hash, text) {
    var bytes = encoder.encode(text);
    for (var i = 0; i < bytes.length; i++) {
      hash ^= bytes[i];
      hash = Math.imul(hash, 0x01000193);
    }
    return hash >>> 0;
  }
  function hex32(n) { return ('0000000' + (n >>> 0).toString(16)).slice(-8); }

  function delay(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function backoff(attempt) {
    var base = Math.min(4000, 250 * Math.pow(2, Math.max(0, attempt - 1)));
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  /** fetch with a timeout; resolves {status, body} (status 0: no answer), never rejects. */
  function request(url, options, timeoutMs) {
    var ctl = new AbortController();
    var timer = setTimeout(function () { ctl.abort(); }, timeoutMs);
    var opts = Object.assign({ cache: 'no-store', mode: 'cors', signal: ctl.signal }, options || {});
    return fetch(url, opts).then(function (r) {
      return r.text().then(function (t) {
        var body = null;
        try { body = t ? JSON.parse(t) : null; } catch (e) { body = null; }
        return { status: r.status, body: body };
      });
    }).catch(function (e) {
      return { status: 0, body: null, error: e && e.name === 'AbortError' ? 'timed out' : 'unreachable' };
    }).finally(function () { clearTimeout(timer); });
  }

  function withAuth(headers) {
    if (token) headers.Authorization = 'Bearer ' + token;
    return headers;
  }

  function errorText(res) {
    if (res.status === 0) return res.error || 'unreachable';
    var e = res.body && res.body.error;
    return e ? e.code + ': ' + e.message : 'HTTP ' + res.status;
  }

  // ------------------------------------------------------------------ connection and status

  var STATE_TEXT = { idle: 'not connected', connecting: 'connecting', live: 'live', reconnecting: 'reconnecting' };

  function setConn(state, detail) {
    if (S) S.conn = state;
    el.connState.dataset.state = state;
    el.connState.textContent = STATE_TEXT[state];
    el.connState.title = detail || '';
    var base = S ? nodes[S.cur] : null;
    el.connNode.textContent = S && S.nodeId ? S.nodeId : '–';
    el.connUrl.textContent = base ? (state === 'live' ? hostOf(base) : detail || hostOf(base)) : '';
    el.text.disabled = !S;
    el.send.disabled = !S;
    renderNodes();
  }

  function renderNodes() {
    el.nodesHelp.textContent = params.get('nodes')
      ? 'Failover order, from ?nodes= in the address.'
      : 'Only the node that served this page; add ?nodes= to the address to fail over to others.';
    el.nodes.textContent = '';
    nodes.forEach(function (base, i) {
      var info = nodeInfo[base] || {};
      var li = document.createElement('li');
      var current = S && S.cur === i;
      li.className = (current ? 'current ' : '') + (info.up === false ? 'down' : info.up ? 'up' : '');
      if (current) li.setAttribute('aria-current', 'true');
      var id = document.createElement('span');
      id.className = 'node-id';
      id.textContent = info.id || '?';
      var host = document.createElement('span');
      host.className = 'node-host';
      host.textContent = hostOf(base);
      host.title = base;
      var tags = [];
      if (current) tags.push(S.conn === 'live' ? 'connected' : S.conn);
      if (info.up === false) tags.push('down');
      else if (info.leader) tags.push('leader');
      var tag = document.createElement('span');
      tag.className = 'node-tag';
      tag.textContent = tags.join(' · ');
      li.append(id, tag, host);
      el.nodes.append(li);
    });
  }

  var probing = {};

  /** Asks every known node for /v1/cluster: fills the Nodes panel and drops a socket whose node went quiet. */
  function probeAll() {
    if (S) checkChainSoon(S); // a node that was behind at the last check may have caught up
    nodes.forEach(function (base) {
      if (probing[base]) return;
      probing[base] = true;
      request(base + '/v1/cluster', null, PROBE_TIMEOUT_MS).then(function (res) {
        probing[base] = false;
        var s = S;
        var ok = res.status === 200 && res.body && res.body.node;
        nodeInfo[base] = ok
          ? { id: res.body.node, up: true, leader: res.body.leader === res.body.node }
          : Object.assign({}, nodeInfo[base], { up: false, leader: false });
        if (s && base === nodes[s.cur] && s.ws && Date.now() - s.lastFrameAt > QUIET_MS
            && (!ok || (!res.body.leader && nodes.length > 1))) {
          // a frozen or cut-off node may never close the socket: leave it
          dropSocket(s);
          retryElsewhere(s, ok ? 'node sees no leader' : 'node not answering');
          return;
        }
        renderNodes();
      });
    });
  }

  /** Reaches the current candidate, reads history once per join, then subscribes from lastSeq. */
  function connect() {
    var s = S;
    if (!s) return;
    clearTimeout(s.retryTimer);
    var base = nodes[s.cur];
    setConn(s.everLive ? 'reconnecting' : 'connecting', 'trying ' + hostOf(base));
    request(base + '/v1/cluster', null, PROBE_TIMEOUT_MS).then(function (res) {
      if (S !== s) return null;
      if (res.status !== 200 || !res.body || !res.body.node) throw new Error(hostOf(base) + ': ' + errorText(res));
      s.nodeId = res.body.node;
      nodeInfo[base] = { id: res.body.node, up: true, leader: res.body.leader === res.body.node };
      if (s.historyLoaded) return null;
      return loadHistory(s, base).then(function () { s.historyLoaded = true; });
    }).then(function () {
      if (S === s) openSocket(s, base);
    }).catch(function (e) {
      if (S !== s) return;
      console.warn('paxcast chat:', e.message);
      if (e.fatal) {
        setConn('idle', e.message);
        addNotice(s, 'Not allowed to read this room (' + e.message + '). With authentication on, open the page with ?token=<JWT>.');
        return;
      }
      nodeInfo[base] = Object.assign({}, nodeInfo[base], { up: false, leader: false });
      retryElsewhere(s, e.message);
    });
  }

  function retryElsewhere(s, why) {
    s.attempt++;
    if (nodes.length > 1) s.cur = (s.cur + 1) % nodes.length;
    var wait = s.attempt === 1 ? 0 : backoff(s.attempt - 1);
    setConn(s.everLive ? 'reconnecting' : 'connecting',
      (why ? why + '; ' : '') + 'next: ' + hostOf(nodes[s.cur]) + (wait ? ' in ' + (wait / 1000).toFixed(1) + ' s' : ''));
    s.retryTimer = setTimeout(connect, wait);
  }

  function openSocket(s, base) {
    var url = base.replace(/^http/, 'ws') + '/v1/subscribe?channels=' + encodeURIComponent(s.room)
      + (s.skipResume ? '' : '&after=' + s.lastSeq) + (token ? '&token=' + encodeURIComponent(token) : '');
    var ws = new WebSocket(url);
    s.ws = ws;
    s.lastFrameAt = Date.now();
    ws.onmessage = function (ev) {
      if (s.ws !== ws) return;
      s.lastFrameAt = Date.now();
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f.type === 'subscribed') {
        if (s.everLive) {
          addNotice(s, 'Reconnected to ' + (s.nodeId || hostOf(base)) + ', resumed after #' + s.lastSeq);
        }
        s.attempt = 0;
        s.everLive = true;
        s.skipResume = false;
        setConn('live');
        pumpSoon(s, 0);
      } else if (f.type === 'message') {
        if (f.channel === s.room) deliver(s, f);
      } else if (f.type === 'error') {
        console.warn('paxcast chat: server error', f.code, f.message);
        if (f.code === 'offset_expired') {
          s.skipResume = true;   // the gap cannot be filled: mark it and go on live
          addNotice(s, 'Older messages expired on the server; some could not be shown.');
        }
      }
    };
    ws.onclose = function (ev) {
      if (s.ws !== ws || S !== s) return;
      dropSocket(s);
      probeAll();    // show at once which nodes are still there
      retryElsewhere(s, 'connection closed' + (ev.code && ev.code !== 1006 ? ' (' + ev.code + ')' : ''));
    };
    ws.onerror = function () { /* onclose follows */ };
  }

  function dropSocket(s) {
    var ws = s.ws;
    s.ws = null;
    if (ws) {
      ws.onmessage = ws.onclose = ws.onerror = null;
      try { ws.close(); } catch (e) { /* already closed */ }
    }
  }

  // ------------------------------------------------------------------ history

  function historyPage(base, room, after, limit) {
    return request(base + '/v1/channels/' + encodeURIComponent(room) + '/messages?after=' + after + '&limit=' + limit,
      { headers: withAuth({}) }, PROBE_TIMEOUT_MS * 2);
  }

  /**
   * The room's last HISTORY messages. One request for a small room; for a larger one the room's
   * head offset is found by doubling and bisection over 1-message pages (about 2 log2(head) small
   * requests), then the tail is read from max(0, head - HISTORY).
   */
  function loadHistory(s, base) {
    function page(after, limit) {
      return historyPage(base, s.room, after, limit).then(function (res) {
        if (res.status === 410) return { expired: true, messages: [] };
        if (res.status === 401 || res.status === 403) {
          var denied = new Error(errorText(res));
          denied.fatal = true;   // another node would say the same: stop and say why
          throw denied;
        }
        if (res.status !== 200 || !res.body) throw new Error('history on ' + hostOf(base) + ': ' + errorText(res));
        return { messages: res.body.messages || [] };
      });
    }
    function nonEmpty(after) {
      return page(after, 1).then(function (p) { return p.expired || p.messages.length > 0; });
    }
    function findHead(lo, hi) {          // after=lo has messages, after=hi has none
      if (hi - lo <= 1) return Promise.resolve(hi);
      var mid = Math.floor((lo + hi) / 2);
      return nonEmpty(mid).then(function (yes) { return yes ? findHead(mid, hi) : findHead(lo, mid); });
    }
    function gallop(lo, hi) {
      return nonEmpty(hi).then(function (yes) { return yes ? gallop(hi, hi * 2) : findHead(lo, hi); });
    }
    function readFrom(after, acc) {
      return page(after, 1000).then(function (p) {
        if (p.expired) return after + 1 < (acc.head || 0) ? readFrom(acc.head - 1, acc) : acc.list;
        acc.list = acc.list.concat(p.messages);
        if (p.messages.length < 1000) return acc.list;
        return readFrom(p.messages[p.messages.length - 1].offset, acc);
      });
    }
    return page(0, HISTORY + 1).then(function (first) {
      if (!first.expired && first.messages.length <= HISTORY) return first.messages;
      return gallop(HISTORY, 2 * HISTORY).then(function (head) {
        return readFrom(Math.max(0, head - HISTORY), { head: head, list: [] });
      });
    }).then(function (list) {
      if (S !== s) return;
      if (list.length) addNotice(s, list.length === 1 ? 'Last message of the room' : 'Last ' + list.length + ' messages of the room');
      list.forEach(function (m) { deliver(s, m); });
    });
  }

  // ------------------------------------------------------------------ messages

  function payloadOf(m) {
    var d = m.data;
    if (d && typeof d === 'object' && !Array.isArray(d) && typeof d.text === 'string') {
      return { user: typeof d.user === 'string' && d.user ? d.user : 'anonymous', text: d.text };
    }
    return { user: '(raw)', text: JSON.stringify(d) };
  }

  function deliver(s, m) {
    if (typeof m.seq !== 'number') return;
    if (s.seqs.has(m.seq)) {
      s.dups++;
      renderProof(s);
      return;
    }
    s.seqs.add(m.seq);
    var p = payloadOf(m);
    var item = { seq: m.seq, ts: m.ts, user: p.user, text: p.text, key: m.key, node: null };
    item.node = messageElement(s, item);
    var atEnd = !s.msgs.length || m.seq > s.msgs[s.msgs.length - 1].seq;
    if (atEnd) {
      s.msgs.push(item);
      s.hash = fnv1a(s.hash, lineOf(item));
      el.messages.append(item.node);
    } else {
      // never expected (the server sends strictly increasing seq), but keep the order right if it happens
      var i = s.msgs.findIndex(function (x) { return x.seq > m.seq; });
      el.messages.insertBefore(item.node, s.msgs[i].node);
      s.msgs.splice(i, 0, item);
      s.hash = s.msgs.reduce(function (h, x) { return fnv1a(h, lineOf(x)); }, FNV_OFFSET);
    }
    s.lastSeq = Math.max(s.lastSeq, m.seq);
    if (typeof m.hash === 'string' && m.seq > s.chainSeq) {
      s.chainSeq = m.seq;
      s.chainHash = m.hash;
      checkChainSoon(s);
    }
    if (m.key && s.pending.has(m.key)) settle(s, m.key);
    renderProof(s);
    followOrFlag();
  }

  function lineOf(item) { return item.seq + '|' + item.user + '|' + item.text + '\n'; }

  function hue(name) { return fnv1a(FNV_OFFSET, name) % 360; }

  function messageElement(s, item) {
    var li = document.createElement('li');
    li.className = 'msg' + (item.user === s.name ? ' mine' : '');
    li.dataset.seq = String(item.seq);
    var avatar = document.createElement('span');
    avatar.className = 'avatar';
    avatar.setAttribute('aria-hidden', 'true');
    avatar.style.setProperty('--hue', hue(item.user));
    avatar.textContent = (item.user.match(/[\p{L}\p{N}]/u) || ['?'])[0].toUpperCase();
    var body = document.createElement('div');
    body.className = 'body';
    var meta = document.createElement('div');
    meta.className = 'meta';
    var user = document.createElement('span');
    user.className = 'user';
    user.textContent = item.user;
    var time = document.createElement('time');
    var date = new Date(item.ts);
    time.dateTime = date.toISOString();
    time.title = date.toLocaleString();
    time.textContent = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
    var seq = document.createElement('span');
    seq.className = 'seq';
    seq.title = 'global sequence number';
    seq.textContent = '#' + item.seq;
    meta.append(user, time, seq);
    var text = document.createElement('p');
    text.className = 'text';
    text.textContent = item.text;
    body.append(meta, text);
    li.append(avatar, body);
    return li;
  }

  function addNotice(s, text) {
    var li = document.createElement('li');
    li.className = 'notice';
    li.textContent = text;
    el.messages.append(li);
    followOrFlag();
  }

  // The list follows new messages while it is scrolled to the end; scrolled up, a button offers a jump.
  var follow = true;
  function nearBottom() {
    var m = el.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 60;
  }
  function scrollToEnd() {
    el.messages.scrollTop = el.messages.scrollHeight;
    follow = true;
    el.jump.hidden = true;
  }
  function followOrFlag() {
    if (follow) scrollToEnd();
    else el.jump.hidden = false;
  }

  function renderProof(s) {
    el.last.textContent = s && s.lastSeq ? String(s.lastSeq) : '–';
    el.count.textContent = s ? String(s.msgs.length) : '0';
    el.first.textContent = s && s.msgs.length ? String(s.msgs[0].seq) : '–';
    el.dups.textContent = s ? String(s.dups) : '0';
    el.hash.textContent = hex32(s ? s.hash : FNV_OFFSET);
    el.chainSeq.textContent = s && s.chainSeq ? String(s.chainSeq) : '–';
    el.chain.textContent = s && s.chainHash ? s.chainHash : '–';
    el.checks.textContent = '';
    if (!s) return;
    nodes.forEach(function (base) {
      var c = s.checks[base];
      if (!c) return;
      var li = document.createElement('li');
      var who = (nodeInfo[base] && nodeInfo[base].id) || hostOf(base);
      if (c.state === 'same') {
        li.className = 'same';
        li.textContent = '✓ ' + who + ': same hash at seq ' + c.seq + (c.recomputed ? ' (recomputed here)' : '');
      } else if (c.state === 'differs') {
        li.className = 'differs';
        li.textContent = '✗ ' + who + ': another hash at seq ' + c.seq + ': ' + c.hash.slice(0, 16) + '…';
      } else if (c.state === 'bad') {
        li.className = 'differs';
        li.textContent = '✗ ' + who + "'s proof at seq " + c.seq + ' does not recompute';
      } else {
        li.textContent = '… ' + who + ': ' + c.state + ' (seq ' + c.seq + ')';
      }
      el.checks.append(li);
    });
  }

  // ------------------------------------------------------------------ the chain hash, checked on every node

  function checkChainSoon(s) {
    if (s.checkTimer) return;
    s.checkTimer = setTimeout(function () { s.checkTimer = 0; checkChain(s); }, 300);
  }

  /**
   * Asks every known node for the proof of the last seq this window saw (GET /v1/messages/{seq}/proof):
   * the same hash there means that node holds the same log up to that seq, every room included. Where
   * the browser offers SHA-256 (a secure context: https, localhost, 127.0.0.1), the proof is also
   * recomputed here from its prevHash, seq, channel and exact payload text.
   */
  function checkChain(s) {
    if (S !== s || !s.chainHash) return;
    var seq = s.chainSeq;
    var expected = s.chainHash;
    nodes.forEach(function (base) {
      request(base + '/v1/messages/' + seq + '/proof', { headers: withAuth({}) }, PROBE_TIMEOUT_MS).then(function (res) {
        if (S !== s || s.chainSeq !== seq) return null;
        if (res.status === 404) return { state: 'not there yet', seq: seq };
        if (res.status !== 200 || !res.body || typeof res.body.hash !== 'string') {
          return { state: res.status === 410 ? 'expired there' : errorText(res), seq: seq };
        }
        var proof = res.body;
        if (proof.seq !== seq || !HEX64.test(proof.hash) || !HEX64.test(proof.prevHash || '')) {
          return { state: 'bad', seq: seq };
        }
        return recompute(proof).then(function (recomputed) {
          if (recomputed === false) return { state: 'bad', seq: seq };
          return { state: proof.hash === expected ? 'same' : 'differs', seq: seq, hash: proof.hash,
                   recomputed: recomputed === true };
        });
      }).catch(function () {
        return { state: 'bad', seq: seq };
      }).then(function (check) {
        if (!check || S !== s || s.chainSeq !== seq) return;
        s.checks[base] = check;
        renderProof(s);
      });
    });
  }

  var HEX64 = /^[0-9a-f]{64}$/;

  function hexBytes(hex) {
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
    return out;
  }

  /** true or false: whether SHA-256(prevHash ‖ seq ‖ len(channel) ‖ channel ‖ dataText) is the hash; null: no SHA-256 here. */
  function recompute(proof) {
    if (!(window.crypto && crypto.subtle) || typeof proof.dataText !== 'string') return Promise.resolve(null);
    var name = encoder.encode(proof.channel);
    var data = encoder.encode(proof.dataText);
    var buf = new Uint8Array(32 + 8 + 4 + name.length + data.length);
    var view = new DataView(buf.buffer);
    buf.set(hexBytes(proof.prevHash), 0);
    view.setUint32(32, Math.floor(proof.seq / 4294967296));
    view.setUint32(36, proof.seq >>> 0);
    view.setUint32(40, name.length);
    buf.set(name, 44);
    buf.set(data, 44 + name.length);
    return crypto.subtle.digest('SHA-256', buf).then(function (d) {
      var hex = Array.prototype.map.call(new Uint8Array(d), function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
      return hex === proof.hash;
    }, function () { return null; });
  }

  // ------------------------------------------------------------------ sending

  /** Queues one message; sent in order, one at a time, retried with the same key until it is ordered. */
  function send(text) {
    var s = S;
    if (!s) return false;
    text = text.trim();
    if (!text) return false;
    var entry = { key: uuid(), text: text, attempts: 0, seq: 0, node: null };
    var li = document.createElement('li');
    li.className = 'pending';
    var t = document.createElement('span');
    t.className = 'pending-text';
    t.textContent = text;
    var st = document.createElement('span');
    st.className = 'pending-state';
    st.textContent = 'sending…';
    var discard = document.createElement('button');
    discard.type = 'button';
    discard.className = 'discard';
    discard.textContent = '×';
    discard.setAttribute('aria-label', 'Stop sending this message');
    discard.hidden = true;
    discard.onclick = function () { entry.discarded = true; settle(s, entry.key); };
    li.append(t, st, discard);
    entry.node = li;
    entry.stateNode = st;
    entry.discardNode = discard;
    el.outbox.append(li);
    s.outbox.push(entry);
    s.pending.set(entry.key, entry);
    pumpSoon(s, 0);
    return true;
  }

  function pumpSoon(s, ms) {
    clearTimeout(s.sendTimer);
    s.sendTimer = setTimeout(function () { pump(s); }, ms);
  }

  function pump(s) {
    if (S !== s || s.sending) return;
    while (s.outbox.length && (s.outbox[0].discarded || s.outbox[0].seq)) s.outbox.shift();
    var entry = s.outbox[0];
    if (!entry) return;
    s.sending = true;
    entry.attempts++;
    var base = nodes[s.cur];
    request(base + '/v1/channels/' + encodeURIComponent(s.room) + '/messages', {
      method: 'POST',
      headers: withAuth({ 'Content-Type': 'application/json', 'Idempotency-Key': entry.key }),
      body: JSON.stringify({ user: s.name, text: entry.text })
    }, PUBLISH_TIMEOUT_MS).then(function (res) {
      s.sending = false;
      if (S !== s) return;
      if (res.status === 200 || res.status === 201) {
        entry.seq = res.body.seq;
        if (s.seqs.has(entry.seq)) settle(s, entry.key);
        else entry.stateNode.textContent = '#' + entry.seq + ' ordered, arriving…';
        s.outbox.shift();
        pump(s);
      } else if (res.status === 0 || res.status === 429 || res.status >= 500) {
        entry.stateNode.textContent = 'retrying (' + entry.attempts + '): ' + errorText(res);
        entry.discardNode.hidden = false;
        pumpSoon(s, backoff(entry.attempts));
      } else {
        entry.failed = true;
        entry.node.classList.add('failed');
        entry.stateNode.textContent = 'not sent: ' + errorText(res);
        entry.discardNode.hidden = false;
        s.outbox.shift();
        pump(s);
      }
    });
  }

  function settle(s, key) {
    var entry = s.pending.get(key);
    if (!entry) return;
    s.pending.delete(key);
    entry.discarded = entry.discarded || !entry.seq;   // delivered before its ack: nothing left to send
    if (entry.node) entry.node.remove();
  }

  // ------------------------------------------------------------------ join and leave

  function validName(v) { return v.length >= 1 && Array.from(v).length <= MAX_NAME; }

  function showError(input, box, message) {
    box.textContent = message || '';
    box.hidden = !message;
    if (message) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  }

  function join(ev) {
    ev.preventDefault();
    var name = el.name.value.trim();
    var room = el.room.value.trim();
    var nameOk = validName(name);
    var roomOk = CHANNEL_RE.test(room);
    showError(el.name, el.nameError, nameOk ? '' : 'Pick a name of 1 to ' + MAX_NAME + ' characters.');
    showError(el.room, el.roomError, roomOk ? '' : 'Use letters, digits, dot, underscore or dash, starting with a letter or digit.');
    if (!nameOk || !roomOk) {
      (nameOk ? el.room : el.name).focus();
      return;
    }
    if (!nodes.length) {
      el.joinStatus.textContent = 'No node to talk to: open this page from a node or add ?nodes=http://host:port.';
      return;
    }
    try {
      localStorage.setItem('paxcast.chat.name', name);
      localStorage.setItem('paxcast.chat.room', room);
    } catch (e) { /* private mode */ }
    params.set('room', room);
    history.replaceState(null, '', '?' + params.toString().replace(/%2C/gi, ',').replace(/%3A/gi, ':').replace(/%2F/gi, '/'));
    S = newSession(name, room);
    el.messages.textContent = '';
    el.outbox.textContent = '';
    el.roomTitle.textContent = '#' + room;
    el.me.textContent = 'as ' + name;
    el.joinCard.hidden = true;
    el.chat.hidden = false;
    document.title = '#' + room + ' · Paxcast chat';
    renderProof(S);
    scrollToEnd();
    connect();
    probeAll();
    S.probeTimer = setInterval(probeAll, PROBE_EVERY_MS);
    el.text.focus();
  }

  function leave() {
    var s = S;
    if (!s) return;
    S = null;
    clearTimeout(s.retryTimer);
    clearTimeout(s.sendTimer);
    clearInterval(s.probeTimer);
    dropSocket(s);
    el.chat.hidden = true;
    el.joinCard.hidden = false;
    document.title = 'Paxcast chat';
    setConn('idle');
    renderProof(null);
    el.room.focus();
  }

  // ------------------------------------------------------------------ wiring

  el.joinForm.addEventListener('submit', join);
  el.composer.addEventListener('submit', function (ev) {
    ev.preventDefault();
    if (send(el.text.value)) el.text.value = '';
    el.text.focus();
  });
  el.leave.addEventListener('click', leave);
  el.jump.addEventListener('click', function () { scrollToEnd(); el.text.focus(); });
  el.messages.addEventListener('scroll', function () {
    follow = nearBottom();
    if (follow) el.jump.hidden = true;
  });
  if (window.ResizeObserver) {
    // the outbox growing or the window resizing must not leave a following list short of the end
    new ResizeObserver(function () { if (follow) scrollToEnd(); }).observe(el.messages);
  }
  el.room.addEventListener('input', function () {
    var v = el.room.value.trim();
    showError(el.room, el.roomError, !v || CHANNEL_RE.test(v) ? '' : 'Use letters, digits, dot, underscore or dash, starting with a letter or digit.');
  });

  var stored = {};
  try {
    stored.name = localStorage.getItem('paxcast.chat.name');
    stored.room = localStorage.getItem('paxcast.chat.room');
  } catch (e) { /* private mode */ }
  el.name.value = params.get('name') || stored.name || '';
  el.room.value = params.get('room') || stored.room || 'room-lobby';
  setConn('idle');
  renderProof(null);
  probeAll();
  (el.name.value ? el.room : el.name).focus();
})();
