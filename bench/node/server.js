'use strict';
// Node's ws as a peer in socket-push's benchmark (bench/README.md): the same three jobs as FloorServer.
//
//   /ws/time   one timer for the whole server, aligned to the period's wall-clock boundaries; each tick is
//              {"time":"yyyy.MM.dd HH:mm:ss","ts":<the boundary, epoch ms>} (what the floor sends), encoded and framed once,
//              the same bytes written to every socket; a socket whose write buffer is over its high-water
//              mark is skipped for that tick, as the floor skips an unwritable channel
//   /ws/echo   every message goes back as it came (text or binary)
//   /ws/bench  the websocket-shootout protocol, parsed by string search like the floor's
//   GET /heap  process.memoryUsage() after a full GC (with --expose-gc): the benchmark's "live heap"
//
// node --expose-gc bench/node/server.js, with HTTP_PORT (8080), TICK_PERIOD_MS (1000) and NODE_SEND:
// "frame" (default: the frame built once with ws's own Sender.frame, written to each socket's net.Socket)
// or "send" (ws.send of the one prepared Buffer: ws frames it again for every socket).
// No pings, limits, stats or logs beyond one line at start.

const http = require('http');
const { WebSocketServer, Sender } = require('ws');

const port = Number(process.env.HTTP_PORT || 8080);
const periodMs = Number(process.env.TICK_PERIOD_MS || 1000);
const sendMode = process.env.NODE_SEND || 'frame';
if (sendMode !== 'frame' && sendMode !== 'send') {
  throw new Error(`NODE_SEND is frame or send, not ${sendMode}`);
}

const timeSockets = new Set();
const benchSockets = new Set();
let lastTs = 0;

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/heap') {
    if (global.gc) {
      global.gc();
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ gc: Boolean(global.gc), ...process.memoryUsage() }));
    return;
  }
  res.writeHead(404);
  res.end();
});

const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: 65536 });

server.on('upgrade', (req, socket, head) => {
  const path = req.url;
  if (path !== '/ws/time' && path !== '/ws/echo' && path !== '/ws/bench') {
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => opened(ws, path));
});

function opened(ws, path) {
  ws.on('error', () => {}); // the load generator never closes politely: resets are expected
  if (path === '/ws/time') {
    timeSockets.add(ws);
    ws.on('close', () => timeSockets.delete(ws));
  } else if (path === '/ws/echo') {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  } else {
    benchSockets.add(ws);
    ws.on('close', () => benchSockets.delete(ws));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        bench(ws, data.toString());
      }
    });
  }
}

/** One whole unmasked text frame, header and payload in one Buffer, made once and written as is. */
function textFrame(payload) {
  const parts = Sender.frame(payload, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: true });
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/** The same bytes to every open socket of the set; a socket that has not drained its last writes is skipped. */
function writeAll(sockets, payload) {
  if (sendMode === 'frame') {
    const frame = textFrame(payload);
    for (const ws of sockets) {
      const raw = ws._socket;
      if (ws.readyState === 1 && !raw.writableNeedDrain) {
        raw.write(frame);
      }
    }
  } else {
    for (const ws of sockets) {
      if (ws.readyState === 1 && !ws._socket.writableNeedDrain) {
        ws.send(payload, { binary: false });
      }
    }
  }
}

const two = (n) => (n < 10 ? '0' : '') + n;

function formatTime(ts) {
  const d = new Date(ts);
  return `${d.getFullYear()}.${two(d.getMonth() + 1)}.${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

function tick() {
  // the boundary last passed, as socket-push stamps its ticks: latency is counted from it, timer lateness included
  const now = Date.now();
  const ts = Math.max(now - (now % periodMs), lastTs + 1);
  lastTs = ts;
  writeAll(timeSockets, Buffer.from(`{"time":"${formatTime(ts)}","ts":${ts}}`));
}

/** One timer for the whole server, aligned to the period's wall-clock boundaries like the product's. */
function scheduleTick() {
  const now = Date.now();
  setTimeout(() => {
    tick();
    scheduleTick();
  }, (Math.floor(now / periodMs) + 1) * periodMs - now);
}

function bench(ws, text) {
  const p = text.indexOf('"payload":');
  const end = text.lastIndexOf('}');
  if (p < 0 || end < p) {
    return;
  }
  const payload = text.substring(p + 10, end);
  if (text.includes('"type":"echo"')) {
    ws.send(`{"type":"echo","payload":${payload}}`);
  } else if (text.includes('"type":"broadcast"')) {
    writeAll(benchSockets, Buffer.from(`{"type":"broadcast","payload":${payload}}`));
    ws.send(`{"type":"broadcastResult","payload":${payload},"listenerCount":${benchSockets.size}}`);
  }
}

server.listen({ port, backlog: 4096 }, () => {
  scheduleTick();
  console.log(`node ${process.version} ws listening on ${port} send=${sendMode} period=${periodMs}ms gc=${Boolean(global.gc)}`);
});
process.on('SIGTERM', () => process.exit(0));
