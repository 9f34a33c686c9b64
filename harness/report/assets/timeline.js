// Trace timeline: inlined into the report page by harness/report/html.ts. It draws the lanes from the JSON
// in <script id="trace-data">. Everything from the trace goes into the page through textContent and
// setAttribute only, never as markup: object keys may hold anything.
(function () {
  'use strict';

  var ROW_H = 22;
  var MARK = 14;
  var PAD = 16;
  /** Width of the lane labels (--label-w in the CSS). */
  var LABEL_W = 300;
  /** Distance between marks of one lane at the same instant (compressed scale). */
  var TIE = MARK + 5;
  /** Above this many lanes, off-screen lanes skip rendering (CSS content-visibility). */
  var MANY_LANES = 200;
  /** Room after the last mark for the last tick's label. */
  var AXIS_SPARE = 60;
  var MIN_TRACK = 900;
  /** Compressed scale: a gap of g ms takes (MIN_GAP + LOG_K * log10(1 + g)) * zoom px, at most MAX_GAP * zoom, at least TIE. */
  var MIN_GAP = 22;
  var LOG_K = 14;
  var MAX_GAP = 120;
  /** Gaps at least this long get a dashed break line naming their length. */
  var BREAK_MS = 5000;

  var data = JSON.parse(document.getElementById('trace-data').textContent);
  var lanes = data.lanes;
  var state = { scale: 'compressed', zoom: 1, filter: '', selected: null };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function formatDuration(ms) {
    var sign = ms < 0 ? '-' : '+';
    var a = Math.abs(ms);
    if (a < 1000) return sign + Math.round(a) + 'ms';
    if (a < 60000) return sign + trimZeros((a / 1000).toFixed(3)) + 's';
    var m = Math.floor(a / 60000);
    var s = trimZeros(((a % 60000) / 1000).toFixed(3));
    if (m < 60) return sign + m + 'm' + (s !== '0' ? ' ' + s + 's' : '');
    return sign + Math.floor(m / 60) + 'h ' + (m % 60) + 'm';
  }

  function trimZeros(fixed) {
    return fixed.replace(/\.?0+$/, '');
  }

  function iso(ms) {
    var d = new Date(ms);
    return isNaN(d.getTime()) ? String(ms) : d.toISOString();
  }

  function fieldText(value) {
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  // ---- scales: virtual time → x (px) ----

  function allTimes() {
    var seen = {};
    var times = [];
    lanes.forEach(function (lane) {
      lane.hops.forEach(function (h) {
        if (!seen[h.time]) {
          seen[h.time] = true;
          times.push(h.time);
        }
      });
    });
    return times.sort(function (a, b) { return a - b; });
  }

  /** The most hops any one lane has at each virtual time: that many marks must fit side by side there. */
  function tiesPerTime() {
    var most = {};
    lanes.forEach(function (lane) {
      var count = {};
      lane.hops.forEach(function (h) {
        count[h.time] = (count[h.time] || 0) + 1;
        if (count[h.time] > (most[h.time] || 0)) most[h.time] = count[h.time];
      });
    });
    return most;
  }

  /**
   * Compressed: time runs left to right but gaps are shrunk (log of their length, capped), and hops of one
   * lane at the same instant sit side by side in recording order. Order is exact; distances are not.
   */
  function compressedScale(times, zoom) {
    var ties = tiesPerTime();
    var pos = {};
    var breaks = [];
    var x = PAD + MARK / 2;
    times.forEach(function (t, i) {
      if (i > 0) {
        var prev = times[i - 1];
        var gap = t - prev;
        var slotEnd = x + (ties[prev] - 1) * TIE;
        var dx = Math.max(TIE, Math.min(MAX_GAP, MIN_GAP + LOG_K * Math.log10(1 + gap)) * zoom);
        if (gap >= BREAK_MS) breaks.push({ x: slotEnd + dx / 2, gap: gap });
        x = slotEnd + dx;
      }
      pos[t] = x;
    });
    var end = times.length ? x + (ties[times[times.length - 1]] - 1) * TIE : x;
    var ticks = [];
    var lastX = -Infinity;
    times.forEach(function (t) {
      if (pos[t] - lastX >= 72) {
        ticks.push({ x: pos[t], label: formatDuration(t - data.start) });
        lastX = pos[t];
      }
    });
    return { x: function (t) { return pos[t]; }, tie: TIE, width: Math.max(MIN_TRACK, end + PAD + MARK + AXIS_SPARE), breaks: breaks, ticks: ticks };
  }

  function niceStep(raw) {
    var p = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= raw) return steps[i] * p;
    return 10 * p;
  }

  /** Room for the tracks: the window's width less the labels. */
  function availableWidth() {
    return document.getElementById('timeline').parentNode.clientWidth - LABEL_W;
  }

  /** Linear: at zoom 1 the whole run fills the window; distance is proportional to virtual time. */
  function linearScale(zoom) {
    var span = Math.max(1, data.end - data.start);
    var inner = Math.max(MIN_TRACK, availableWidth() - 2 * PAD - MARK - AXIS_SPARE) * zoom;
    var x = function (t) { return PAD + ((t - data.start) / span) * inner; };
    var step = niceStep(span / Math.max(2, inner / 90));
    var ticks = [];
    for (var t = 0; t <= span; t += step) ticks.push({ x: x(data.start + t), label: formatDuration(t) });
    return { x: x, tie: 0, width: inner + 2 * PAD + MARK + AXIS_SPARE, breaks: [], ticks: ticks };
  }

  // ---- drawing ----

  function tooltip(h) {
    var lines = [
      h.type + '  #' + h.seq,
      'virtual: ' + iso(h.time) + ' (' + formatDuration(h.time - data.start) + ')',
      'wall:    ' + iso(h.wallTime),
    ];
    if (h.flags.length) lines.push('flags: ' + h.flags.join(', '));
    if (h.linkedBy === 'nearby') lines.push('placed by proximity (the hop names no object)');
    Object.keys(h.fields).forEach(function (k) {
      lines.push(k + ': ' + fieldText(h.fields[k]));
    });
    return lines.join('\n');
  }

  function drawMark(h, x, row, lane) {
    var mark = el('div', 'hop cat-' + h.category);
    h.flags.forEach(function (f) { mark.classList.add(f); });
    mark.setAttribute('data-type', h.type);
    mark.setAttribute('data-seq', String(h.seq));
    mark.setAttribute('data-category', h.category);
    mark.setAttribute('data-time', String(h.time));
    mark.setAttribute('data-wall-time', String(h.wallTime));
    mark.setAttribute('title', tooltip(h));
    mark.setAttribute('tabindex', '0');
    mark.setAttribute('role', 'button');
    mark.style.left = x - MARK / 2 + 'px';
    mark.style.top = 5 + row * ROW_H + (ROW_H - MARK) / 2 + 'px';
    mark.addEventListener('click', function () { select(h, mark, lane); });
    mark.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        select(h, mark, lane);
      }
    });
    return mark;
  }

  function badge(kind, text) {
    return el('span', 'badge badge-' + kind, text);
  }

  function drawLabel(lane) {
    var label = el('div', 'lane-label');
    if (lane.other) {
      label.appendChild(el('div', 'lane-name', lane.label));
    } else {
      var name = el('div', 'lane-name', lane.key);
      name.setAttribute('title', 's3://' + lane.bucket + '/' + lane.key);
      label.appendChild(name);
      var meta = 's3://' + lane.bucket;
      if (lane.versionId) meta += ' \u00b7 version ' + lane.versionId;
      else if (lane.writes > 1) meta += ' \u00b7 write ' + lane.writeIndex + ' of ' + lane.writes;
      var metaLine = el('div', 'lane-meta', meta);
      metaLine.setAttribute('title', meta);
      label.appendChild(metaLine);
    }
    var badges = el('div', 'badges');
    var f = lane.flags;
    if (f.error) badges.appendChild(badge('error', f.error + ' error' + (f.error > 1 ? 's' : '')));
    if (f.duplicate) badges.appendChild(badge('duplicate', 'duplicate'));
    if (f.retry) badges.appendChild(badge('retry', f.retry + ' retr' + (f.retry > 1 ? 'ies' : 'y')));
    if (f.dlq) badges.appendChild(badge('dlq', 'DLQ'));
    if (f.coalesced) badges.appendChild(badge('coalesced', 'coalesced'));
    if (f.delay) badges.appendChild(badge('delay', 'delayed'));
    badges.appendChild(badge('hops', lane.hops.length + ' hop' + (lane.hops.length === 1 ? '' : 's')));
    label.appendChild(badges);
    return label;
  }

  function drawLane(lane, scale) {
    var row = el('div', 'lane' + (lane.other ? ' other' : ''));
    row.setAttribute('data-lane-id', lane.id);
    row.setAttribute('data-key', lane.other ? '' : lane.key);
    if (!lane.other) row.setAttribute('data-bucket', lane.bucket);
    if (lane.versionId) row.setAttribute('data-version-id', lane.versionId);
    ['error', 'duplicate', 'retry', 'dlq', 'coalesced', 'delay'].forEach(function (f) {
      if (lane.flags[f]) row.classList.add('has-' + f);
    });
    row.appendChild(drawLabel(lane));

    var track = el('div', 'lane-track');
    track.style.width = scale.width + 'px';
    // Marks that would overlap (linear scale, close times) stack in rows instead of hiding each other.
    var rowEnds = [];
    var atTime = {};
    lane.hops.forEach(function (h) {
      var nth = (atTime[h.time] = (atTime[h.time] || 0) + 1) - 1;
      var x = scale.x(h.time) + nth * scale.tie;
      var r = 0;
      while (r < rowEnds.length && rowEnds[r] > x - MARK - 3) r++;
      rowEnds[r] = x;
      track.appendChild(drawMark(h, x, r, lane));
    });
    track.style.height = 10 + Math.max(1, rowEnds.length) * ROW_H + 'px';
    row.appendChild(track);
    return row;
  }

  function draw() {
    var times = allTimes();
    var scale = state.scale === 'linear' ? linearScale(state.zoom) : compressedScale(times, state.zoom);
    var timeline = document.getElementById('timeline');
    timeline.textContent = '';
    timeline.classList.toggle('many', lanes.length > MANY_LANES);

    var axis = el('div', 'axis');
    axis.appendChild(el('div', 'axis-label', 'virtual time from ' + iso(data.start)));
    var axisTrack = el('div', 'axis-track');
    axisTrack.style.width = scale.width + 'px';
    scale.ticks.forEach(function (t) {
      var tick = el('div', 'tick', t.label);
      tick.style.left = t.x + 'px';
      axisTrack.appendChild(tick);
    });
    axis.appendChild(axisTrack);
    timeline.appendChild(axis);

    var body = el('div', 'lanes');
    body.style.position = 'relative';
    lanes.forEach(function (lane) { body.appendChild(drawLane(lane, scale)); });
    scale.breaks.forEach(function (b) {
      var line = el('div', 'gap-break');
      line.style.left = 'calc(var(--label-w) + ' + b.x + 'px)';
      line.appendChild(el('span', null, formatDuration(b.gap)));
      line.setAttribute('title', 'a gap of ' + formatDuration(b.gap) + ' (compressed)');
      body.appendChild(line);
    });
    timeline.appendChild(body);
    applyFilter();
  }

  // ---- interaction ----

  function applyFilter() {
    var needle = state.filter.toLowerCase();
    var shown = 0;
    var rows = document.querySelectorAll('#timeline .lane');
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      var key = row.getAttribute('data-key') || '';
      var isOther = row.classList.contains('other');
      var visible = needle === '' || (!isOther && key.toLowerCase().indexOf(needle) !== -1);
      if (row.hidden === visible) row.hidden = !visible;
      if (visible && !isOther) shown++;
    }
    var objectLanes = lanes.filter(function (l) { return !l.other; }).length;
    document.getElementById('lane-count').textContent = 'showing ' + shown + ' of ' + objectLanes + ' object lane' + (objectLanes === 1 ? '' : 's');
  }

  function select(h, mark, lane) {
    var previous = document.querySelector('.hop.selected');
    if (previous) previous.classList.remove('selected');
    mark.classList.add('selected');
    var full = { seq: h.seq, type: h.type, time: iso(h.time), wallTime: iso(h.wallTime), lane: lane.label, flags: h.flags, linkedBy: h.linkedBy };
    Object.keys(h.fields).forEach(function (k) { full[k] = h.fields[k]; });
    document.getElementById('details-title').textContent = h.type + '  #' + h.seq;
    document.getElementById('details-body').textContent = JSON.stringify(full, null, 2);
  }

  document.getElementById('filter').addEventListener('input', function (e) {
    state.filter = e.target.value;
    applyFilter();
  });
  document.getElementById('scale').addEventListener('change', function (e) {
    state.scale = e.target.value;
    state.zoom = state.scale === 'linear' ? 1 : fitZoom();
    document.getElementById('zoom').value = String(state.zoom);
    draw();
  });
  document.getElementById('zoom').addEventListener('input', function (e) {
    state.zoom = Number(e.target.value) || 1;
    draw();
  });

  /** The largest zoom (up to 1) at which the compressed timeline fits the window without scrolling. */
  function fitZoom() {
    var available = availableWidth();
    var times = allTimes();
    if (compressedScale(times, 1).width <= available) return 1;
    var lo = 0.25;
    var hi = 1;
    for (var i = 0; i < 12; i++) {
      var mid = (lo + hi) / 2;
      if (compressedScale(times, mid).width <= available) lo = mid;
      else hi = mid;
    }
    return Math.round(lo * 100) / 100;
  }

  state.zoom = fitZoom();
  document.getElementById('zoom').value = String(state.zoom);
  draw();
  document.documentElement.setAttribute('data-drawn', 'true');
})();
