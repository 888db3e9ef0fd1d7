/*
 * socket-push browser client: the ticks of a socket-push channel over the best transport the browser and
 * its network allow. Plain JavaScript, no build step, no dependency.
 *
 *   const s = new SocketPush('/time', {transports: ['websocket', 'sse', 'longpoll']});
 *   s.on('message', e => console.log(JSON.parse(e.data).time));
 *
 * Like a browser WebSocket it has four events (open, message, error, close; as s.on(type, fn) or
 * s.onmessage = fn) and two methods (send, close), but it reconnects by itself: a transport that cannot
 * open is skipped for the next one in the list; a connection that drops is reopened after a full-jitter
 * exponential backoff (0.5 s doubling up to 20 s), so a restarted server does not get every browser back
 * in the same instant. Ticks are never shown twice or backwards, even across a change of transport: each
 * transport resumes after the last ts seen.
 */
(function (global) {
  'use strict';

  const CONNECTING = 0, OPEN = 1, CLOSED = 3;
  const DEFAULT_TRANSPORTS = ['websocket', 'sse', 'longpoll'];

  /** Where each transport of a channel lives, e.g. '/time' → '/ws/time', '/sse/time', ... */
  const PATHS = {
    websocket: p => '/ws' + p,
    sse: p => '/sse' + p,
    longpoll: p => '/api' + p + '/next',
    poll: p => '/api' + p,
    sockjs: p => '/sockjs' + p,
  };

  function withQuery(url, params) {
    const q = Object.keys(params).filter(k => params[k] !== undefined && params[k] !== null && params[k] !== '')
      .map(k => encodeURIComponent(k) + '=' + encodeURIComponent(params[k])).join('&');
    return q ? url + (url.indexOf('?') < 0 ? '?' : '&') + q : url;
  }

  /** Reports a failure on the next turn, so that handlers set after the constructor still see it. */
  function failSoon(on, reason) {
    const t = setTimeout(() => on.fail(reason), 0);
    return {close: () => clearTimeout(t)};
  }

  /*
   * Each transport opens one connection and reports through on.open(), on.message(text) and on.fail(reason)
   * (the connection could not be made, or it ended). It returns {close(), send?(text)}.
   */
  const TRANSPORTS = {
    websocket(url, on) {
      if (typeof WebSocket !== 'function') return failSoon(on, 'WebSocket unavailable');
      let ws;
      try {
        ws = new WebSocket(url.replace(/^http/, 'ws'));
      } catch (e) {
        return failSoon(on, 'WebSocket: ' + e.message);
      }
      ws.onopen = () => on.open();
      ws.onmessage = e => on.message(e.data);
      ws.onclose = e => on.fail('WebSocket closed (' + e.code + ')');
      return {
        send: text => ws.send(text),
        close: () => { ws.onclose = null; ws.close(1000); },
      };
    },

    sse(url, on, client) {
      if (typeof EventSource !== 'function') return failSoon(on, 'EventSource unavailable');
      // EventSource resends Last-Event-ID on its own reconnects only; a new one says where it was in the URL
      const es = new EventSource(withQuery(url, {lastEventId: client.lastTs || undefined}));
      es.onopen = () => on.open();
      es.onmessage = e => on.message(e.data);
      // reconnection is ours (backoff, next transport), not the EventSource's
      es.onerror = () => { es.close(); on.fail('event stream failed'); };
      return {close: () => es.close()};
    },

    longpoll(url, on, client) {
      let stopped = false, request = null, opened = false;
      (async function loop() {
        while (!stopped) {
          request = new AbortController();
          let response;
          try {
            response = await fetch(withQuery(url, {after: client.lastTs || undefined}), {signal: request.signal, cache: 'no-store'});
          } catch (e) {
            if (!stopped) on.fail('long-poll failed');
            return;
          }
          if (response.status !== 200 && response.status !== 204) {
            if (!stopped) on.fail('long-poll answered ' + response.status);
            return;
          }
          const body = response.status === 200 ? await response.text() : null;
          if (stopped) return;
          if (!opened) { opened = true; on.open(); }
          if (body !== null) on.message(body);
        }
      })();
      return {close: () => { stopped = true; if (request) request.abort(); }};
    },

    poll(url, on, client) {
      let stopped = false, etag = null, timer = null, opened = false;
      const every = client.options.pollMs || 1000;
      async function once() {
        let response;
        try {
          response = await fetch(url, {cache: 'no-store', headers: etag ? {'If-None-Match': etag} : {}});
        } catch (e) {
          if (!stopped) on.fail('poll failed');
          return;
        }
        if (stopped) return;
        if (response.status !== 200 && response.status !== 204 && response.status !== 304) {
          on.fail('poll answered ' + response.status);
          return;
        }
        if (!opened) { opened = true; on.open(); }
        if (response.status === 200) {
          etag = response.headers.get('ETag');
          on.message(await response.text());
        }
        if (!stopped) timer = setTimeout(once, every);
      }
      once();
      return {close: () => { stopped = true; clearTimeout(timer); }};
    },

    /* SockJS: the page's SockJS library if it has one, otherwise SockJS's xhr-polling protocol, which needs
       nothing but fetch: POST .../xhr answers one frame: o (open), h (heartbeat), a[...] (messages), c[...] (closed). */
    sockjs(url, on) {
      if (typeof global.SockJS === 'function') {
        const sock = new global.SockJS(url);
        sock.onopen = () => on.open();
        sock.onmessage = e => on.message(e.data);
        sock.onclose = e => on.fail('SockJS closed (' + e.code + ')');
        return {send: text => sock.send(text), close: () => { sock.onclose = null; sock.close(); }};
      }
      const [path, query] = url.split('?');
      const session = path + '/' + String(Math.floor(Math.random() * 1000)).padStart(3, '0') + '/'
        + Math.random().toString(36).slice(2, 12);
      const at = suffix => session + suffix + (query ? '?' + query : '');
      let stopped = false, request = null;
      (async function loop() {
        while (!stopped) {
          request = new AbortController();
          let frame;
          try {
            const response = await fetch(at('/xhr'), {method: 'POST', signal: request.signal, cache: 'no-store'});
            if (response.status !== 200) throw new Error('SockJS answered ' + response.status);
            frame = (await response.text()).trim();
          } catch (e) {
            if (!stopped) on.fail(e.message || 'SockJS failed');
            return;
          }
          if (stopped) return;
          if (frame === 'o') on.open();
          else if (frame[0] === 'a') JSON.parse(frame.slice(1)).forEach(m => on.message(m));
          else if (frame[0] === 'c') { on.fail('SockJS closed ' + frame.slice(1)); return; }
        }
      })();
      return {
        send: text => fetch(at('/xhr_send'), {method: 'POST', body: JSON.stringify([text])}),
        close: () => { stopped = true; if (request) request.abort(); },
      };
    },
  };

  class SocketPush {
    /**
     * @param path    the channel, e.g. '/time'
     * @param options transports: names in order of preference, from websocket, sse, longpoll, poll, sockjs
     *                (default websocket, sse, longpoll); base: the service's URL (default this page's origin);
     *                token: a JWT, sent as ?token=; pollMs: the polling period (default 1000);
     *                connectTimeoutMs: a transport that has not opened by then is given up (default 5000)
     */
    constructor(path, options) {
      this.options = options || {};
      this.path = path;
      this.transports = (this.options.transports || DEFAULT_TRANSPORTS).filter(t => TRANSPORTS[t]);
      if (!this.transports.length) throw new Error('no known transport in ' + this.options.transports);
      this.base = (this.options.base || global.location.origin).replace(/\/$/, '');
      this.readyState = CONNECTING;
      /** The transport in use or being tried. */
      this.transport = null;
      this.lastTs = 0;
      this.onopen = this.onmessage = this.onerror = this.onclose = null;
      this._listeners = {open: [], message: [], error: [], close: []};
      this._index = 0;
      this._attempt = 0;
      this._stopped = false;
      this._timer = null;
      this._conn = null;
      this._connect();
    }

    on(type, listener) {
      if (!this._listeners[type]) throw new Error('no such event: ' + type);
      this._listeners[type].push(listener);
      return this;
    }

    addEventListener(type, listener) {
      return this.on(type, listener);
    }

    off(type, listener) {
      this._listeners[type] = (this._listeners[type] || []).filter(l => l !== listener);
      return this;
    }

    removeEventListener(type, listener) {
      return this.off(type, listener);
    }

    /** Sends text over transports that can (websocket, sockjs); returns false where it could not be sent. */
    send(data) {
      if (this.readyState !== OPEN || !this._conn || !this._conn.send) return false;
      this._conn.send(String(data));
      return true;
    }

    /** Closes for good: no reconnection. */
    close() {
      if (this._stopped) return;
      this._stopped = true;
      clearTimeout(this._timer);
      if (this._conn) this._conn.close();
      this._conn = null;
      const wasOpen = this.readyState === OPEN;
      this.readyState = CLOSED;
      if (wasOpen) this._emit('close', {code: 1000, reason: 'closed by the page', wasClean: true});
    }

    _connect() {
      if (this._stopped) return;
      const name = this.transports[this._index];
      const url = withQuery(this.base + PATHS[name](this.path), {token: this.options.token});
      this.transport = name;
      this.readyState = CONNECTING;
      let opened = false;
      const timeout = setTimeout(() => handlers.fail(name + ' did not open in time'), this.options.connectTimeoutMs || 5000);
      const handlers = {
        open: () => {
          if (this._conn !== conn || opened) return;
          opened = true;
          clearTimeout(timeout);
          this._attempt = 0;
          this.readyState = OPEN;
          this._emit('open', {});
        },
        message: data => {
          if (this._conn !== conn) return;
          if (this._isOld(data)) return;
          this._emit('message', {data: data});
        },
        fail: reason => {
          if (this._conn !== conn) return;
          clearTimeout(timeout);
          conn.close();
          this._conn = null;
          if (opened) {
            this.readyState = CLOSED;
            this._emit('close', {code: 1006, reason: reason, wasClean: false});
            this._reconnect(false);
          } else {
            this._emit('error', {reason: reason});
            this._reconnect(true);
          }
        },
      };
      const conn = TRANSPORTS[name](url, handlers, this);
      this._conn = conn;
    }

    /** The next transport at once if this one never opened; otherwise, or past the last one, after a backoff. */
    _reconnect(nextTransport) {
      if (this._stopped) return;
      if (nextTransport && this._index + 1 < this.transports.length) {
        this._index++;
        this._connect();
        return;
      }
      if (nextTransport) this._index = 0;
      const delay = Math.random() * Math.min(20000, 500 * 2 ** this._attempt++);
      this._timer = setTimeout(() => this._connect(), delay);
    }

    /** A tick at or before the last ts seen (a resumed stream, a switch of transport) is not shown again. */
    _isOld(data) {
      let ts;
      try {
        ts = JSON.parse(data).ts;
      } catch (e) {
        return false;
      }
      if (typeof ts !== 'number') return false;
      if (ts <= this.lastTs) return true;
      this.lastTs = ts;
      return false;
    }

    _emit(type, fields) {
      const event = Object.assign({type: type, target: this, transport: this.transport}, fields);
      const property = this['on' + type];
      if (typeof property === 'function') property.call(this, event);
      this._listeners[type].slice().forEach(l => l.call(this, event));
    }
  }

  SocketPush.CONNECTING = CONNECTING;
  SocketPush.OPEN = OPEN;
  SocketPush.CLOSED = CLOSED;
  SocketPush.TRANSPORTS = Object.keys(TRANSPORTS);
  global.SocketPush = SocketPush;
})(typeof window !== 'undefined' ? window : this);
