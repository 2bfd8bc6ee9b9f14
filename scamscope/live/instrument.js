/*
 * scamscope in-page instrumentation for live capture of hostile pages.
 *
 * Installed with Playwright's context.add_init_script(): it runs at document start in every
 * frame, before the page's own scripts. It observes the APIs tech support scam pages use to lock
 * the browser (full screen, keyboard/pointer lock, dialogs, history floods, pop-ups, worker bombs,
 * sirens, a synthetic voice...) and reports what it sees to Python through the binding
 * window.__scamscope_emit(event) that the capture engine installs with context.expose_binding().
 *
 * Transport caveat: Playwright answers every binding call with an evaluation made with
 * `userGesture: true`, so each event delivered through the binding gives the frame transient
 * *and* sticky user activation (navigator.userActivation.isActive / hasBeenActive turn true), as
 * do page.evaluate() calls. A page could then enter full screen, open pop-ups or start audio
 * without a real click. An engine that wants no such side effect defines, in an init script
 * added *before* this one, `window.__scamscope_transport = 'console'`: events then go out as
 * console.debug('scamscope:event ' + JSON) messages (passive; parse them with
 * scamscope.live.behaviour.parse_console). Either way `detail.gesture` is computed from real
 * (isTrusted) input events seen in the frame, not from the browser's activation state.
 *
 * event = {type, detail, t, top, doc}: `type` is a stable name (see scamscope/live/behaviour.py),
 * `detail` a small plain object, `t` ms since navigation start (performance.now()), `top` whether
 * this is the top frame, `doc` a random id of this document (counts restart in every document).
 *
 * Rules this file keeps:
 *  - Observation only. Every hook calls the original with the same `this` and arguments and
 *    returns what it returns (or throws what it throws). The two deliberate exceptions keep a kit
 *    from taking the capture machine down: the history flood guard (see HISTORY_GUARD below) and
 *    the worker cap (see MAX_WORKERS).
 *  - Never throw into the page: every observation runs inside try/catch; page-supplied objects
 *    are never coerced to strings (no toString/valueOf side effects), only primitives are read.
 *  - Flood safety: hooks count calls; an event is emitted only when a counter reaches 1, 2, 5,
 *    10, 20, 50, 100, 1000, 10^4, ... (plus the first 20 distinct messages of a kind), a late
 *    "update" carries the final count once the flood is over, and a frame emits at most
 *    MAX_EVENTS events in total.
 *  - Hide minimally: hooks are Proxies of the originals (same name, length, no prototype,
 *    not constructible when the original is not); Function.prototype.toString reports the
 *    original's native source for them; the one global this script leaves is non-enumerable.
 */
(function () {
  'use strict';

  var W = window;
  var HIDDEN = '__ssq_k7m2x';
  var BINDING = '__scamscope_emit';

  try {
    if (Object.getOwnPropertyDescriptor(W, HIDDEN)) return; // installed twice: keep the first
  } catch (e) {
    return;
  }

  // --- built-ins captured before the page can touch them ---------------------------------------

  var Obj = Object;
  var Ref = Reflect;
  var ProxyCtor = Proxy;
  var defineProperty = Obj.defineProperty;
  var getOwnPropertyDescriptor = Obj.getOwnPropertyDescriptor;
  var getPrototypeOf = Obj.getPrototypeOf;
  var create = Obj.create;
  var apply = Ref.apply;
  var construct = Ref.construct;
  var objToString = Obj.prototype.toString;
  var WeakMapCtor = WeakMap;
  var wmGet = WeakMap.prototype.get;
  var wmSet = WeakMap.prototype.set;
  var wmHas = WeakMap.prototype.has;
  var strSlice = String.prototype.slice;
  var strIndexOf = String.prototype.indexOf;
  var mathRound = Math.round;
  var mathRandom = Math.random;
  var promiseThen = Promise.prototype.then;
  var jsonStringify = JSON.stringify;
  var consoleObj = W.console;
  var consoleDebug = consoleObj ? consoleObj.debug : null;
  var setTimeoutFn = W.setTimeout;
  var setIntervalFn = W.setInterval;
  var addListenerFn = EventTarget.prototype.addEventListener;
  var perf = W.performance;
  var perfNow = perf ? perf.now : null;
  var doc = W.document;

  function noop() {}

  function now() {
    try {
      return apply(perfNow, perf, []);
    } catch (e) {
      return 0;
    }
  }

  function later(fn, ms) {
    try {
      apply(setTimeoutFn, W, [fn, ms]);
    } catch (e) {}
  }

  function listen(target, type, fn, options) {
    try {
      apply(addListenerFn, target, [type, fn, options]);
    } catch (e) {}
  }

  /** The native getter `name` of `proto` (wherever it is defined on the chain), as fn(obj). */
  function getter(proto, name) {
    var g = null;
    try {
      var o = proto;
      while (o && !g) {
        var d = getOwnPropertyDescriptor(o, name);
        if (d) g = d.get || null;
        o = getPrototypeOf(o);
      }
    } catch (e) {}
    return function (obj) {
      if (!g) return undefined;
      try {
        return apply(g, obj, []);
      } catch (e) {
        return undefined;
      }
    };
  }

  function clip(v, max) {
    if (typeof v === 'string') return v.length > max ? apply(strSlice, v, [0, max]) : v;
    if (typeof v === 'number' || typeof v === 'boolean') return '' + v;
    if (v === undefined) return '';
    if (v === null) return 'null';
    return '[' + typeof v + ']';
  }

  function startsWith(s, prefix) {
    return typeof s === 'string' && apply(strIndexOf, s, [prefix]) === 0;
  }

  function num(v) {
    return typeof v === 'number' && v === v ? v : null;
  }

  var TOP = (function () {
    try {
      return W.top === W;
    } catch (e) {
      return false;
    }
  })();
  var DOC_ID = (function () {
    try {
      return (mathRound(apply(mathRandom, Math, []) * 2176782335) + 2176782336).toString(36);
    } catch (e) {
      return 'x';
    }
  })();

  // native getters used by observers
  var evType = getter(Event.prototype, 'type');
  var evCurrentTarget = getter(Event.prototype, 'currentTarget');
  var evTarget = getter(Event.prototype, 'target');
  var evDefaultPrevented = getter(Event.prototype, 'defaultPrevented');
  var currentEvent = getter(W, 'event');
  var elTagName = getter(Element.prototype, 'tagName');
  var elId = getter(Element.prototype, 'id');
  var nodeConnected = getter(Node.prototype, 'isConnected');
  var docElement = getter(Document.prototype, 'documentElement');
  var docBody = getter(Document.prototype, 'body');
  var docHidden = getter(Document.prototype, 'hidden');
  var docFullscreenElement = getter(Document.prototype, 'fullscreenElement');
  var docLang = getter(HTMLElement.prototype, 'lang');
  var contentEditable = getter(HTMLElement.prototype, 'isContentEditable');
  var rectOf = Element.prototype.getBoundingClientRect;
  var hasAttribute = Element.prototype.hasAttribute;
  var querySelectorAll = Document.prototype.querySelectorAll;
  var elementFromPoint = Document.prototype.elementFromPoint;
  var getComputedStyleFn = W.getComputedStyle;
  var innerWidthOf = getter(W, 'innerWidth');
  var innerHeightOf = getter(W, 'innerHeight');
  var screenOf = getter(W, 'screen');
  var userActivation = (function () {
    try {
      var ua = getter(Navigator.prototype, 'userActivation')(navigator);
      var isActive = getter(ua, 'isActive');
      return function () {
        return ua ? !!isActive(ua) : false;
      };
    } catch (e) {
      return function () {
        return false;
      };
    }
  })();

  // --- emitting ---------------------------------------------------------------------------------

  var MAX_EVENTS = 500; // per frame (document), everything included
  var RESERVED = 40; // of which kept for final-count updates
  var MAX_PER_TYPE = 60;
  var MAX_DISTINCT = 20; // distinct messages (dialog texts, speech, pop-up urls...) per counter
  var MAX_PENDING = 100; // events queued while the binding is not there yet
  var MILESTONES = [1, 2, 5, 10, 20, 50, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12];

  var CONSOLE_TAG = 'scamscope:event ';
  var transport = 'binding';
  try {
    var configured = getOwnPropertyDescriptor(W, '__scamscope_transport');
    if (configured) {
      if (configured.value === 'console') transport = 'console';
      delete W.__scamscope_transport;
    }
  } catch (e) {}

  var emitFn = null;
  var sent = 0;
  var dropped = 0;
  var perType = create(null);
  var pending = [];

  function binding() {
    if (emitFn || transport !== 'binding') return emitFn;
    try {
      var f = W[BINDING];
      if (typeof f === 'function') {
        emitFn = f;
        try {
          delete W[BINDING]; // our reference keeps working; the page no longer sees the name
        } catch (e) {}
      }
    } catch (e) {}
    return emitFn;
  }

  function deliver(event) {
    if (transport === 'console') {
      try {
        apply(consoleDebug, consoleObj, [CONSOLE_TAG + apply(jsonStringify, JSON, [event])]);
      } catch (e) {}
      return;
    }
    var f = binding();
    if (!f) {
      if (pending.length < MAX_PENDING) pending[pending.length] = event;
      return;
    }
    if (pending.length) {
      var queued = pending;
      pending = [];
      for (var i = 0; i < queued.length; i++) call(f, queued[i]);
    }
    call(f, event);
  }

  function call(f, event) {
    try {
      var p = apply(f, W, [event]);
      if (p && typeof p === 'object') apply(promiseThen, p, [noop, noop]); // no unhandled rejections
    } catch (e) {}
  }

  /** Send one event unless the frame's budget is spent. `reserved`: a final-count update. */
  function emit(type, detail, reserved) {
    try {
      if (sent >= MAX_EVENTS || (!reserved && sent >= MAX_EVENTS - RESERVED)) {
        dropped++;
        return false;
      }
      var k = perType[type] || 0;
      if (!reserved && k >= MAX_PER_TYPE) {
        dropped++;
        return false;
      }
      perType[type] = k + 1;
      sent++;
      deliver({ type: type, detail: detail || {}, t: mathRound(now()), top: TOP, doc: DOC_ID });
      return true;
    } catch (e) {
      return false;
    }
  }

  // --- counters: emit at exponentially spaced counts ------------------------------------------------

  var counters = create(null);
  var flushScheduled = false;
  var flushDelay = 400;

  function counter(key, type) {
    var c = counters[key];
    if (!c) {
      c = { type: type, n: 0, mi: 0, dirty: false, base: null, seen: create(null), nseen: 0 };
      counters[key] = c;
    }
    return c;
  }

  /** Count one call; true when the count is a milestone (1, 2, 5, 10, 20, 50, 100, 1000, ...). */
  function hit(c) {
    c.n++;
    if (c.n === MILESTONES[c.mi]) {
      c.mi++;
      return true;
    }
    if (!c.dirty) {
      c.dirty = true;
      scheduleFlush();
    }
    return false;
  }

  /** True the first time `value` is seen by this counter (first MAX_DISTINCT values only). */
  function fresh(c, value) {
    if (c.nseen >= MAX_DISTINCT) return false;
    var k = clip(value, 200);
    if (c.seen[k] === 1) return false;
    c.seen[k] = 1;
    c.nseen++;
    return true;
  }

  function report(c, detail) {
    detail.count = c.n;
    c.base = detail;
    c.dirty = false;
    emit(c.type, detail, false);
  }

  function scheduleFlush() {
    if (flushScheduled) return;
    flushScheduled = true;
    later(function () {
      flushScheduled = false;
      flush();
      flushDelay = flushDelay < 8000 ? flushDelay * 2 : 8000; // a slow, endless flood: fewer updates
    }, flushDelay);
  }

  /** Emit the final count of every counter that moved since its last event. */
  function flush() {
    for (var key in counters) {
      var c = counters[key];
      if (!c.dirty || !c.base) continue;
      c.dirty = false;
      var d = {};
      for (var f in c.base) d[f] = c.base[f];
      d.count = c.n;
      d.update = true;
      emit(c.type, d, true);
    }
  }

  // --- describing the page ------------------------------------------------------------------------

  function tagOf(el) {
    var t = elTagName(el);
    return typeof t === 'string' ? t.toLowerCase() : '';
  }

  /** Where a listener/handler sits: window, document, html, body or element. */
  function scopeOf(target) {
    try {
      if (!target) return '';
      if (target === W) return 'window';
      if (target === doc) return 'document';
      var tag = tagOf(target);
      if (tag === 'html' || tag === 'body') return tag;
      return tag ? 'element' : 'other';
    } catch (e) {
      return '';
    }
  }

  function describe(el) {
    try {
      if (!el) return '';
      var scope = scopeOf(el);
      if (scope !== 'element') return scope;
      var id = elId(el);
      return tagOf(el) + (id ? '#' + clip(id, 40) : '');
    } catch (e) {
      return '?';
    }
  }

  /** Fraction (0..1) of the viewport an element's box covers. */
  function coverage(el) {
    try {
      var r = apply(rectOf, el, []);
      var vw = innerWidthOf(W) || 1;
      var vh = innerHeightOf(W) || 1;
      var w = Math.max(0, Math.min(r.right, vw) - Math.max(r.left, 0));
      var h = Math.max(0, Math.min(r.bottom, vh) - Math.max(r.top, 0));
      return mathRound((w * h * 100) / (vw * vh)) / 100;
    } catch (e) {
      return 0;
    }
  }

  function isPageElement(el) {
    var s = scopeOf(el);
    return s === 'html' || s === 'body' || s === 'document' || (s === 'element' && coverage(el) >= 0.9);
  }

  var gestures = 0;
  var lastGesture = '';
  var lastGestureAt = -1;
  var GESTURE_MS = 5000; // Chromium's transient activation lasts 5 s

  /** A real (isTrusted) click or key press in this frame within the last 5 s. */
  function recentGesture() {
    return lastGestureAt >= 0 && now() - lastGestureAt < GESTURE_MS;
  }

  /** The event being handled when an API is called (a click handler on a button, a timer: none). */
  function context(detail) {
    detail.gesture = recentGesture();
    detail.activation = userActivation(); // the browser's view: automation evaluations count too
    detail.after_gesture = gestures > 0;
    if (lastGesture) detail.last_gesture = lastGesture;
    var ev = currentEvent(W);
    if (ev && typeof ev === 'object') {
      detail.event = clip(evType(ev), 40);
      detail.trusted = ev.isTrusted === true; // isTrusted is an unforgeable own property
      detail.handler = scopeOf(evCurrentTarget(ev));
      detail.event_target = describe(evTarget(ev));
    }
    return detail;
  }

  function currentEventType() {
    var ev = currentEvent(W);
    return ev && typeof ev === 'object' ? clip(evType(ev), 40) : '';
  }

  // --- hooking --------------------------------------------------------------------------------------

  var originals = new WeakMapCtor(); // hook -> original (for Function.prototype.toString)

  function ownerOf(obj, name) {
    var o = obj;
    while (o) {
      if (getOwnPropertyDescriptor(o, name)) return o;
      o = getPrototypeOf(o);
    }
    return null;
  }

  function remember(hook, original) {
    apply(wmSet, originals, [hook, original]);
  }

  /** Replace method `name` (found on `obj` or its prototype chain) by a Proxy whose apply trap is
   * trap(original, thisArg, args). The trap must call the original itself. */
  function hookMethod(obj, name, trap) {
    try {
      if (!obj) return false;
      var owner = ownerOf(obj, name);
      if (!owner) return false;
      var d = getOwnPropertyDescriptor(owner, name);
      if (!d || typeof d.value !== 'function') return false;
      var original = d.value;
      var hook = new ProxyCtor(original, {
        apply: function (target, thisArg, args) {
          return trap(target, thisArg, args);
        },
      });
      remember(hook, original);
      defineProperty(owner, name, {
        value: hook,
        writable: d.writable,
        enumerable: d.enumerable,
        configurable: d.configurable,
      });
      return true;
    } catch (e) {
      return false;
    }
  }

  /** Observe calls of a method: observer(thisArg, args) runs first, then the original. */
  function tap(obj, name, observer) {
    return hookMethod(obj, name, function (original, thisArg, args) {
      try {
        observer(thisArg, args);
      } catch (e) {}
      return apply(original, thisArg, args);
    });
  }

  /** Observe a setter (event handler properties such as document.onkeydown). */
  function tapSetter(owner, name, observer) {
    try {
      var d = getOwnPropertyDescriptor(owner, name);
      if (!d || typeof d.set !== 'function') return false;
      var original = d.set;
      var hook = new ProxyCtor(original, {
        apply: function (target, thisArg, args) {
          try {
            observer(thisArg, args[0]);
          } catch (e) {}
          return apply(target, thisArg, args);
        },
      });
      remember(hook, original);
      defineProperty(owner, name, { get: d.get, set: hook, enumerable: d.enumerable, configurable: d.configurable });
      return true;
    } catch (e) {
      return false;
    }
  }

  /** Observe `new Name(...)` of a global constructor. */
  function tapConstructor(name, observer) {
    try {
      var d = getOwnPropertyDescriptor(W, name);
      if (!d || typeof d.value !== 'function') return false;
      var original = d.value;
      var hook = new ProxyCtor(original, {
        construct: function (target, args, newTarget) {
          var refusal = null;
          try {
            refusal = observer(args);
          } catch (e) {}
          if (refusal) throw refusal;
          return construct(target, args, newTarget === hook ? target : newTarget);
        },
      });
      remember(hook, original);
      defineProperty(W, name, { value: hook, writable: d.writable, enumerable: d.enumerable, configurable: d.configurable });
      var pd = getOwnPropertyDescriptor(original.prototype, 'constructor');
      if (pd && pd.value === original && pd.configurable) {
        defineProperty(original.prototype, 'constructor', {
          value: hook,
          writable: pd.writable,
          enumerable: pd.enumerable,
          configurable: true,
        });
      }
      return true;
    } catch (e) {
      return false;
    }
  }

  // Function.prototype.toString: hooks read as the native functions they replace
  hookMethod(Function.prototype, 'toString', function (original, thisArg, args) {
    var self = thisArg;
    try {
      if (typeof thisArg === 'function' && apply(wmHas, originals, [thisArg])) self = apply(wmGet, originals, [thisArg]);
    } catch (e) {}
    return apply(original, self, args);
  });

  // --- user gestures, blocked keys and right clicks --------------------------------------------------

  function onGesture(ev) {
    try {
      if (ev.isTrusted !== true) return;
      var type = evType(ev);
      if (type === 'keydown' || type === 'click' || type === 'pointerdown' || type === 'mousedown' || type === 'touchstart') {
        gestures++;
        lastGesture = clip(type, 20);
        lastGestureAt = now();
        if (type === 'click' && cursorChecks < MAX_CURSOR_CHECKS) later(checkCursor('click'), 250);
      }
    } catch (e) {}
  }

  function comboOf(ev) {
    var key = clip(ev.key, 30);
    var parts = '';
    if (ev.ctrlKey === true) parts += 'Ctrl+';
    if (ev.altKey === true) parts += 'Alt+';
    if (ev.shiftKey === true && (key.length > 1 || parts)) parts += 'Shift+'; // Shift+A is just 'A'
    if (ev.metaKey === true) parts += 'Meta+';
    if (key.length === 1) key = key.toUpperCase();
    return parts + key;
  }

  function isEditable(el) {
    var tag = tagOf(el);
    return tag === 'input' || tag === 'textarea' || tag === 'select' || contentEditable(el) === true;
  }

  /** After a real key press / right click has been dispatched: did the page cancel it? */
  function afterDispatch(ev) {
    try {
      if (ev.isTrusted !== true) return;
      later(function () {
        try {
          if (evDefaultPrevented(ev) !== true) return;
          var type = evType(ev);
          var target = evTarget(ev);
          if (type === 'contextmenu' || type === 'mousedown' || type === 'mouseup' || type === 'auxclick') {
            if (type !== 'contextmenu' && ev.button !== 2) return;
            var cc = counter('contextmenu_block', 'contextmenu_block');
            var where = describe(target);
            var firstTarget = fresh(cc, type + where);
            if (hit(cc) || firstTarget) {
              report(cc, { via: type, target: where, tag: tagOf(target), page: isPageElement(target) });
            }
            return;
          }
          var combo = comboOf(ev);
          var kc = counter('key_block', 'key_block');
          var first = fresh(kc, type + ':' + combo);
          if (hit(kc) || first) {
            report(kc, {
              event: type,
              key: clip(ev.key, 30),
              code: clip(ev.code, 30),
              combo: combo,
              ctrl: ev.ctrlKey === true,
              alt: ev.altKey === true,
              shift: ev.shiftKey === true,
              meta: ev.metaKey === true,
              target: describe(target),
              editable: isEditable(target),
            });
          }
        } catch (e) {}
      }, 0);
    } catch (e) {}
  }

  /** A real beforeunload was cancelled (the page asked "leave this site?") and we are still here. */
  function afterBeforeUnload(ev) {
    try {
      later(function () {
        try {
          var rv = ev.returnValue;
          if (evDefaultPrevented(ev) === true || (typeof rv === 'string' && rv !== '')) {
            var c = counter('beforeunload:prompted', 'beforeunload');
            if (hit(c)) report(c, { via: 'prompted', message: clip(rv, 200) });
          }
        } catch (e) {}
      }, 0);
    } catch (e) {}
  }

  // --- full screen -------------------------------------------------------------------------------------

  var fs = { exits: 0, enters: 0, lastExit: -1 };

  function onFullscreenChange(ev) {
    try {
      if (docFullscreenElement(doc)) {
        fs.enters++;
      } else {
        fs.exits++;
        fs.lastExit = now();
      }
    } catch (e) {}
  }

  function onFullscreenRequest(method, el) {
    var t = now();
    var c = counter('fullscreen', 'fullscreen');
    var d = context({
      via: method,
      target: describe(el),
      page: isPageElement(el),
      already: !!docFullscreenElement(doc),
    });
    var first = fresh(c, d.target + '|' + (d.event || '') + '|' + (d.handler || ''));
    if (hit(c) || first) report(c, d);
    var fromChange = d.event === 'fullscreenchange' || d.event === 'webkitfullscreenchange';
    var sinceExit = fs.lastExit >= 0 ? t - fs.lastExit : -1;
    if (fromChange || (sinceExit >= 0 && sinceExit < 2000)) {
      var cc = counter('fullscreen_churn', 'fullscreen_churn');
      if (hit(cc)) {
        report(cc, {
          via: fromChange ? 'fullscreenchange' : 'after_exit',
          ms_since_exit: sinceExit >= 0 ? mathRound(sinceExit) : null,
          exits: fs.exits,
          target: d.target,
          trusted: d.trusted === true,
        });
      }
    }
  }

  var FS_METHODS = ['requestFullscreen', 'webkitRequestFullscreen', 'webkitRequestFullScreen', 'mozRequestFullScreen', 'msRequestFullscreen'];
  for (var fi = 0; fi < FS_METHODS.length; fi++) {
    (function (method) {
      var owner = null;
      try {
        owner = getOwnPropertyDescriptor(Element.prototype, method) ? Element.prototype : null;
      } catch (e) {}
      if (owner) {
        tap(owner, method, function (el) {
          onFullscreenRequest(method, el);
        });
      }
    })(FS_METHODS[fi]);
  }

  // --- keyboard and pointer lock ---------------------------------------------------------------------

  if (typeof Keyboard !== 'undefined') {
    tap(Keyboard.prototype, 'lock', function (self, args) {
      var keys = null;
      var list = args[0];
      if (list && typeof list === 'object' && typeof list.length === 'number') {
        keys = [];
        for (var i = 0; i < list.length && i < 50; i++) {
          if (typeof list[i] === 'string') keys[keys.length] = clip(list[i], 30);
        }
      }
      var c = counter('keyboard_lock', 'keyboard_lock');
      if (hit(c)) report(c, context({ keys: keys, all_keys: keys === null || keys.length === 0, fullscreen: !!docFullscreenElement(doc) }));
    });
  }

  tap(Element.prototype, 'requestPointerLock', function (el) {
    var c = counter('pointer_lock', 'pointer_lock');
    var d = context({ target: describe(el), tag: tagOf(el), page: isPageElement(el), coverage: coverage(el) });
    var first = fresh(c, d.target + '|' + (d.event || ''));
    if (hit(c) || first) report(c, d);
  });

  // --- dialogs and print -------------------------------------------------------------------------------

  var blockedMs = 0; // time spent inside dialogs (not a stall of the page's own making)
  var dialogTotal = 0;

  function dialogHook(kind) {
    return function (original, thisArg, args) {
      try {
        dialogTotal++;
        var c = counter('dialog:' + kind, kind === 'print' ? 'print' : 'dialog');
        var message = kind === 'print' ? '' : clip(args[0], 300);
        var first = kind !== 'print' && fresh(c, message);
        if (hit(c) || first) {
          var d = { kind: kind, total: dialogTotal, event: currentEventType() };
          if (kind !== 'print') d.message = message;
          report(c, d);
        }
      } catch (e) {}
      var t0 = now();
      try {
        return apply(original, thisArg, args);
      } finally {
        blockedMs += now() - t0;
      }
    };
  }

  hookMethod(W, 'alert', dialogHook('alert'));
  hookMethod(W, 'confirm', dialogHook('confirm'));
  hookMethod(W, 'prompt', dialogHook('prompt'));
  hookMethod(W, 'print', dialogHook('print'));

  // --- listeners and on-handlers -----------------------------------------------------------------------

  var WATCHED = create(null);
  var watchedTypes = [
    'beforeunload', 'unload', 'keydown', 'keyup', 'keypress', 'contextmenu', 'mousedown', 'auxclick',
    'fullscreenchange', 'webkitfullscreenchange', 'popstate', 'visibilitychange', 'blur', 'mouseleave',
    'mouseout', 'selectstart', 'dragstart', 'copy', 'pointerlockchange',
  ];
  for (var wi = 0; wi < watchedTypes.length; wi++) WATCHED[watchedTypes[wi]] = 1;
  var COMMON_ON_ELEMENTS = { blur: 1, mouseleave: 1, mouseout: 1, mousedown: 1, keydown: 1, keyup: 1, keypress: 1, copy: 1, dragstart: 1 };

  function onListener(target, type, via) {
    var scope = scopeOf(target);
    if (scope !== 'window' && scope !== 'document' && scope !== 'html' && scope !== 'body' && COMMON_ON_ELEMENTS[type] === 1) {
      return; // a key handler on a search box, a menu's mouseout: everyday code
    }
    var c = counter('listener:' + type + ':' + scope, 'listener');
    if (hit(c)) report(c, { type: type, target: scope === 'element' ? describe(target) : scope, via: via });
    if (type === 'beforeunload') {
      var bc = counter('beforeunload:' + via, 'beforeunload');
      if (hit(bc)) report(bc, { via: via, target: scope });
    }
  }

  hookMethod(EventTarget.prototype, 'addEventListener', function (original, thisArg, args) {
    try {
      var type = args[0];
      if (typeof type === 'string' && WATCHED[type] === 1 && args[1]) onListener(thisArg, type, 'addEventListener');
    } catch (e) {}
    return apply(original, thisArg, args);
  });

  var ON_PROPS = [
    'onbeforeunload', 'onunload', 'onkeydown', 'onkeyup', 'onkeypress', 'oncontextmenu', 'onmousedown',
    'onauxclick', 'onselectstart', 'ondragstart', 'oncopy', 'onfullscreenchange', 'onwebkitfullscreenchange',
    'onpopstate', 'onvisibilitychange', 'onblur', 'onmouseleave', 'onmouseout',
  ];
  var ON_OWNERS = [W];
  try {
    var protoNames = ['Window', 'Document', 'HTMLElement', 'HTMLBodyElement', 'HTMLFrameSetElement', 'Element', 'SVGElement'];
    for (var pi = 0; pi < protoNames.length; pi++) {
      var ctor = W[protoNames[pi]];
      if (ctor && ctor.prototype) ON_OWNERS[ON_OWNERS.length] = ctor.prototype;
    }
  } catch (e) {}
  for (var oi = 0; oi < ON_OWNERS.length; oi++) {
    for (var ni = 0; ni < ON_PROPS.length; ni++) {
      (function (owner, prop) {
        var type = apply(strSlice, prop, [2]);
        tapSetter(owner, prop, function (self, value) {
          if (typeof value === 'function') onListener(self, type, 'property');
        });
      })(ON_OWNERS[oi], ON_PROPS[ni]);
    }
  }

  /** <body onbeforeunload="..." oncontextmenu="return false">: handlers set by the HTML parser. */
  var attributesChecked = false;

  function checkAttributes() {
    if (attributesChecked) return;
    try {
      if (!docBody(doc)) return;
      attributesChecked = true;
      var els = [docElement(doc), docBody(doc)];
      var attrs = ['onbeforeunload', 'oncontextmenu', 'onkeydown', 'onkeyup', 'onkeypress', 'onselectstart', 'onmousedown', 'ondragstart'];
      for (var i = 0; i < els.length; i++) {
        if (!els[i]) continue;
        for (var j = 0; j < attrs.length; j++) {
          if (apply(hasAttribute, els[i], [attrs[j]])) onListener(els[i], apply(strSlice, attrs[j], [2]), 'attribute');
        }
      }
      var some = apply(querySelectorAll, doc, ['[oncontextmenu],[onselectstart],[ondragstart]']);
      if (some && some.length) {
        var c = counter('listener:attribute-elements', 'listener');
        if (hit(c)) report(c, { type: 'contextmenu/selectstart/dragstart', target: 'element', via: 'attribute', elements: some.length });
      }
    } catch (e) {}
  }

  // --- history -----------------------------------------------------------------------------------------

  /*
   * History flood guard. Chromium runs a few thousand pushState calls a second here, and each
   * one is a same-document navigation reported to the automation client, so a kit's
   * `for (i < 1e8) history.pushState(...)` would hang the tab (and the capture) for hours. Once
   * a frame makes more than HISTORY_GUARD calls within one second, further calls are counted
   * but only HISTORY_TRICKLE per second are forwarded to the browser; when the flood pauses, the
   * last dropped call is replayed, so the page ends on the URL and state it asked for. Session
   * history keeps only the last 50 entries anyway: the page loses nothing it could observe
   * afterwards, only the intermediate URLs during the flood (and any error a dropped call would
   * have thrown). The worker cap (MAX_WORKERS) is the only other place where the instrumentation
   * changes what a page does.
   */
  var HISTORY_GUARD = 200;
  var HISTORY_TRICKLE = 50;
  var hist = { windowStart: -1, inWindow: 0, dropped: 0, fn: null, self: null, args: null, replayScheduled: false };

  function replayHistory() {
    hist.replayScheduled = false;
    var fn = hist.fn;
    var self = hist.self;
    var args = hist.args;
    hist.fn = hist.self = hist.args = null;
    if (!fn) return;
    hist.windowStart = now();
    hist.inWindow = 0;
    try {
      apply(fn, self, args);
    } catch (e) {}
  }

  function historyHook(kind) {
    var c = null;
    return function (original, thisArg, args) {
      var forward = true;
      try {
        if ((hist.inWindow & 255) === 0) {
          var t = now();
          if (hist.windowStart < 0 || t - hist.windowStart > 1000) {
            hist.windowStart = t;
            hist.inWindow = 0;
          }
        }
        hist.inWindow++;
        if (hist.inWindow > (hist.dropped > 0 ? HISTORY_TRICKLE : HISTORY_GUARD)) {
          forward = false;
          hist.dropped++;
          hist.fn = original;
          hist.self = thisArg;
          hist.args = args;
          if (!hist.replayScheduled) {
            hist.replayScheduled = true;
            later(replayHistory, 0);
          }
        }
        if (c === null) c = counter('history:' + kind, 'history');
        if (c.n < 50 && currentEventType() === 'popstate') {
          var pc = counter('history:popstate', 'history');
          if (hit(pc)) report(pc, { kind: kind, event: 'popstate', url: clip(args[2], 200) });
        }
        if (hit(c)) report(c, { kind: kind, url: clip(args[2], 200), guarded: hist.dropped > 0, dropped: hist.dropped });
      } catch (e) {}
      return forward ? apply(original, thisArg, args) : undefined;
    };
  }

  if (typeof History !== 'undefined') {
    hookMethod(History.prototype, 'pushState', historyHook('pushState'));
    hookMethod(History.prototype, 'replaceState', historyHook('replaceState'));
  }

  // --- windows -----------------------------------------------------------------------------------------

  tap(W, 'open', function (self, args) {
    var c = counter('window_open', 'window_open');
    var url = clip(args[0], 300);
    var first = fresh(c, url);
    if (hit(c) || first) {
      report(c, { url: url, target: clip(args[1], 60), features: clip(args[2], 200), event: currentEventType(), gesture: recentGesture() });
    }
  });

  var GEOMETRY = ['moveTo', 'moveBy', 'resizeTo', 'resizeBy'];
  for (var gi = 0; gi < GEOMETRY.length; gi++) {
    (function (kind) {
      tap(W, kind, function (self, args) {
        var c = counter('resize:' + kind, 'resize');
        if (!hit(c)) return;
        var x = num(args[0]);
        var y = num(args[1]);
        var full = false;
        try {
          var s = screenOf(W);
          if (kind === 'moveTo') full = x === 0 && y === 0;
          if (kind === 'resizeTo') full = x !== null && y !== null && x >= s.availWidth - 20 && y >= s.availHeight - 20;
        } catch (e) {}
        report(c, { kind: kind, args: [x, y], full: full, popup: self !== W });
      });
    })(GEOMETRY[gi]);
  }

  // --- freezing: object URLs, workers, main-thread stalls ----------------------------------------------------

  if (typeof URL !== 'undefined') {
    tap(URL, 'createObjectURL', function (self, args) {
      var c = counter('object_url', 'object_url');
      if (!hit(c)) return;
      var obj = args[0];
      var kind = obj && typeof obj === 'object' ? apply(objToString, obj, []) : typeof obj;
      report(c, { kind: clip(kind, 40) });
    });
  }

  var urlHref = getter(typeof URL !== 'undefined' ? URL.prototype : null, 'href');

  // A worker bomb (hundreds of busy-looping workers) takes every core of the capture machine and
  // starves the pages captured next to it. Past the first MAX_WORKERS dedicated workers of a
  // document, ``new Worker`` fails as it would when the browser runs out of resources; the attempt
  // is still reported (``refused``), so the bomb is observed without being suffered.
  var MAX_WORKERS = 8;
  var workersMade = 0;
  var DOMExceptionCtor = typeof DOMException === 'function' ? DOMException : Error;

  function workerObserver(kind) {
    return function (args) {
      var spec = args[0];
      var url = typeof spec === 'string' ? spec : spec && typeof spec === 'object' ? urlHref(spec) : '';
      url = typeof url === 'string' ? url : '';
      var refused = kind === 'Worker' && ++workersMade > MAX_WORKERS;
      var c = counter('worker:' + kind, 'worker');
      if (hit(c) || (refused && workersMade === MAX_WORKERS + 1)) {
        report(c, { kind: kind, blob: startsWith(url, 'blob:'), data: startsWith(url, 'data:'), url: clip(url, 120), refused: refused });
      }
      return refused ? new DOMExceptionCtor('Failed to construct \'Worker\': too many workers', 'QuotaExceededError') : null;
    };
  }
  tapConstructor('Worker', workerObserver('Worker'));
  tapConstructor('SharedWorker', workerObserver('SharedWorker'));

  var STALL_MS = 1000;
  var lastTick = now();
  var blockedAtTick = 0;
  try {
    apply(setIntervalFn, W, [
      function () {
        try {
          var t = now();
          var gap = t - lastTick - (blockedMs - blockedAtTick);
          lastTick = t;
          blockedAtTick = blockedMs;
          if (gap <= STALL_MS || docHidden(doc) === true) return; // hidden frames' timers are throttled
          var c = counter('stall', 'stall');
          var ms = mathRound(gap);
          c.max = c.max && c.max > ms ? c.max : ms;
          var first = c.nseen < MAX_DISTINCT && fresh(c, c.n); // the first 20 stalls each get an event
          if (hit(c) || first) report(c, { ms: ms, max_ms: c.max });
        } catch (e) {}
      },
      100,
    ]);
  } catch (e) {}

  // --- notifications ----------------------------------------------------------------------------------------

  if (typeof Notification !== 'undefined') {
    tap(Notification, 'requestPermission', function () {
      var c = counter('notification_request', 'notification_request');
      if (hit(c)) report(c, context({ api: 'Notification.requestPermission' }));
    });
  }
  if (typeof PushManager !== 'undefined') {
    tap(PushManager.prototype, 'subscribe', function () {
      var c = counter('push_subscribe', 'push_subscribe');
      if (hit(c)) report(c, context({ api: 'PushManager.subscribe' }));
    });
  }

  // --- sound and voice ---------------------------------------------------------------------------------------

  var mediaSrc = getter(HTMLMediaElement.prototype, 'currentSrc');
  var mediaSrcAttr = getter(HTMLMediaElement.prototype, 'src');
  var mediaLoop = getter(HTMLMediaElement.prototype, 'loop');
  var mediaMuted = getter(HTMLMediaElement.prototype, 'muted');
  var mediaAutoplay = getter(HTMLMediaElement.prototype, 'autoplay');
  var mediaVolume = getter(HTMLMediaElement.prototype, 'volume');
  var playCalled = new WeakMapCtor();
  var playingSeen = new WeakMapCtor();

  /** What is playing. `called`: from a play() call (the event being handled says who started it). */
  function mediaDetail(el, via, called) {
    var src = mediaSrc(el) || mediaSrcAttr(el) || '';
    src = startsWith(src, 'data:') || startsWith(src, 'blob:') ? clip(src, 60) : clip(src, 200);
    var d = {
      via: via,
      kind: tagOf(el) || 'audio',
      src: src,
      loop: mediaLoop(el) === true,
      muted: mediaMuted(el) === true,
      volume: num(mediaVolume(el)),
      autoplay: mediaAutoplay(el) === true,
      in_dom: nodeConnected(el) === true,
    };
    if (called) return context(d);
    d.gesture = recentGesture();
    d.after_gesture = gestures > 0;
    return d;
  }

  tap(HTMLMediaElement.prototype, 'play', function (el) {
    try {
      apply(wmSet, playCalled, [el, 1]);
    } catch (e) {}
    var c = counter('media_play:play()', 'media_play');
    var d = mediaDetail(el, 'play()', true);
    var first = fresh(c, d.src);
    if (hit(c) || first) report(c, d);
  });

  function onMediaEvent(ev) {
    try {
      var el = evTarget(ev);
      var type = evType(ev);
      if (type === 'play') {
        if (apply(wmHas, playCalled, [el])) return; // reported by the play() hook
        var c = counter('media_play:autoplay', 'media_play');
        var d = mediaDetail(el, 'autoplay', false);
        var first = fresh(c, d.src);
        if (hit(c) || first) report(c, d);
      } else if (type === 'playing' && !apply(wmHas, playingSeen, [el])) {
        apply(wmSet, playingSeen, [el, 1]); // sound actually started (once per element)
        var pc = counter('media_playing', 'media_playing');
        var pd = mediaDetail(el, apply(wmHas, playCalled, [el]) ? 'play()' : 'autoplay', false);
        var pfirst = fresh(pc, pd.src);
        if (hit(pc) || pfirst) report(pc, pd);
      }
    } catch (e) {}
  }

  var oscillatorObserver = function (ctx) {
    var c = counter('oscillator', 'oscillator');
    var state = '';
    try {
      state = clip(getter(ctx, 'state')(ctx), 20);
    } catch (e) {}
    if (hit(c)) report(c, context({ state: state }));
  };
  if (typeof AudioContext !== 'undefined') {
    tap(AudioContext.prototype, 'createOscillator', function (self) {
      oscillatorObserver(self);
    });
  }
  tapConstructor('OscillatorNode', function (args) {
    oscillatorObserver(args[0]);
  });

  if (typeof SpeechSynthesis !== 'undefined' && typeof SpeechSynthesisUtterance !== 'undefined') {
    var uText = getter(SpeechSynthesisUtterance.prototype, 'text');
    var uLang = getter(SpeechSynthesisUtterance.prototype, 'lang');
    var uVoice = getter(SpeechSynthesisUtterance.prototype, 'voice');
    var uVolume = getter(SpeechSynthesisUtterance.prototype, 'volume');
    var voiceName = getter(typeof SpeechSynthesisVoice !== 'undefined' ? SpeechSynthesisVoice.prototype : null, 'name');
    tap(SpeechSynthesis.prototype, 'speak', function (self, args) {
      var u = args[0];
      var text = clip(uText(u), 500);
      var lang = clip(uLang(u), 20);
      if (!lang) {
        try {
          lang = clip(docLang(docElement(doc)), 20);
        } catch (e) {}
      }
      var c = counter('speech', 'speech');
      var first = fresh(c, text);
      if (hit(c) || first) {
        var voice = uVoice(u);
        report(c, context({ text: text, lang: lang, voice: voice ? clip(voiceName(voice), 80) : '', volume: num(uVolume(u)) }));
      }
    });
  }

  // --- tab title flashing, console clearing ----------------------------------------------------------------------

  tapSetter(Document.prototype, 'title', function (self, value) {
    var c = counter('title_change', 'title_change');
    var title = clip(value, 120);
    var first = fresh(c, title);
    if (hit(c) || first) report(c, { title: title });
  });

  try {
    if (W.console) {
      tap(W.console, 'clear', function () {
        var c = counter('console_clear', 'console_clear');
        if (hit(c)) report(c, {});
      });
    }
  } catch (e) {}

  // --- cursor: none ---------------------------------------------------------------------------------------------

  var MAX_CURSOR_CHECKS = 30;
  var cursorChecks = 0;
  var cursorSeen = create(null);

  function cursorAt(el) {
    try {
      return el ? apply(getComputedStyleFn, W, [el]).cursor : '';
    } catch (e) {
      return '';
    }
  }

  function cursorNone(where, detail) {
    if (cursorSeen[where] === 1) return;
    cursorSeen[where] = 1;
    var c = counter('cursor_none:' + where, 'cursor_none');
    detail.where = where;
    if (hit(c)) report(c, detail);
  }

  /** Is the mouse pointer hidden over the page: on html/body, or over most of the viewport? */
  function checkCursor(when) {
    return function () {
      try {
        if (cursorChecks >= MAX_CURSOR_CHECKS) return;
        cursorChecks++;
        var html = docElement(doc);
        var body = docBody(doc);
        if (cursorAt(body) === 'none') return cursorNone('body', { when: when });
        if (cursorAt(html) === 'none') return cursorNone('html', { when: when });
        var vw = innerWidthOf(W);
        var vh = innerHeightOf(W);
        if (!vw || !vh) return;
        var points = [[0.5, 0.5], [0.2, 0.2], [0.8, 0.2], [0.2, 0.8], [0.8, 0.8]];
        var hidden = 0;
        var centre = null;
        for (var i = 0; i < points.length; i++) {
          var el = apply(elementFromPoint, doc, [vw * points[i][0], vh * points[i][1]]);
          if (i === 0) centre = el;
          if (el && cursorAt(el) === 'none') hidden++;
        }
        if (hidden >= 4) cursorNone('viewport', { when: when, points: hidden, element: describe(centre) });
        else if (hidden > 0) cursorNone('element', { when: when, points: hidden, element: describe(centre) });
      } catch (e) {}
    };
  }

  // --- listeners of our own (registered first, with the original addEventListener) ------------------------------

  var gestureTypes = ['pointerdown', 'mousedown', 'click', 'keydown', 'touchstart'];
  for (var gti = 0; gti < gestureTypes.length; gti++) listen(W, gestureTypes[gti], onGesture, { capture: true, passive: true });
  var blockTypes = ['keydown', 'keyup', 'keypress', 'contextmenu', 'mousedown', 'mouseup', 'auxclick'];
  for (var bti = 0; bti < blockTypes.length; bti++) listen(W, blockTypes[bti], afterDispatch, { capture: true, passive: true });
  listen(W, 'beforeunload', afterBeforeUnload, true);
  listen(doc, 'fullscreenchange', onFullscreenChange, true);
  listen(doc, 'webkitfullscreenchange', onFullscreenChange, true);
  listen(W, 'play', onMediaEvent, true);
  listen(W, 'playing', onMediaEvent, true);
  listen(doc, 'DOMContentLoaded', function () {
    checkAttributes();
    checkCursor('domcontentloaded')();
  }, true);
  listen(W, 'load', function () {
    checkAttributes();
    later(checkCursor('load'), 300);
    later(checkCursor('timer'), 2000);
    later(checkCursor('timer'), 5000);
  }, true);
  listen(W, 'pagehide', function () {
    try {
      flush();
    } catch (e) {}
  }, true);

  // --- the one global: a way for the engine to pull final counts -------------------------------------------------

  try {
    var api = {
      flush: function () {
        flush();
        return api.counts();
      },
      counts: function () {
        var out = { sent: sent, dropped: dropped };
        for (var k in counters) out[k] = counters[k].n;
        return out;
      },
    };
    Obj.freeze(api);
    defineProperty(W, HIDDEN, { value: api, enumerable: false, configurable: false, writable: false });
  } catch (e) {}

  binding();
})();
