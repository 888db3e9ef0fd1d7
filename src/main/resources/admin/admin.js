'use strict';
// The admin console: asks /admin/api/overview once a second, keeps the last 10 minutes here for the charts,
// and turns each member's message totals into rates. Every POST carries the session's CSRF token.
const $ = id => document.getElementById(id);
const WINDOW_MS = 10 * 60 * 1000;
let csrf = null, timer = null, previous = new Map(), points = [], charts = null;

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  const response = await fetch(path, {method, headers, body, cache: 'no-store', credentials: 'same-origin'});
  let json = null;
  try { json = await response.json(); } catch (e) { /* no body */ }
  if (response.status === 401 && path !== '/admin/login') { showLogin(); throw new Error('logged out'); }
  if (!response.ok) throw new Error(json && json.error ? json.error : method + ' ' + path + ' answered ' + response.status);
  return json;
}

function showLogin() {
  clearInterval(timer);
  csrf = null;
  $('console').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  $('password').focus();
}

function showConsole(token) {
  csrf = token;
  $('login').hidden = true;
  $('console').hidden = false;
  $('logout').hidden = false;
  if (!charts) charts = makeCharts();
  clearInterval(timer);
  poll();
  timer = setInterval(poll, 1000);
}

$('login').addEventListener('submit', async e => {
  e.preventDefault();
  $('login-error').textContent = '';
  $('login-button').disabled = true;
  try {
    const answer = await api('POST', '/admin/login', JSON.stringify({password: $('password').value}));
    $('password').value = '';
    showConsole(answer.csrf);
  } catch (err) {
    $('login-error').textContent = err.message;
  } finally {
    $('login-button').disabled = false;
  }
});

$('logout').addEventListener('click', async () => {
  try { await api('POST', '/admin/api/logout'); } finally { showLogin(); }
});

function duration(ms) {
  const s = Math.floor(ms / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
  return d ? d + ' d ' + h + ' h' : h ? h + ' h ' + m + ' min' : m ? m + ' min ' + s % 60 + ' s' : s + ' s';
}

function cell(text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function rate(member) {
  const before = previous.get(member.id);
  if (!before || member.at <= before.at) return {in: 0, out: 0};
  const seconds = (member.at - before.at) / 1000;
  return {in: Math.max(0, (member.messagesIn - before.messagesIn) / seconds),
    out: Math.max(0, (member.messagesOut - before.messagesOut) / seconds)};
}

async function poll() {
  let overview;
  try {
    overview = await api('GET', '/admin/api/overview');
  } catch (e) {
    $('status').textContent = 'no answer: ' + e.message;
    return;
  }
  $('status').textContent = 'live · ' + new Date(overview.at).toLocaleTimeString();
  let sockets = 0, inRate = 0, outRate = 0;
  const rows = overview.members.map(m => {
    const r = rate(m);
    previous.set(m.id, m);
    const open = Object.values(m.sockets).reduce((a, b) => a + b, 0);
    sockets += open; inRate += r.in; outRate += r.out;
    const tr = document.createElement('tr');
    const byTransport = Object.entries(m.sockets).filter(([, n]) => n > 0).map(([k, n]) => k + ' ' + n).join(', ') || 'none';
    tr.append(cell(m.id.slice(0, 8)), cell(m.address), cell(duration(m.uptimeMs)), cell(byTransport),
      cell(m.leader ? 'leads' : '—'), cell(r.in.toFixed(1), 'num'), cell(r.out.toFixed(1), 'num'),
      cell(m.tickFanOutMeanMs.toFixed(1) + ' ms mean, ' + m.tickFanOutMaxMs.toFixed(0) + ' ms max'));
    return tr;
  });
  $('members').tBodies[0].replaceChildren(...rows);
  $('member-count').textContent = overview.members.length + (overview.members.length === 1 ? ' member' : ' members');
  $('total-sockets').textContent = sockets;
  $('total-in').textContent = inRate.toFixed(1);
  $('total-out').textContent = outRate.toFixed(1);
  $('channels').tBodies[0].replaceChildren(...overview.channels.map(c => {
    const tr = document.createElement('tr');
    const name = document.createElement('td');
    const link = document.createElement('a');
    link.textContent = c.channel;
    link.addEventListener('click', () => { $('channel-name').value = c.channel; showChannel(c.channel); });
    name.append(link);
    tr.append(name, cell(c.subscribers, 'num'));
    return tr;
  }));
  $('no-channels').hidden = overview.channels.length > 0;
  points.push({at: overview.at, sockets: sockets, in: inRate, out: outRate});
  while (points.length && points[0].at < overview.at - WINDOW_MS) points.shift();
  drawCharts();
}

function makeCharts() {
  if (typeof Chart !== 'function') return null; // the WebJar did not load: numbers only
  const options = {animation: false, maintainAspectRatio: false, scales: {y: {beginAtZero: true}},
    elements: {point: {radius: 0}}, plugins: {legend: {display: true}}};
  const line = (label, color) => ({label: label, data: [], borderColor: color, backgroundColor: color, borderWidth: 2, tension: .2});
  return {
    connections: new Chart($('chart-connections'), {type: 'line', options: options,
      data: {labels: [], datasets: [line('connections', '#2a7ae2')]}}),
    messages: new Chart($('chart-messages'), {type: 'line', options: options,
      data: {labels: [], datasets: [line('in/s', '#0a8f5a'), line('out/s', '#d9822b')]}}),
  };
}

function drawCharts() {
  if (!charts) return;
  const labels = points.map(p => new Date(p.at).toLocaleTimeString());
  charts.connections.data.labels = labels;
  charts.connections.data.datasets[0].data = points.map(p => p.sockets);
  charts.messages.data.labels = labels;
  charts.messages.data.datasets[0].data = points.map(p => p.in);
  charts.messages.data.datasets[1].data = points.map(p => p.out);
  charts.connections.update('none');
  charts.messages.update('none');
}

function item(list, text) {
  const li = document.createElement('li');
  li.textContent = text;
  list.append(li);
}

async function showChannel(name) {
  $('channel-view').hidden = false;
  $('channel-title').textContent = name;
  $('publish-result').textContent = '';
  try {
    const c = await api('GET', '/admin/api/channels/' + encodeURIComponent(name));
    const presence = $('channel-presence'), history = $('channel-history');
    presence.replaceChildren();
    history.replaceChildren();
    $('channel-count').textContent = '(' + c.presence.count + ')';
    (c.presence.clients || []).forEach(p => item(presence, (p.name || 'anonymous') + (p.user ? ' · user ' + p.user : '') + ' · ' + p.client));
    if (!c.presence.clients) item(presence, c.presence.count + ' subscribers (this channel keeps no presence list)');
    c.history.forEach(h => item(history, '#' + h.seq + ' ' + new Date(h.ts).toLocaleTimeString() + ' ' + h.data));
    if (!c.history.length) item(history, 'nothing kept');
  } catch (e) {
    $('channel-count').textContent = '';
    $('channel-presence').replaceChildren();
    $('channel-history').replaceChildren();
    item($('channel-presence'), e.message);
  }
}

$('channel-form').addEventListener('submit', e => { e.preventDefault(); showChannel($('channel-name').value.trim()); });

$('publish-form').addEventListener('submit', async e => {
  e.preventDefault();
  const name = $('channel-title').textContent, text = $('publish-data').value.trim();
  try {
    JSON.parse(text);
  } catch (x) {
    $('publish-result').textContent = 'not JSON: ' + x.message;
    return;
  }
  try {
    const answer = await api('POST', '/admin/api/channels/' + encodeURIComponent(name), text);
    $('publish-data').value = '';
    await showChannel(name);
    $('publish-result').textContent = 'published as #' + answer.seq;
  } catch (x) {
    $('publish-result').textContent = 'not published: ' + x.message;
  }
});

// a member by the start of its id and, once the overview has named it, its address
function memberName(id) {
  const known = previous.get(id);
  return id.slice(0, 8) + (known ? ' · ' + known.address : '');
}

async function showUser(user) {
  $('user-view').hidden = false;
  $('user-title').textContent = user;
  $('user-result').textContent = '';
  const rows = $('user-connections').tBodies[0];
  try {
    const u = await api('GET', '/admin/api/users/' + encodeURIComponent(user));
    rows.replaceChildren(...u.connections.map(c => {
      const tr = document.createElement('tr');
      tr.append(cell(memberName(c.member)), cell(c.transport), cell(c.client), cell(c.remote || '—'), cell(duration(c.connectedForMs)));
      return tr;
    }));
    $('user-count').textContent = u.count === 0 ? 'no connection' : u.count + (u.count === 1 ? ' connection' : ' connections')
      + (u.truncated ? ', ' + u.connections.length + ' shown' : '');
  } catch (x) {
    rows.replaceChildren();
    $('user-count').textContent = x.message;
  }
}

$('user-form').addEventListener('submit', e => { e.preventDefault(); showUser($('user-name').value.trim()); });

$('user-disconnect').addEventListener('click', async () => {
  const user = $('user-title').textContent, button = $('user-disconnect');
  button.disabled = true;
  try {
    const answer = await api('POST', '/admin/api/users/' + encodeURIComponent(user) + '/disconnect');
    await showUser(user);
    $('user-result').textContent = 'disconnected ' + answer.disconnected;
  } catch (x) {
    $('user-result').textContent = 'not disconnected: ' + x.message;
  } finally {
    button.disabled = false;
  }
});

api('GET', '/admin/api/session').then(s => showConsole(s.csrf), () => showLogin());
