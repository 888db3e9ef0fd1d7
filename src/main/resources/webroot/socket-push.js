/*
 * socket-push browser client: the ticks of a socket-push channel over the best transport the browser and
 * its network allow. Plain JavaScript, no build step, no dependency.
 *
 *   const s = new SocketPush('/time', {transports: ['websocket', 'sse', 'longpoll']});
 *   s.on('message', e => console.log(JSON.parse(e.data).time));
 *
 * Like a browser WebSocket it has four events (open, message, error, close; as s.on(type, fn) or
 * s.onmessage = fn) and two methods (send, close), but it reconnects by itself: a transport that cannot
 * open is skipped for the next one in the list (until one has opened: after that, the one that worked is
 * retried, as a server that went away is no reason to change transports); a connection that drops is
 * reopened after a full-jitter exponential backoff (0.5 s doubling up to 20 s), so a restarted server does
 * not get every browser back in the same instant. Before each wait it emits 'retry' ({delay, attempt,
 * afterDrop}: afterDrop when an open connection has just been lost); retryNow() cuts the wait short. Ticks are never shown twice or backwards, even across a change of transport: each
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

  /** Full jitter: a random delay in [0, min(20 s, 0.5 s × 2^attempt)). */
  function backoff(attempt) {
    return Math.random() * Math.min(20000, 500 * 2 ** attempt);
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

  class Emitter {
    constructor(types) {
      this._listeners = {};
      types.forEach(t => { this._listeners[t] = []; });
    }

    on(type, listener) {
      if (!this._listeners[type]) throw new Error('no such event: ' + type);
      this._listeners[type].push(listener);
      return this;
    }

    off(type, listener) {
      this._listeners[type] = (this._listeners[type] || []).filter(l => l !== listener);
      return this;
    }

    _emit(type, fields) {
      const event = Object.assign({type: type, target: this}, fields);
      this._listeners[type].slice().forEach(l => {
        try {
          l.call(this, event);
        } catch (e) {
          setTimeout(() => { throw e; }, 0); // a page's bug must not break the client; report it
        }
      });
    }
  }

  /**
   * Connects over the first of its transports that opens, tries the next one at once when a transport
   * never opens, and reconnects with full-jitter backoff when an open connection drops. The clock
   * (SocketPush) and the channels client (Channels) differ only in how a transport is opened and what
   * its messages and its loss mean: _open(name, handlers), _began(conn), _opened(name), _received(data),
   * _lost(name, reason, wasOpen).
   */
  class Reconnecting extends Emitter {
    constructor(types) {
      super(types);
      this.readyState = CONNECTING;
      /** The transport in use or being tried. */
      this.transport = null;
      this._index = 0;
      this._attempt = 0;
      this._stopped = false;
      this._timer = null;
      this._conn = null;
      /** Whether a transport has opened once: from then on the one in use is retried, not the next one. */
      this._everOpened = false;
      /** When the next attempt is due (ms since the epoch), while waiting for it; else null. */
      this.retryAt = null;
    }

    /** Tries again at once instead of waiting for the backoff to end; false if it was not waiting. */
    retryNow() {
      if (this._stopped || this.retryAt === null) return false;
      clearTimeout(this._timer);
      this.retryAt = null;
      this._connect();
      return true;
    }

    _connect() {
      if (this._stopped) return;
      const name = this.transports[this._index];
      this.transport = name;
      this.readyState = CONNECTING;
      let opened = false;
      const timeout = setTimeout(() => handlers.fail(name + ' did not open in time'), this.options.connectTimeoutMs || 5000);
      const handlers = {
        open: () => {
          if (this._conn !== conn || opened) return;
          opened = true;
          this._everOpened = true;
          clearTimeout(timeout);
          this._attempt = 0;
          this.readyState = OPEN;
          this._opened(name);
        },
        message: data => {
          if (this._conn === conn) this._received(data);
        },
        fail: reason => {
          if (this._conn !== conn) return;
          clearTimeout(timeout);
          this._conn = null;
          conn.close();
          if (opened) this.readyState = CLOSED;
          this._lost(name, reason, opened);
          this._reconnect(!opened, opened);
        },
      };
      const conn = this._open(name, handlers);
      this._conn = conn;
      this._began(conn);
    }

    /** Stops for good (no reconnection) and closes the connection; returns whether it was open. */
    _stop() {
      this._stopped = true;
      clearTimeout(this._timer);
      if (this._conn) this._conn.close();
      this._conn = null;
      const wasOpen = this.readyState === OPEN;
      this.readyState = CLOSED;
      return wasOpen;
    }

    /** Called once a connection is made, before it opens. */
    _began(conn) {
    }

    /**
     * The next transport at once if this one never opened and none has yet; otherwise, or past the last one,
     * the same one after a backoff.
     */
    _reconnect(neverOpened, afterDrop) {
      if (this._stopped) return;
      const walking = neverOpened && !this._everOpened;
      if (walking && this._index + 1 < this.transports.length) {
        this._index++;
        this._connect();
        return;
      }
      if (walking) this._index = 0;
      const delay = backoff(this._attempt++);
      this.retryAt = Date.now() + delay;
      this._timer = setTimeout(() => {
        this.retryAt = null;
        this._connect();
      }, delay);
      this._emit('retry', {delay: delay, attempt: this._attempt, afterDrop: !!afterDrop, transport: this.transports[this._index]});
    }
  }

  class SocketPush extends Reconnecting {
    /**
     * @param path    the channel, e.g. '/time'
     * @param options transports: names in order of preference, from websocket, sse, longpoll, poll, sockjs
     *                (default websocket, sse, longpoll); base: the service's URL (default this page's origin);
     *                token: a JWT, sent as ?token=; pollMs: the polling period (default 1000);
     *                connectTimeoutMs: a transport that has not opened by then is given up (default 5000)
     */
    constructor(path, options) {
      super(['open', 'message', 'error', 'close', 'retry']);
      this.options = options || {};
      this.path = path;
      this.transports = (this.options.transports || DEFAULT_TRANSPORTS).filter(t => TRANSPORTS[t]);
      if (!this.transports.length) throw new Error('no known transport in ' + this.options.transports);
      this.base = (this.options.base || global.location.origin).replace(/\/$/, '');
      this.lastTs = 0;
      this.onopen = this.onmessage = this.onerror = this.onclose = null;
      this._connect();
    }

    addEventListener(type, listener) {
      return this.on(type, listener);
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
      if (this._stop()) this._emit('close', {code: 1000, reason: 'closed by the page', wasClean: true});
    }

    _open(name, handlers) {
      const url = withQuery(this.base + PATHS[name](this.path), {token: this.options.token});
      return TRANSPORTS[name](url, handlers, this);
    }

    _opened() {
      this._emit('open', {});
    }

    _received(data) {
      if (!this._isOld(data)) this._emit('message', {data: data});
    }

    _lost(name, reason, wasOpen) {
      if (wasOpen) {
        this._emit('close', {code: 1006, reason: reason, wasClean: false});
      } else {
        this._emit('error', {reason: reason});
      }
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

  /* ------------------------------------------------------------------------------------------------------
   * Channels: many channels over one connection (/ws), or one SSE stream per channel where there is no
   * WebSocket, with the same reconnection as above. Each subscription remembers the epoch and seq of the
   * last publication it passed on and, after a reconnection, subscribes again from there (since/epoch), so
   * nothing is missed or shown twice; when the server can no longer give back what was missed it says so
   * ('unrecovered'), and the page can reload.
   *
   *   const c = SocketPush.channels({name: 'alice'});
   *   const room = c.subscribe('chat:lobby', p => console.log(p.seq, p.data));
   *   room.on('join', e => console.log(e.name, 'joined')).on('unrecovered', () => location.reload());
   *   room.publish({text: 'hi'}); room.presence().then(p => console.log(p.count, p.clients));
   *   room.publish({text: 'once'}, {idempotencyKey: 'alice-0007'}); // sent again with the key: published once
   * ------------------------------------------------------------------------------------------------------ */

  const CHANNEL_TRANSPORTS = ['websocket', 'sse'];

  /** A rejected request: code is the server's (a number, e.g. 103) or 'disconnected' / 'timeout' / an HTTP status. */
  function channelError(code, message) {
    const error = new Error(message);
    error.code = code;
    return error;
  }

  /** A channel name in a URL path: its characters (letters, digits, _-.:@=) need no escaping but to be safe. */
  function channelPath(channel) {
    return encodeURIComponent(channel).replace(/%3A/gi, ':').replace(/%40/g, '@').replace(/%3D/gi, '=');
  }

  /** A link that could not be made: every request fails, and the failure is reported on the next turn. */
  function failedLink(on, reason) {
    const failing = failSoon(on, reason);
    const refuse = () => Promise.reject(channelError('disconnected', reason));
    return {subscribe: refuse, unsubscribe: refuse, publish: refuse, presence: refuse, close: failing.close};
  }

  /*
   * Each channel transport makes one link: subscribe(channel, since, epoch), unsubscribe(channel),
   * publish(channel, data, key) and presence(channel) return promises of the server's result; on.open() once it
   * works, on.message(object) for every publication or presence event, on.fail(reason) when it ends.
   */
  const CHANNEL_LINKS = {
    /** One socket on /ws for every channel: requests with ids, replies, and what the channels push. */
    websocket(client, on) {
      if (typeof WebSocket !== 'function') return failedLink(on, 'WebSocket unavailable');
      const url = withQuery(client.base + '/ws', {name: client.options.name, token: client.options.token});
      let ws;
      try {
        ws = new WebSocket(url.replace(/^http/, 'ws'));
      } catch (e) {
        return failedLink(on, 'WebSocket: ' + e.message);
      }
      const pending = new Map();
      const queued = []; // requests made while the socket opens
      let nextId = 1;
      const failAll = reason => {
        pending.forEach(p => { clearTimeout(p.timer); p.reject(channelError('disconnected', reason)); });
        pending.clear();
        queued.length = 0;
      };
      ws.onopen = () => {
        queued.splice(0).forEach(text => ws.send(text));
        on.open();
      };
      ws.onmessage = e => {
        let m;
        try {
          m = JSON.parse(e.data);
        } catch (x) {
          return;
        }
        const p = m.id !== undefined && pending.get(m.id);
        if (p) {
          pending.delete(m.id);
          clearTimeout(p.timer);
          if (m.error) p.reject(channelError(m.error.code, m.error.message));
          else p.resolve(m.result);
        } else if (m.channel) {
          on.message(m);
        }
      };
      ws.onclose = e => {
        failAll('WebSocket closed (' + e.code + ')');
        on.fail('WebSocket closed (' + e.code + ')');
      };
      const call = request => new Promise((resolve, reject) => {
        if (ws.readyState > 1) {
          reject(channelError('disconnected', 'not connected'));
          return;
        }
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(channelError('timeout', request.op + ' got no reply in time'));
          on.fail('no reply to ' + request.op); // a server that stops answering: start again on another socket
        }, client.options.requestTimeoutMs || 10000);
        pending.set(id, {resolve: resolve, reject: reject, timer: timer});
        const text = JSON.stringify(Object.assign({id: id}, request));
        if (ws.readyState === 1) ws.send(text);
        else queued.push(text);
      });
      return {
        subscribe: (channel, since, epoch, recent) => call(since === undefined
          ? {op: 'subscribe', channel: channel, recent: recent || undefined}
          : {op: 'subscribe', channel: channel, since: since, epoch: epoch}),
        unsubscribe: channel => call({op: 'unsubscribe', channel: channel}),
        publish: (channel, data, key) => call({op: 'publish', channel: channel, data: data, idempotencyKey: key}),
        presence: channel => call({op: 'presence', channel: channel}),
        close: () => {
          ws.onclose = null;
          failAll('closed');
          ws.close(1000);
        },
      };
    },

    /*
     * One EventSource per channel on /sse/channels/{name}: first an 'subscribed' event (the subscribe result),
     * then publications as messages (id: <epoch>-<seq>), presence as 'join' / 'leave' events; ?lastEventId=
     * recovers. Publishing and presence are REST: POST /api/channels/{name}, GET /api/channels/{name}/presence.
     */
    sse(client, on) {
      if (typeof EventSource !== 'function') return failedLink(on, 'EventSource unavailable');
      const streams = new Map();
      let opened = false;
      const open = () => {
        if (!opened) {
          opened = true;
          on.open();
        }
      };
      const idle = setTimeout(() => { if (!streams.size) open(); }, 0); // nothing to follow yet: nothing to prove
      const headers = client.options.token ? {Authorization: 'Bearer ' + client.options.token} : {};

      async function rest(method, path, body, extra) {
        let response;
        try {
          response = await fetch(client.base + path, {
            method: method, cache: 'no-store', body: body,
            headers: Object.assign(body === undefined ? {} : {'Content-Type': 'application/json'}, headers, extra),
          });
        } catch (e) {
          throw channelError('disconnected', method + ' ' + path + ' failed');
        }
        let json = null;
        try {
          json = await response.json();
        } catch (e) {
          // no JSON body: the status says it
        }
        if (response.ok) return json;
        throw json && json.error ? channelError(json.error.code, json.error.message)
          : channelError(response.status, method + ' ' + path + ' answered ' + response.status);
      }

      /**
       * Why a stream was refused: asks the same URL once with fetch, whose answer, unlike EventSource's, can
       * be read. A refusal of the channel (400, 401, 403, 404: the codes of /ws) is final; anything else passes.
       */
      async function refusal(url) {
        const abort = new AbortController();
        try {
          const response = await fetch(url, {signal: abort.signal, cache: 'no-store', headers: headers});
          if (response.ok) return null; // it opens now: the failure was passing
          const text = (await response.text().catch(() => '')).trim();
          let json = null;
          try {
            json = JSON.parse(text);
          } catch (e) {
            // the reason as plain text
          }
          if (json && json.error) return channelError(json.error.code, json.error.message);
          const code = {400: 107, 401: 101, 403: 103, 404: 102}[response.status];
          return code ? channelError(code, text || 'refused with ' + response.status) : null;
        } catch (e) {
          return null;
        } finally {
          abort.abort();
        }
      }

      return {
        subscribe(channel, since, epoch, recent) {
          return new Promise((resolve, reject) => {
            const url = withQuery(client.base + '/sse/channels/' + channelPath(channel), {
              name: client.options.name, token: client.options.token,
              lastEventId: since === undefined ? undefined : epoch + '-' + since,
              recent: since === undefined && recent ? recent : undefined,
            });
            const es = new EventSource(url);
            streams.set(channel, es);
            let subscribed = false;
            const parse = text => {
              try {
                return JSON.parse(text);
              } catch (e) {
                return null;
              }
            };
            es.onopen = open;
            es.addEventListener('subscribed', e => {
              subscribed = true;
              resolve(parse(e.data));
            });
            es.onmessage = e => {
              const m = parse(e.data);
              if (m && m.channel) on.message(m);
            };
            ['join', 'leave'].forEach(type => es.addEventListener(type, e => {
              const m = parse(e.data);
              // the same JSON as on /ws ({"channel":…,"join":{…}}), or the client alone
              if (m) on.message(m[type] ? m : {channel: channel, [type]: m});
            }));
            es.onerror = async () => {
              const refused = es.readyState === 2 && !subscribed; // an HTTP refusal, not a dropped stream
              es.close();
              if (streams.get(channel) !== es) return;
              streams.delete(channel);
              const why = refused ? await refusal(url) : null;
              if (why && why.code !== 100 && why.code !== 111) {
                reject(why); // this channel is refused (unknown, forbidden, ...): the others go on
                return;
              }
              reject(channelError('disconnected', 'event stream of ' + channel + ' failed'));
              on.fail('event stream of ' + channel + ' failed');
            };
          });
        },
        unsubscribe(channel) {
          const es = streams.get(channel);
          if (es) es.close();
          streams.delete(channel);
          return Promise.resolve({});
        },
        publish: (channel, data, key) => rest('POST', '/api/channels/' + channelPath(channel), JSON.stringify(data === undefined ? null : data),
          key === undefined ? undefined : {'Idempotency-Key': key}),
        presence: channel => rest('GET', '/api/channels/' + channelPath(channel) + '/presence'),
        close: () => {
          clearTimeout(idle);
          streams.forEach(es => es.close());
          streams.clear();
        },
      };
    },
  };

  /**
   * One channel followed by a Channels client. Options: recent (the last N publications the server keeps,
   * passed on first when it subscribes the first time, as a chat page shows a room's last messages),
   * epoch and since (a position to start from). Events: 'publication' ({channel, seq, data}), 'subscribed'
   * (after every (re)subscription: {channel, epoch, seq, recovered, missed}, recovered only when a position was
   * given, missed then how many publications were given back), 'unrecovered' (publications since the position it had may be lost: reload what the page shows),
   * 'join' and 'leave' ({channel, client, user, name}, on channels with presence), 'error' ({code, message}:
   * the server refused the subscription; it is over).
   */
  class Subscription extends Emitter {
    constructor(client, channel, options) {
      super(['publication', 'subscribed', 'unrecovered', 'join', 'leave', 'error']);
      this.client = client;
      this.channel = channel;
      /** 'subscribing', 'subscribed' or 'unsubscribed'. */
      this.state = 'subscribing';
      /** Where the subscription is: the epoch of the channel's numbering and the last seq passed on. */
      this.epoch = (options && options.epoch) || null;
      this.seq = this.epoch && options && typeof options.since === 'number' ? options.since : null;
      this.recent = (options && options.recent) || 0;
    }

    publish(data, options) {
      return this.client.publish(this.channel, data, options);
    }

    presence() {
      return this.client.presence(this.channel);
    }

    unsubscribe() {
      return this.client._unsubscribe(this);
    }

    _subscribed(result, since) {
      const asked = since !== undefined;
      const lost = asked && result.recovered === false;
      if (!asked) this.seq = result.seq - (result.recent || 0); // the recent ones asked for follow
      else if (lost || result.epoch !== this.epoch) this.seq = result.seq;
      this.epoch = result.epoch;
      this.state = 'subscribed';
      // what was missed and given back: the publications between the position and the channel's top
      const missed = asked && result.recovered === true ? Math.max(0, result.seq - since) : undefined;
      this._emit('subscribed', {channel: this.channel, epoch: result.epoch, seq: result.seq, recovered: result.recovered, missed: missed});
      if (lost) this._emit('unrecovered', {channel: this.channel, since: since, epoch: result.epoch, seq: result.seq});
    }

    _message(m) {
      if (m.join || m.leave) {
        const type = m.join ? 'join' : 'leave';
        this._emit(type, Object.assign({channel: this.channel}, m[type]));
        return;
      }
      if (typeof m.seq !== 'number' || this.state !== 'subscribed') return; // while it resubscribes, recovery resends
      if (this.seq !== null && m.seq <= this.seq) return; // already passed on (a resumed stream overlaps)
      if (this.seq !== null && m.seq > this.seq + 1 && this.channel !== 'time') {
        // one was skipped (the server skips a socket whose queue is full): fetch it from history
        this.client._resync(this);
        return;
      }
      this.seq = m.seq;
      this._emit('publication', {channel: this.channel, seq: m.seq, data: m.data});
    }
  }

  /**
   * A connection to the service's channels. Events: 'open' ({transport}), 'close' ({reason}: it dropped and
   * will reconnect), 'error' ({reason}: a transport could not open). Options: name (shown in presence),
   * token (a JWT), transports (default websocket, sse), base (default this page's origin),
   * connectTimeoutMs (5000), requestTimeoutMs (10000).
   */
  class Channels extends Reconnecting {
    constructor(options) {
      super(['open', 'close', 'error', 'retry']);
      this.options = options || {};
      this.transports = (this.options.transports || CHANNEL_TRANSPORTS).filter(t => CHANNEL_LINKS[t]);
      if (!this.transports.length) throw new Error('no channel transport in ' + this.options.transports);
      this.base = (this.options.base || global.location.origin).replace(/\/$/, '');
      this.subscriptions = new Map();
      this._connect();
    }

    /** Follows a channel; onPublication(publication) gets each publication ({channel, seq, data}). */
    subscribe(channel, onPublication, options) {
      if (this._stopped) throw new Error('closed');
      if (this.subscriptions.has(channel)) throw new Error('already subscribed to ' + channel);
      const sub = new Subscription(this, channel, options);
      if (onPublication) sub.on('publication', onPublication);
      this.subscriptions.set(channel, sub);
      if (this._conn) this._subscribe(sub, this._conn);
      return sub;
    }

    /**
     * Publishes on a channel (no subscription needed): a promise of {channel, seq}. Options: idempotencyKey (1 to 64
     * of A-Z a-z 0-9 _ - . : @ =): publishing again with the same key, after a failure or a lost reply, gets the
     * first one's seq and does not publish it twice.
     */
    publish(channel, data, options) {
      if (this.readyState !== OPEN) return Promise.reject(channelError('disconnected', 'not connected'));
      return this._conn.publish(channel, data, options && options.idempotencyKey);
    }

    /** Who is in a channel: a promise of {channel, count, clients?}. */
    presence(channel) {
      if (this.readyState !== OPEN) return Promise.reject(channelError('disconnected', 'not connected'));
      return this._conn.presence(channel);
    }

    /** Closes for good: no reconnection. */
    close() {
      if (this._stopped) return;
      const wasOpen = this._stop();
      this.subscriptions.forEach(sub => { sub.state = 'unsubscribed'; });
      this.subscriptions.clear();
      if (wasOpen) this._emit('close', {reason: 'closed by the page', transport: this.transport});
    }

    _unsubscribe(sub) {
      if (this.subscriptions.get(sub.channel) !== sub) return Promise.resolve();
      this.subscriptions.delete(sub.channel);
      sub.state = 'unsubscribed';
      if (!this._conn) return Promise.resolve();
      return this._conn.unsubscribe(sub.channel).then(() => undefined, () => undefined); // gone either way
    }

    /**
     * Subscribes again from the subscription's position on the same link, when a publication is missing:
     * the server replays the ones it keeps after the position, or says it cannot ('unrecovered').
     */
    _resync(sub) {
      const link = this._conn;
      if (!link) return;
      sub.state = 'subscribing';
      const again = () => { if (this._conn === link && this.subscriptions.get(sub.channel) === sub) this._subscribe(sub, link); };
      link.unsubscribe(sub.channel).then(again, again);
    }

    /** Subscribes over a link, from the position the subscription has if it has one. */
    _subscribe(sub, link) {
      sub.state = 'subscribing';
      const since = sub.epoch && sub.seq !== null ? sub.seq : undefined;
      link.subscribe(sub.channel, since, sub.epoch, sub.recent).then(result => {
        if (this._conn === link && this.subscriptions.get(sub.channel) === sub) sub._subscribed(result, since);
      }, error => {
        if (this._conn !== link || this.subscriptions.get(sub.channel) !== sub) return;
        if (error.code === 'disconnected' || error.code === 'timeout') return; // the link reconnects
        if (error.code === 100 || error.code === 111) { // the server asks to try again
          setTimeout(() => { if (this._conn === link && this.subscriptions.get(sub.channel) === sub) this._subscribe(sub, link); },
            backoff(2));
          return;
        }
        this.subscriptions.delete(sub.channel);
        sub.state = 'unsubscribed';
        sub._emit('error', {code: error.code, message: error.message});
      });
    }

    _open(name, handlers) {
      return CHANNEL_LINKS[name](this, handlers);
    }

    _began(link) {
      this.subscriptions.forEach(sub => this._subscribe(sub, link));
    }

    _opened(name) {
      this._emit('open', {transport: name});
    }

    _received(m) {
      const sub = this.subscriptions.get(m.channel);
      if (sub) sub._message(m);
    }

    _lost(name, reason, wasOpen) {
      this.subscriptions.forEach(sub => { sub.state = 'subscribing'; });
      this._emit(wasOpen ? 'close' : 'error', {reason: reason, transport: name});
    }
  }

  /** Channels over one connection: see Channels. */
  SocketPush.channels = options => new Channels(options);
  SocketPush.Channels = Channels;
  SocketPush.CHANNEL_TRANSPORTS = Object.keys(CHANNEL_LINKS);


  SocketPush.CONNECTING = CONNECTING;
  SocketPush.OPEN = OPEN;
  SocketPush.CLOSED = CLOSED;
  SocketPush.TRANSPORTS = Object.keys(TRANSPORTS);
  global.SocketPush = SocketPush;
})(typeof window !== 'undefined' ? window : this);
