/*
 * scamscope guard: the in-page watcher for pages the guard could not call safe or scam.
 *
 * The guard (scamscope/guard/addon.py) puts this script, with its configuration substituted by
 * scamscope/guard/watch.py, first into an uncertain page: it runs before any script of the page.
 * It wraps the APIs fake "your PC is infected" pages use to lock a browser (full screen, keyboard
 * and pointer lock, dialogs, print, history, sound, a synthetic voice, beforeunload) and watches
 * for lock-in: a behaviour together with scare text. On lock-in it defuses the page (leaves full
 * screen, unlocks the keyboard, silences it, stops its timers, dialogs and history tricks), reports
 * to the guard (sendBeacon, fetch keepalive as a fallback) and shows the guard's warning page
 * instead (document.open/write, window.stop so the old page's pending scripts never run).
 *
 * Lock-in (each counts only with scare text: config.scare_seen, or the page's visible text, title,
 * image alt texts, same-origin frames' text, dialog messages or spoken text naming a threat AND a
 * call to act - see THREAT and ACTION):
 *   fullscreen+keyboard_lock   full screen entered and navigator.keyboard.lock() (either order)
 *   dialog_flood               3 alert/confirm/prompt within 10 s, or 3 of a kind each opened at
 *                              once when the previous one closed (a loop, however slow the reader)
 *   print_flood                2 print() within 10 s (or one right after the other)
 *   history_flood              10 pushState within 5 s (or 100 replaceState: those trap nothing,
 *                              and scroll-spy pages call them often)
 *   alarm_audio                an <audio>, a looping medium, Web Audio or speech started, unmuted
 *   hidden_cursor              cursor: none on html/body or over most of the viewport
 *   fullscreen+pointer_lock / fullscreen+beforeunload: full screen alone is not enough (players,
 *                              games, slides), full screen with one of these (or audio, cursor) is
 *
 * Frames. A page must not escape the wrappers through a fresh frame's pristine alert(): same-origin
 * frames get the same wrappers, patched when inserted (DOM insertion methods, a MutationObserver,
 * the synchronous load event of about:blank frames, contentWindow/contentDocument, window.open);
 * srcdoc documents get a one-line bootstrap asking the parent to patch them before their own
 * scripts run; a frame loading a data: URL (an opaque origin, out of reach) is sandboxed without
 * allow-modals, so it can show no dialog at all. Cross-origin documents cannot be wrapped: another
 * site's frame has to be watched by the guard itself (see tests/test_guard_watch.py).
 *
 * Rules this file keeps:
 *  - Transparent for benign pages: wrappers are Proxies of the originals, call them with the same
 *    `this` and arguments and return what they return. Once the page is caught, the page's
 *    dialogs, history calls, full screen/lock requests and sounds become no-ops; a page stuck in
 *    a synchronous loop of them (while (true) alert()) gets an exception after 1000 calls, the
 *    only way to let the warning page in.
 *  - Everything the watcher needs is taken from the built-ins before the page runs (closure);
 *    descriptors, Proxy handlers and arrays it writes are safe from a polluted Object.prototype or
 *    Array.prototype; the replacement is scheduled twice (a timer and a MessageChannel message) and
 *    the 1 s check restarts itself, so a page clearing every timer id cannot stop the watcher.
 *  - Never throws into the page otherwise: every observation runs inside try/catch.
 *  - Cheap: a benign page pays the wrappers' calls, a MutationObserver callback that counts frames,
 *    and one 1 s timer (a computed cursor and one elementFromPoint); the page text is read only when
 *    a lock-in behaviour is seen.
 *  - ASCII only (the guard inserts it as bytes into pages of any ASCII-compatible charset), and
 *    never a closing script tag or an HTML comment opener in the source (it is inline).
 *  - One global: a non-enumerable, non-writable property HIDDEN (marks a patched window, holds the
 *    srcdoc bootstrap entry point).
 */
(function () {
  'use strict';

  var CONFIG = /*SCAMSCOPE_CONFIG*/null;

  var W = window;
  var HIDDEN = '__scamscope_guard_watch';

  if (!CONFIG || typeof CONFIG !== 'object') return; // the bare template: not configured

  var Obj = Object;
  var defineProperty = Obj.defineProperty;
  var getOwnPropertyDescriptor = Obj.getOwnPropertyDescriptor;
  var getPrototypeOf = Obj.getPrototypeOf;

  try {
    if (getOwnPropertyDescriptor(W, HIDDEN)) return; // installed already (a parent patched this window)
  } catch (e) {
    return;
  }

  var TOKEN = typeof CONFIG.token === 'string' ? CONFIG.token : '';
  var REPORT_PATH = typeof CONFIG.report_path === 'string' ? CONFIG.report_path : '';
  var BLOCK_HTML = typeof CONFIG.block_html === 'string' ? CONFIG.block_html : '';
  var SCARE_SEEN = CONFIG.scare_seen === true;

  // --- built-ins, taken before the page can touch them ---------------------------------------------------

  var create = Obj.create;
  var hasOwn = Obj.prototype.hasOwnProperty;
  var freeze = Obj.freeze;
  var Ref = Reflect;
  var apply = Ref.apply;
  var construct = Ref.construct;
  var ProxyCtor = Proxy;
  var WeakSetCtor = WeakSet;
  var wsHas = WeakSet.prototype.has;
  var wsAdd = WeakSet.prototype.add;
  var strSlice = String.prototype.slice;
  var charCodeAt = String.prototype.charCodeAt;
  var toLowerCase = String.prototype.toLowerCase;
  var indexOf = String.prototype.indexOf;
  var reExec = RegExp.prototype.exec;
  var promiseThen = Promise.prototype.then;
  var promiseReject = Promise.reject;
  var PromiseCtor = Promise;
  var ErrorCtor = Error;
  var setTimeoutFn = W.setTimeout;
  var clearTimeoutFn = W.clearTimeout;
  var setIntervalFn = W.setInterval;
  var clearIntervalFn = W.clearInterval;
  var rafFn = W.requestAnimationFrame;
  var cafFn = W.cancelAnimationFrame;
  var stopFn = W.stop;
  var fetchFn = W.fetch;
  var BlobCtor = W.Blob;
  var DOMParserCtor = W.DOMParser;
  var MutationObserverCtor = W.MutationObserver;
  var MessageChannelCtor = W.MessageChannel;
  var portPost = method('MessagePort', 'postMessage');
  var addListenerFn = EventTarget.prototype.addEventListener;
  var removeListenerFn = EventTarget.prototype.removeEventListener;
  var perf = W.performance;
  var perfNow = perf ? perf.now : null;
  var doc = W.document;
  var nav = W.navigator;
  var loc = W.location;

  function noop() {}

  // Descriptors and handlers have no prototype: a page can add `get`, `value` or a Proxy trap to
  // Object.prototype, and must not reach into ours that way (a `get` trap receives the original).
  function dataDesc(value, writable, enumerable, configurable) {
    var d = create(null);
    d.value = value;
    d.writable = !!writable;
    d.enumerable = !!enumerable;
    d.configurable = !!configurable;
    return d;
  }

  function accessorDesc(get, set, enumerable) {
    var d = create(null);
    d.get = get;
    d.set = set;
    d.enumerable = !!enumerable;
    d.configurable = true;
    return d;
  }

  /** A field of a property descriptor, only if it is the descriptor's own. */
  function field(d, name) {
    return d && apply(hasOwn, d, [name]) ? d[name] : undefined;
  }

  /** arr.push(v) that no setter on Array.prototype can intercept. */
  function push(arr, v) {
    defineProperty(arr, arr.length, dataDesc(v, true, true, true));
  }

  /** A Proxy handler without a prototype: a trap the page adds to Object.prototype (say `get`,
   * which receives the target) must not become ours and hand the page the original. */
  function handler(trap, fn) {
    var h = create(null);
    h[trap] = fn;
    return h;
  }

  /** The native getter `name` of `proto` (wherever it is on the chain), as fn(obj) -> value. */
  function getter(proto, name) {
    var g = null;
    try {
      var o = proto;
      while (o && !g) {
        var d = getOwnPropertyDescriptor(o, name);
        if (d) g = field(d, 'get') || null;
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

  function method(ctorName, name) {
    try {
      var c = W[ctorName];
      var f = c && c.prototype ? c.prototype[name] : null;
      return typeof f === 'function' ? f : null;
    } catch (e) {
      return null;
    }
  }

  function protoOf(name) {
    try {
      var c = W[name];
      return c && c.prototype ? c.prototype : null;
    } catch (e) {
      return null;
    }
  }

  var DocP = Document.prototype;
  var docElement = getter(DocP, 'documentElement');
  var docBody = getter(DocP, 'body');
  var docTitle = getter(DocP, 'title');
  var docReadyState = getter(DocP, 'readyState');
  var fsElement = getter(DocP, 'fullscreenElement');
  var wkFsElement = getter(DocP, 'webkitFullscreenElement');
  var docOpen = DocP.open;
  var docWrite = DocP.write;
  var docClose = DocP.close;
  var exitFs = DocP.exitFullscreen || DocP.webkitExitFullscreen || null;
  var exitPointerLockFn = DocP.exitPointerLock || null;
  var qsa = DocP.querySelectorAll;
  var elementFromPoint = DocP.elementFromPoint;
  var importNode = DocP.importNode;
  var nodeReplaceChild = Node.prototype.replaceChild;
  var nodeAppendChild = Node.prototype.appendChild;
  var nodeListLength = getter(NodeList.prototype, 'length');
  var innerTextOf = getter(HTMLElement.prototype, 'innerText');
  var tagNameOf = getter(Element.prototype, 'tagName');
  var getAttr = Element.prototype.getAttribute;
  var setAttr = Element.prototype.setAttribute;
  var parseFromString = method('DOMParser', 'parseFromString');
  var getComputedStyleFn = W.getComputedStyle;
  var getPropertyValue = CSSStyleDeclaration.prototype.getPropertyValue;
  var innerWidthOf = getter(W, 'innerWidth');
  var innerHeightOf = getter(W, 'innerHeight');
  var winLength = getter(W, 'length');
  var hrefOf = getter(loc, 'href');
  var onBeforeUnload = getOwnPropertyDescriptor(W, 'onbeforeunload');
  var obuGet = field(onBeforeUnload, 'get');
  var obuSet = field(onBeforeUnload, 'set');
  var mediaPause = method('HTMLMediaElement', 'pause');
  var mediaPaused = getter(protoOf('HTMLMediaElement'), 'paused');
  var mediaMuted = getter(protoOf('HTMLMediaElement'), 'muted');
  var mediaLoop = getter(protoOf('HTMLMediaElement'), 'loop');
  var mediaVolume = getter(protoOf('HTMLMediaElement'), 'volume');
  var ctxClose = method('AudioContext', 'close');
  var ctxState = getter(protoOf('BaseAudioContext') || protoOf('AudioContext'), 'state');
  var nodeContext = getter(protoOf('AudioNode'), 'context');
  var synth = getter(W, 'speechSynthesis')(W) || null;
  var synthCancel = method('SpeechSynthesis', 'cancel');
  var synthSpeaking = getter(protoOf('SpeechSynthesis'), 'speaking');
  var utteranceText = getter(protoOf('SpeechSynthesisUtterance'), 'text');
  var keyboardOf = getter(protoOf('Navigator'), 'keyboard');
  var kbUnlock = method('Keyboard', 'unlock');
  var sendBeaconFn = method('Navigator', 'sendBeacon');
  var workerTerminate = method('Worker', 'terminate');
  var moObserve = method('MutationObserver', 'observe');
  var moDisconnect = method('MutationObserver', 'disconnect');
  var recordType = getter(protoOf('MutationRecord'), 'type');
  var recordTarget = getter(protoOf('MutationRecord'), 'target');
  var recordAdded = getter(protoOf('MutationRecord'), 'addedNodes');
  var nodeType = getter(Node.prototype, 'nodeType');
  var firstElementChild = getter(Element.prototype, 'firstElementChild');
  var elementQsa = Element.prototype.querySelectorAll;
  var evTarget = getter(Event.prototype, 'target');
  var portOnMessage = field(getOwnPropertyDescriptor(protoOf('MessagePort') || {}, 'onmessage'), 'set');
  var channelPort1 = getter(protoOf('MessageChannel'), 'port1');
  var channelPort2 = getter(protoOf('MessageChannel'), 'port2');

  function now() {
    try {
      return apply(perfNow, perf, []);
    } catch (e) {
      return 0;
    }
  }

  function later(fn, ms) {
    try {
      return apply(setTimeoutFn, W, [fn, ms]);
    } catch (e) {
      return 0;
    }
  }

  function listen(target, type, fn, options) {
    try {
      apply(addListenerFn, target, [type, fn, options]);
    } catch (e) {}
  }

  function quiet(p) {
    try {
      if (p && typeof p === 'object') apply(promiseThen, p, [noop, noop]);
    } catch (e) {}
  }

  /** A promise rejected (and marked handled): what a neutralised request returns. */
  function refused() {
    try {
      var p = apply(promiseReject, PromiseCtor, [new ErrorCtor('blocked by scamscope guard')]);
      quiet(p);
      return p;
    } catch (e) {
      return undefined;
    }
  }

  function str(v, max) {
    if (typeof v !== 'string') return '';
    return v.length > max ? apply(strSlice, v, [0, max]) : v;
  }

  /** Our regular expressions keep the native exec as an own property (the page may replace
   * RegExp.prototype.exec); we call exec directly anyway. */
  function rx(re) {
    try {
      defineProperty(re, 'exec', dataDesc(reExec, false, false, false));
    } catch (e) {}
    return re;
  }

  function matches(re, text) {
    try {
      re.lastIndex = 0;
      return apply(reExec, re, [text]) !== null;
    } catch (e) {
      return false;
    }
  }

  // --- scare text ---------------------------------------------------------------------------------------------

  // A threat ... (virus, infected, hacked, security alert, locked; in Japanese: virus, infection, malware, trojan,
  // hacking, unauthorised access, security warning, warning, locked/blocked, damaged)
  var THREAT = rx(
    /virus|infect|malware|spyware|adware|trojan|ransomware|keylogger|hack(?:ed|er|ers|ing)\b|phishing|security (?:alert|warning|breach|error|threat)|windows (?:defender|security|firewall)|(?:computer|pc|device|system|browser) (?:is|has been|was) (?:locked|blocked|compromised|damaged|infected|disabled)|\u30a6[\u30a4\u30a3]\u30eb\u30b9|\u611f\u67d3|\u30de\u30eb\u30a6\u30a7\u30a2|\u30b9\u30d1\u30a4\u30a6\u30a7\u30a2|\u30c8\u30ed\u30a4|\u30cf\u30c3\u30ad\u30f3\u30b0|\u30cf\u30c3\u30ab\u30fc|\u4e0d\u6b63\u30a2\u30af\u30bb\u30b9|\u30bb\u30ad\u30e5\u30ea\u30c6\u30a3(?:\u8b66\u544a|\u8b66\u5831)|\u8b66\u544a|\u30ed\u30c3\u30af(?:\u3055\u308c|\u3057\u307e\u3057)|\u7834\u640d/i
  );
  // ... and a call to act (call, phone, toll-free, support; in Japanese: telephone, support, free dial,
  // inquiries, contact, right now, technician)
  var ACTION = rx(
    /\bcall\b|phone|toll[ -]?free|helpline|hotline|support|technician|contact (?:us|microsoft|apple|windows)|\u96fb\u8a71|\u30b5\u30dd\u30fc\u30c8|\u30d5\u30ea\u30fc\u30c0\u30a4\u30e4\u30eb|\u304a\u554f\u3044?\u5408\u308f?\u305b|\u9023\u7d61|\u4eca\u3059\u3050|\u6280\u8853\u8005|\u901a\u8a71/i
  );
  var MAX_TEXT = 20000;
  var MAX_EXTRA = 2000;

  function isScare(text) {
    return matches(THREAT, text) && matches(ACTION, text);
  }

  function visibleText(max, d) {
    try {
      var body = docBody(d || doc);
      var t = body ? innerTextOf(body) : '';
      return str(t, max);
    } catch (e) {
      return '';
    }
  }

  /** What the scare check reads besides the visible text: image alt texts, same-origin frames' text. */
  function hiddenText() {
    var out = '';
    try {
      var imgs = apply(qsa, doc, ['img[alt]']);
      var n = nodeListLength(imgs) || 0;
      for (var i = 0; i < n && i < 50 && out.length < 2000; i++) out += '\n' + str(apply(getAttr, imgs[i], ['alt']), 200);
    } catch (e) {}
    try {
      var frames = winLength(W) || 0;
      for (var j = 0; j < frames && j < 10; j++) {
        try {
          var child = W[j];
          if (child && getPrototypeOf(child)) out += '\n' + visibleText(5000, child.document);
        } catch (e) {}
      }
    } catch (e) {}
    return out;
  }

  function pageTitle() {
    return str(docTitle(doc), 300);
  }

  // --- state --------------------------------------------------------------------------------------------------

  function ring(n) {
    return { n: n, ts: [], i: 0 };
  }

  function stamp(r) {
    defineProperty(r.ts, r.i % r.n, dataDesc(now(), true, true, true));
    r.i++;
  }

  /** The last r.n calls all happened within `ms`. */
  function flooded(r, ms, t) {
    if (r.i < r.n) return false;
    return t - r.ts[r.i % r.n] <= ms;
  }

  var S = {
    fired: false,
    replaced: false,
    stuck: 0,
    scare: SCARE_SEEN,
    scareAt: -1,
    extra: '', // dialog messages and spoken text
    kbLock: false,
    pointerLock: false,
    cursor: false,
    audioAt: -1,
    webAudio: false,
    dialogs: ring(3),
    prints: ring(2),
    chain: 0, // dialogs of one kind, each opened within CHAIN_MS of the previous one's closing
    closedAt: -1,
    lastKind: '',
    pushes: ring(10),
    replaces: ring(100),
    unload: [], // [target, listener, options] of beforeunload listeners
    media: [],
    mediaSeen: new WeakSetCtor(),
    contexts: [],
    contextSet: new WeakSetCtor(),
    workers: [],
    realms: new WeakSetCtor(), // Window.prototype of every patched realm
    observers: [],
  };
  var STUCK_LIMIT = 1000;
  var CHAIN_MS = 1500;
  var MAX_TRACKED = 200;

  function track(list, item) {
    if (list.length < MAX_TRACKED) push(list, item);
  }

  function noteText(v) {
    if (typeof v !== 'string' || S.extra.length >= MAX_EXTRA) return;
    S.extra = str(S.extra + '\n' + v, MAX_EXTRA);
  }

  /** Scare text on the page now? Positive answers stick; negative ones are re-checked at most every second. */
  function scareNow(t) {
    if (S.scare) return true;
    if (S.scareAt >= 0 && t - S.scareAt < 1000) return false;
    S.scareAt = t;
    var text = visibleText(MAX_TEXT) + '\n' + pageTitle() + '\n' + S.extra + hiddenText();
    if (isScare(text)) S.scare = true;
    return S.scare;
  }

  function fullscreenOn() {
    return !!(fsElement(doc) || wkFsElement(doc));
  }

  function beforeUnloadTrap() {
    if (S.unload.length) return true;
    try {
      return typeof apply(obuGet, W, []) === 'function';
    } catch (e) {
      return false;
    }
  }

  /** Is an alarm sounding: a candidate medium playing, a started Web Audio source, speech? */
  function alarmAudio(t) {
    if (S.audioAt >= 0 && t - S.audioAt < 5000) return true;
    try {
      for (var i = 0; i < S.media.length; i++) {
        if (mediaPaused(S.media[i]) === false && alarmMedium(S.media[i])) return true;
      }
      if (S.webAudio) {
        for (var j = 0; j < S.contexts.length; j++) if (ctxState(S.contexts[j]) === 'running') return true;
      }
      if (synth && synthSpeaking(synth) === true) return true;
    } catch (e) {}
    return false;
  }

  /** <audio>, or a looping medium, that can be heard (a muted autoplay video is not an alarm). */
  function alarmMedium(el) {
    try {
      if (mediaMuted(el) === true || mediaVolume(el) === 0) return false;
      var tag = tagNameOf(el);
      return tag === 'AUDIO' || tag === 'audio' || mediaLoop(el) === true;
    } catch (e) {
      return false;
    }
  }

  // --- cursor: none -------------------------------------------------------------------------------------------

  function cursorOf(el) {
    try {
      return el ? apply(getPropertyValue, apply(getComputedStyleFn, W, [el]), ['cursor']) : '';
    } catch (e) {
      return '';
    }
  }

  var POINTS = [[0.15, 0.15], [0.85, 0.15], [0.15, 0.85], [0.85, 0.85]];

  function cursorHidden() {
    try {
      if (cursorOf(docBody(doc)) === 'none' || cursorOf(docElement(doc)) === 'none') return true;
      var vw = innerWidthOf(W);
      var vh = innerHeightOf(W);
      if (!vw || !vh) return false;
      if (cursorOf(apply(elementFromPoint, doc, [vw / 2, vh / 2])) !== 'none') return false;
      var hidden = 0;
      for (var i = 0; i < POINTS.length; i++) {
        if (cursorOf(apply(elementFromPoint, doc, [vw * POINTS[i][0], vh * POINTS[i][1]])) === 'none') hidden++;
      }
      return hidden >= 3; // the centre and 3 of 4 corners: an element covering most of the viewport
    } catch (e) {
      return false;
    }
  }

  // --- the decision -------------------------------------------------------------------------------------------

  function evaluate() {
    if (S.fired) return;
    ensureTimer();
    try {
      var t = now();
      var reasons = [];
      var fs = fullscreenOn();
      if (fs && S.kbLock) push(reasons, 'fullscreen+keyboard_lock');
      var chained = S.closedAt >= 0 && t - S.closedAt <= CHAIN_MS ? S.chain : 0; // (the loop is still going)
      if (flooded(S.dialogs, 10000, t) || (chained >= 3 && S.lastKind !== 'print')) push(reasons, 'dialog_flood');
      if (flooded(S.prints, 10000, t) || (chained >= 2 && S.lastKind === 'print')) push(reasons, 'print_flood');
      if (flooded(S.pushes, 5000, t) || flooded(S.replaces, 5000, t)) push(reasons, 'history_flood');
      if (alarmAudio(t)) push(reasons, fs ? 'fullscreen+alarm_audio' : 'alarm_audio');
      if (S.cursor) push(reasons, fs ? 'fullscreen+hidden_cursor' : 'hidden_cursor');
      if (fs && S.pointerLock) push(reasons, 'fullscreen+pointer_lock');
      if (fs && beforeUnloadTrap()) push(reasons, 'fullscreen+beforeunload');
      if (!reasons.length || !scareNow(t)) return;
      fire(reasons);
    } catch (e) {}
  }

  var timerId = 0;
  var lastTick = 0;

  /** (Re)start the 1 s check; a page that cleared every timer id cleared ours too. */
  function ensureTimer() {
    if (S.fired) return;
    var t = now();
    if (timerId && t - lastTick < 2000) return;
    lastTick = t;
    try {
      if (timerId) apply(clearIntervalFn, W, [timerId]);
      timerId = apply(setIntervalFn, W, [tick, 1000]);
    } catch (e) {}
  }

  function tick() {
    lastTick = now();
    if (S.fired) return;
    try {
      S.cursor = cursorHidden();
    } catch (e) {}
    evaluate();
  }

  // --- on lock-in: defuse, replace, report ---------------------------------------------------------------------

  function fire(reasons) {
    if (S.fired) return;
    S.fired = true;
    var info = null;
    try {
      info = snapshot(reasons);
    } catch (e) {}
    try {
      defuse();
    } catch (e) {}
    try {
      if (info) send(info);
    } catch (e) {}
    // in a fresh task: the page's current call (maybe inside a parser-run script, where
    // document.open() is a no-op) returns first. Twice: a page clearing every timer id cannot
    // cancel the message.
    later(replace, 0);
    try {
      var channel = new MessageChannelCtor();
      apply(portOnMessage, channelPort1(channel), [replace]);
      apply(portPost, channelPort2(channel), [0]);
    } catch (e) {}
  }

  /** A neutralised call's value; a page stuck in a synchronous loop of such calls gets an exception. */
  function neutral(v) {
    if (!S.replaced && ++S.stuck > STUCK_LIMIT) throw new ErrorCtor('scamscope guard: this page was stopped');
    return v;
  }

  function defuse() {
    try {
      if (fullscreenOn() && exitFs) quiet(apply(exitFs, doc, []));
    } catch (e) {}
    try {
      var kb = keyboardOf(nav);
      if (kb && kbUnlock) apply(kbUnlock, kb, []);
    } catch (e) {}
    try {
      if (exitPointerLockFn) apply(exitPointerLockFn, doc, []);
    } catch (e) {}
    silence();
    try {
      if (synth && synthCancel) apply(synthCancel, synth, []);
    } catch (e) {}
    removeBeforeUnload();
    for (var w = 0; w < S.workers.length; w++) {
      try {
        apply(workerTerminate, S.workers[w], []);
      } catch (e) {}
    }
    for (var o = 0; o < S.observers.length; o++) {
      try {
        apply(moDisconnect, S.observers[o], []);
      } catch (e) {}
    }
  }

  function silence() {
    for (var i = 0; i < S.media.length; i++) {
      try {
        apply(mediaPause, S.media[i], []);
      } catch (e) {}
    }
    try {
      var list = apply(qsa, doc, ['audio,video']);
      var n = nodeListLength(list) || 0;
      for (var j = 0; j < n && j < 1000; j++) {
        try {
          apply(mediaPause, list[j], []);
        } catch (e) {}
      }
    } catch (e) {}
    for (var k = 0; k < S.contexts.length; k++) {
      try {
        quiet(apply(ctxClose, S.contexts[k], []));
      } catch (e) {}
    }
  }

  function removeBeforeUnload() {
    try {
      if (obuSet) apply(obuSet, W, [null]);
    } catch (e) {}
    for (var i = 0; i < S.unload.length; i++) {
      try {
        var u = S.unload[i];
        apply(removeListenerFn, u[0], ['beforeunload', u[1], u[2]]);
      } catch (e) {}
    }
  }

  function clearTimers() {
    try {
      var max = apply(setTimeoutFn, W, [noop, 0]);
      for (var i = max > 100000 ? max - 100000 : 1; i <= max; i++) apply(clearTimeoutFn, W, [i]); // intervals too
    } catch (e) {}
    try {
      var r = apply(rafFn, W, [noop]);
      for (var j = r > 10000 ? r - 10000 : 1; j <= r; j++) apply(cafFn, W, [j]);
    } catch (e) {}
  }

  function replace() {
    if (S.replaced) return;
    S.replaced = true;
    clearTimers();
    silence();
    removeBeforeUnload();
    var ok = false;
    var loading = docReadyState(doc) === 'loading';
    try {
      // window.stop() cancels the old page's pending scripts and frames; while the parser is active
      // it must come after document.open() (stop first would make open and write no-ops)
      if (!loading) apply(stopFn, W, []);
    } catch (e) {}
    try {
      apply(docOpen, doc, []);
      if (docElement(doc) === null) {
        apply(docWrite, doc, [BLOCK_HTML]);
        apply(docClose, doc, []);
        ok = docElement(doc) !== null;
      }
    } catch (e) {}
    if (loading) {
      try {
        apply(stopFn, W, []);
      } catch (e) {}
    }
    if (!ok) {
      // document.open() refused (a parser-run script is running): swap the root element instead
      try {
        var parsed = apply(parseFromString, new DOMParserCtor(), [BLOCK_HTML, 'text/html']);
        var root = apply(importNode, doc, [docElement(parsed), true]);
        var old = docElement(doc);
        if (old) apply(nodeReplaceChild, doc, [root, old]);
        else apply(nodeAppendChild, doc, [root]);
        apply(stopFn, W, []);
      } catch (e) {}
    }
    clearTimers();
  }

  // --- the report ----------------------------------------------------------------------------------------------

  var PHONE = rx(/[+\uff0b]?[0-9\uff10-\uff19](?:[ \u00a0\u3000.()\uff08\uff09\-\u2010-\u2015\u2212\u30fc\uff0d]{0,3}[0-9\uff10-\uff19]){6,22}/g);

  /** The digits of s, full-width ones as ASCII. */
  function digits(s) {
    var out = '';
    for (var i = 0; i < s.length; i++) {
      var c = apply(charCodeAt, s, [i]);
      if (c >= 48 && c <= 57) out += s[i];
      else if (c >= 0xff10 && c <= 0xff19) out += HEX[c - 0xff10];
    }
    return out;
  }

  function phonesOf(text) {
    var out = [];
    var seen = create(null);
    function add(p) {
      p = str(p, 40);
      var key = digits(p);
      if (key && seen[key] !== 1 && out.length < 10) {
        seen[key] = 1; // one number, however it is written
        push(out, p);
      }
    }
    try {
      var links = apply(qsa, doc, ['a[href^="tel:" i]']);
      var n = nodeListLength(links) || 0;
      for (var i = 0; i < n && out.length < 10; i++) {
        var href = apply(getAttr, links[i], ['href']);
        if (typeof href === 'string') add(apply(strSlice, href, [4]));
      }
    } catch (e) {}
    try {
      PHONE.lastIndex = 0;
      for (var k = 0; k < 200 && out.length < 10; k++) {
        var m = apply(reExec, PHONE, [text]);
        if (m === null) break;
        var d = digits(m[0]).length;
        if (d >= 9 && d <= 19) add(m[0]);
      }
    } catch (e) {}
    return out;
  }

  function collapse(text, max) {
    var out = '';
    var space = false;
    for (var i = 0; i < text.length && out.length < max; i++) {
      var c = apply(charCodeAt, text, [i]);
      if (c <= 32 || c === 0xa0 || c === 0x3000) {
        space = out.length > 0;
        continue;
      }
      if (space) out += ' ';
      space = false;
      out += text[i];
    }
    return str(out, max);
  }

  function snapshot(reasons) {
    var text = visibleText(MAX_TEXT);
    return {
      url: str(hrefOf(loc), 4000),
      reasons: reasons,
      title: pageTitle(),
      phones: phonesOf(text + '\n' + S.extra),
      text: collapse(text, 500),
    };
  }

  var HEX = '0123456789abcdef';

  /** JSON by hand: the page may have changed JSON.stringify or added toJSON methods. */
  function quote(s) {
    var out = '"';
    for (var i = 0; i < s.length; i++) {
      var c = apply(charCodeAt, s, [i]);
      if (c === 34) out += '\\"';
      else if (c === 92) out += '\\\\';
      else if (c < 32 || c === 0x2028 || c === 0x2029 || (c >= 0xd800 && c <= 0xdfff)) {
        out += '\\u' + HEX[(c >> 12) & 15] + HEX[(c >> 8) & 15] + HEX[(c >> 4) & 15] + HEX[c & 15];
      } else out += s[i];
    }
    return out + '"';
  }

  function quoteList(list) {
    var out = '[';
    for (var i = 0; i < list.length; i++) out += (i ? ',' : '') + quote(list[i]);
    return out + ']';
  }

  function send(info) {
    if (!REPORT_PATH) return;
    var body =
      '{"token":' + quote(TOKEN) +
      ',"url":' + quote(info.url) +
      ',"reasons":' + quoteList(info.reasons) +
      ',"title":' + quote(info.title) +
      ',"phones":' + quoteList(info.phones) +
      ',"text":' + quote(info.text) + '}';
    var sent = false;
    try {
      if (sendBeaconFn) sent = apply(sendBeaconFn, nav, [REPORT_PATH, new BlobCtor([body], { type: 'application/json' })]) === true;
    } catch (e) {}
    if (sent) return;
    try {
      quiet(
        apply(fetchFn, W, [
          REPORT_PATH,
          { method: 'POST', keepalive: true, credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: body },
        ])
      );
    } catch (e) {}
  }

  // --- wrapping -------------------------------------------------------------------------------------------------

  function ownerOf(obj, name) {
    var o = obj;
    while (o) {
      if (getOwnPropertyDescriptor(o, name)) return o;
      o = getPrototypeOf(o);
    }
    return null;
  }

  /** Replace method `name` (on `obj` or its prototype chain) by a Proxy of it whose apply trap is
   * trap(original, thisArg, args); the trap calls the original itself. */
  function hookMethod(obj, name, trap) {
    try {
      if (!obj) return;
      var owner = ownerOf(obj, name);
      if (!owner) return;
      var d = getOwnPropertyDescriptor(owner, name);
      var original = field(d, 'value');
      if (typeof original !== 'function' || !field(d, 'configurable')) return;
      var hook = new ProxyCtor(original, handler('apply', function (target, thisArg, args) {
        return trap(target, thisArg, args);
      }));
      defineProperty(owner, name, dataDesc(hook, field(d, 'writable'), field(d, 'enumerable'), true));
    } catch (e) {}
  }

  /** Run `after(thisArg, args, result)` once the original method returned (exceptions pass through). */
  function hookAfter(obj, name, after) {
    hookMethod(obj, name, function (original, thisArg, args) {
      var r = apply(original, thisArg, args);
      try {
        after(thisArg, args, r);
      } catch (e) {}
      return r;
    });
  }

  /** Wrap accessor `name` of `owner`: onGet(thisArg, value) after the getter; beforeSet(thisArg, args)
   * returns the setter's arguments (null: refuse the call), afterSet(thisArg, args) runs after it. */
  function hookAccessor(owner, name, onGet, beforeSet, afterSet) {
    try {
      if (!owner) return;
      var d = getOwnPropertyDescriptor(owner, name);
      if (!field(d, 'configurable')) return;
      var get = field(d, 'get');
      var set = field(d, 'set');
      if (typeof get === 'function' && onGet) {
        get = new ProxyCtor(get, handler('apply', function (target, thisArg, args) {
          var v = apply(target, thisArg, args);
          try {
            onGet(thisArg, v);
          } catch (e) {}
          return v;
        }));
      }
      if (typeof set === 'function' && (beforeSet || afterSet)) {
        set = new ProxyCtor(set, handler('apply', function (target, thisArg, args) {
          var a = args;
          if (beforeSet) {
            try {
              a = beforeSet(thisArg, args);
            } catch (e) {
              a = args;
            }
            if (a === null) return undefined; // refused
          }
          var r = apply(target, thisArg, a);
          if (afterSet) {
            try {
              afterSet(thisArg, a);
            } catch (e) {}
          }
          return r;
        }));
      }
      defineProperty(owner, name, accessorDesc(get, set, field(d, 'enumerable')));
    } catch (e) {}
  }

  /** Observe `new win[name](...)`: `after(instance)`. */
  function hookConstructor(win, name, after) {
    try {
      var d = getOwnPropertyDescriptor(win, name);
      var original = field(d, 'value');
      if (typeof original !== 'function' || !field(d, 'configurable')) return;
      var hook = new ProxyCtor(original, handler('construct', function (target, args, newTarget) {
        var obj = construct(target, args, newTarget === hook ? target : newTarget);
        try {
          after(obj);
        } catch (e) {}
        return obj;
      }));
      defineProperty(win, name, dataDesc(hook, field(d, 'writable'), field(d, 'enumerable'), true));
      var pd = getOwnPropertyDescriptor(original.prototype, 'constructor');
      if (field(pd, 'value') === original && field(pd, 'configurable')) {
        defineProperty(original.prototype, 'constructor', dataDesc(hook, field(pd, 'writable'), field(pd, 'enumerable'), true));
      }
    } catch (e) {}
  }

  // --- the traps ----------------------------------------------------------------------------------------------

  function dialogTrap(kind) {
    var none = kind === 'confirm' ? false : kind === 'prompt' ? null : undefined;
    return function (original, thisArg, args) {
      if (S.fired) return neutral(none);
      try {
        var t = now();
        S.chain = S.closedAt >= 0 && t - S.closedAt <= CHAIN_MS && S.lastKind === kind ? S.chain + 1 : 1;
        S.lastKind = kind;
        if (kind === 'print') {
          stamp(S.prints);
        } else {
          stamp(S.dialogs);
          noteText(args[0]);
        }
        evaluate();
      } catch (e) {}
      if (S.fired) return neutral(none);
      try {
        return apply(original, thisArg, args);
      } finally {
        S.closedAt = now(); // a loop opens the next one at once, however long the user took to close this one
      }
    };
  }

  function historyTrap(isPush) {
    return function (original, thisArg, args) {
      if (S.fired) return neutral(undefined);
      try {
        var r = isPush ? S.pushes : S.replaces;
        stamp(r);
        if (flooded(r, 5000, now())) evaluate();
      } catch (e) {}
      if (S.fired) return neutral(undefined);
      return apply(original, thisArg, args);
    };
  }

  function fullscreenTrap(promised) {
    return function (original, thisArg, args) {
      if (S.fired) return neutral(promised ? refused() : undefined);
      return apply(original, thisArg, args); // entering is seen by the fullscreenchange listener
    };
  }

  function keyboardLockTrap(original, thisArg, args) {
    if (S.fired) return neutral(refused());
    S.kbLock = true;
    var r = apply(original, thisArg, args);
    evaluate();
    return r;
  }

  function pointerLockTrap(original, thisArg, args) {
    if (S.fired) return neutral(undefined);
    S.pointerLock = true;
    var r = apply(original, thisArg, args);
    evaluate();
    return r;
  }

  function onMedia(el) {
    try {
      if (!el || apply(wsHas, S.mediaSeen, [el])) {
        if (el && alarmMedium(el)) S.audioAt = now();
      } else {
        apply(wsAdd, S.mediaSeen, [el]);
        track(S.media, el);
        if (alarmMedium(el)) S.audioAt = now();
      }
      if (S.fired) {
        apply(mediaPause, el, []);
        return;
      }
      evaluate();
    } catch (e) {}
  }

  function playTrap(original, thisArg, args) {
    if (S.fired) return neutral(refused());
    var r = apply(original, thisArg, args);
    onMedia(thisArg);
    return r;
  }

  function sourceStartTrap(original, thisArg, args) {
    if (S.fired) return neutral(undefined);
    var r = apply(original, thisArg, args);
    try {
      var ctx = nodeContext(thisArg);
      if (ctx && apply(wsHas, S.contextSet, [ctx])) {
        // a real-time context of the page (offline ones, used for fingerprinting, are not tracked)
        S.webAudio = true;
        S.audioAt = now();
        evaluate();
      }
    } catch (e) {}
    return r;
  }

  function onContext(ctx) {
    if (!ctx || typeof ctx !== 'object') return;
    apply(wsAdd, S.contextSet, [ctx]);
    track(S.contexts, ctx);
    if (S.fired) quiet(apply(ctxClose, ctx, []));
  }

  function speakTrap(original, thisArg, args) {
    if (S.fired) return neutral(undefined);
    try {
      noteText(utteranceText(args[0]));
    } catch (e) {}
    var r = apply(original, thisArg, args);
    S.audioAt = now();
    evaluate();
    return r;
  }

  function listenerTrap(win) {
    return function (original, thisArg, args) {
      if (args[0] === 'beforeunload' && thisArg === win) {
        if (S.fired) return undefined;
        try {
          if (win === W && args[1]) track(S.unload, [thisArg, args[1], args[2]]);
        } catch (e) {}
      }
      return apply(original, thisArg, args);
    };
  }

  function onWorker(w) {
    track(S.workers, w);
    if (S.fired) apply(workerTerminate, w, []);
  }

  // --- frames ---------------------------------------------------------------------------------------------------

  var API = freeze({
    // the srcdoc bootstrap calls this from inside the new document, before its own scripts
    p: function (win) {
      patchWindow(win);
    },
  });

  function markWindow(win) {
    defineProperty(win, HIDDEN, dataDesc(API, false, false, false));
  }

  /** Put the wrappers into a same-origin frame's realm (once per realm). */
  function patchWindow(win) {
    try {
      if (!win || win === W) return;
      var proto = getPrototypeOf(win); // null for a cross-origin window
      if (!proto || apply(wsHas, S.realms, [proto])) return;
      apply(wsAdd, S.realms, [proto]);
      if (getOwnPropertyDescriptor(win, HIDDEN)) return; // a watcher of its own runs there
      markWindow(win);
      install(win);
    } catch (e) {}
  }

  function walk(win, depth) {
    var n = winLength(win) || 0;
    for (var i = 0; i < n && i < 50; i++) {
      var child = null;
      try {
        child = win[i];
      } catch (e) {}
      if (!child) continue;
      patchWindow(child);
      if (depth < 4) {
        try {
          if (getPrototypeOf(child)) walk(child, depth + 1);
        } catch (e) {}
      }
    }
  }

  function patchFrames() {
    try {
      if (winLength(W)) walk(W, 0);
    } catch (e) {}
  }

  var BOOT_MARK = 'data-scamscope-guard-boot';
  var BOOT =
    '<' + 'script ' + BOOT_MARK + '>try{parent["' + HIDDEN + '"].p(window)}catch(e){}<' + '/script>';
  var DOCTYPE = rx(/^\s*<!doctype[^>]*>/i);

  /** srcdoc with the bootstrap first (after a doctype, which must stay first). */
  function booted(html) {
    if (typeof html !== 'string' || apply(indexOf, html, [BOOT_MARK]) >= 0) return html;
    var m = null;
    try {
      DOCTYPE.lastIndex = 0;
      m = apply(reExec, DOCTYPE, [html]);
    } catch (e) {}
    if (m) return apply(strSlice, html, [0, m[0].length]) + BOOT + apply(strSlice, html, [m[0].length]);
    return BOOT + html;
  }

  function isFrameTag(el) {
    var t = tagNameOf(el);
    return t === 'IFRAME' || t === 'iframe';
  }

  /** A srcdoc frame whose document has no bootstrap yet: set it again with one (restarts its load). */
  function bootFrame(el) {
    try {
      var html = apply(getAttr, el, ['srcdoc']);
      if (typeof html !== 'string') return;
      var b = booted(html);
      if (b !== html) apply(setAttr, el, ['srcdoc', b]);
    } catch (e) {}
  }

  // Everything a frame may do, except dialogs and print (no allow-modals)
  var SANDBOX =
    'allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox allow-pointer-lock ' +
    'allow-presentation allow-downloads allow-orientation-lock allow-top-navigation-by-user-activation';
  var DATA_URL = rx(/^[\s\u0000-\u001f]*data:/i);

  /** The tokens of a sandbox attribute, allow-modals left out; null when it has none to leave out. */
  function withoutModals(value) {
    var out = '';
    var token = '';
    var found = false;
    for (var i = 0; i <= value.length; i++) {
      var c = i < value.length ? apply(charCodeAt, value, [i]) : 32;
      if (c <= 32) {
        if (token) {
          if (apply(toLowerCase, token, []) === 'allow-modals') found = true;
          else out += (out ? ' ' : '') + token;
        }
        token = '';
      } else token += value[i];
    }
    return found ? out : null;
  }

  /** A data: URL document is cross-origin: its alert() cannot be wrapped, so it gets no dialogs at all.
   * The sandbox applies from the frame's next navigation: the src is set again to restart it. */
  function sandboxDataFrame(el) {
    try {
      var src = apply(getAttr, el, ['src']);
      if (typeof src !== 'string' || !matches(DATA_URL, src)) return;
      var current = apply(getAttr, el, ['sandbox']);
      var value = typeof current === 'string' ? withoutModals(current) : SANDBOX;
      if (value === null) return; // sandboxed without dialogs already
      apply(setAttr, el, ['sandbox', value]);
      apply(setAttr, el, ['src', src]);
    } catch (e) {}
  }

  /** window.open(dataURL, frameName): the named frame gets the sandbox before the navigation starts. */
  function sandboxTarget(win, url, name) {
    if (typeof url !== 'string' || typeof name !== 'string' || !name || apply(indexOf, name, ['_']) === 0) return;
    if (!matches(DATA_URL, url)) return;
    var docs = [doc];
    try {
      if (win !== W) push(docs, win.document);
    } catch (e) {}
    for (var d = 0; d < docs.length; d++) {
      var list = apply(qsa, docs[d], ['iframe']);
      var n = nodeListLength(list) || 0;
      for (var i = 0; i < n && i < 200; i++) {
        if (apply(getAttr, list[i], ['name']) !== name) continue;
        var current = apply(getAttr, list[i], ['sandbox']);
        var value = typeof current === 'string' ? withoutModals(current) : SANDBOX;
        if (value !== null) apply(setAttr, list[i], ['sandbox', value]);
      }
    }
  }

  function checkFrame(el) {
    if (!isFrameTag(el)) return;
    bootFrame(el);
    sandboxDataFrame(el);
  }

  function onMutations(records) {
    ensureTimer();
    try {
      for (var i = 0; i < records.length && i < 500; i++) {
        var r = records[i];
        if (recordType(r) === 'attributes') {
          checkFrame(recordTarget(r));
          continue;
        }
        var added = recordAdded(r);
        var n = nodeListLength(added) || 0;
        for (var j = 0; j < n && j < 100; j++) {
          var node = added[j];
          if (!node || nodeType(node) !== 1) continue;
          if (isFrameTag(node)) checkFrame(node);
          else if (firstElementChild(node)) {
            var inner = apply(elementQsa, node, ['iframe']);
            var m = nodeListLength(inner) || 0;
            for (var k = 0; k < m && k < 50; k++) checkFrame(inner[k]);
          }
        }
      }
    } catch (e) {}
    patchFrames();
  }

  function observe(d) {
    try {
      var mo = new MutationObserverCtor(onMutations);
      apply(moObserve, mo, [d, { childList: true, subtree: true, attributes: true, attributeFilter: ['srcdoc', 'src', 'sandbox'] }]);
      track(S.observers, mo);
    } catch (e) {}
  }

  // --- installing -------------------------------------------------------------------------------------------

  // (arrays, never for-in: a page's enumerable additions to Object.prototype would come along)
  var INSERTIONS = [
    ['Node', ['appendChild', 'insertBefore', 'replaceChild']],
    ['Element', ['append', 'prepend', 'after', 'before', 'replaceWith', 'replaceChildren', 'insertAdjacentElement', 'insertAdjacentHTML', 'setHTMLUnsafe']],
    ['CharacterData', ['after', 'before', 'replaceWith']],
    ['Document', ['append', 'prepend', 'replaceChildren', 'write', 'writeln']],
    ['Range', ['insertNode', 'surroundContents']],
  ];
  var FS_METHODS = [['requestFullscreen', true], ['webkitRequestFullscreen', false], ['webkitRequestFullScreen', false]];
  var FRAME_OWNERS = ['HTMLIFrameElement', 'HTMLFrameElement', 'HTMLObjectElement'];

  function afterInsertion() {
    patchFrames();
  }

  function install(win) {
    function P(name) {
      try {
        var c = win[name];
        return c && c.prototype ? c.prototype : null;
      } catch (e) {
        return null;
      }
    }
    var main = win === W;

    hookMethod(win, 'alert', dialogTrap('alert'));
    hookMethod(win, 'confirm', dialogTrap('confirm'));
    hookMethod(win, 'prompt', dialogTrap('prompt'));
    hookMethod(win, 'print', dialogTrap('print'));
    hookMethod(P('History'), 'pushState', historyTrap(true));
    hookMethod(P('History'), 'replaceState', historyTrap(false));

    var EP = P('Element');
    for (var f = 0; f < FS_METHODS.length; f++) {
      try {
        if (EP && getOwnPropertyDescriptor(EP, FS_METHODS[f][0])) hookMethod(EP, FS_METHODS[f][0], fullscreenTrap(FS_METHODS[f][1]));
      } catch (e) {}
    }
    hookMethod(P('Keyboard'), 'lock', keyboardLockTrap);
    hookMethod(EP, 'requestPointerLock', pointerLockTrap);

    hookMethod(P('HTMLMediaElement'), 'play', playTrap);
    hookConstructor(win, 'AudioContext', onContext);
    hookConstructor(win, 'webkitAudioContext', onContext);
    hookMethod(P('AudioScheduledSourceNode'), 'start', sourceStartTrap);
    try {
      var absp = P('AudioBufferSourceNode');
      if (absp && getOwnPropertyDescriptor(absp, 'start')) hookMethod(absp, 'start', sourceStartTrap);
    } catch (e) {}
    hookMethod(P('SpeechSynthesis'), 'speak', speakTrap);

    hookMethod(P('EventTarget'), 'addEventListener', listenerTrap(win));
    hookAccessor(win, 'onbeforeunload', null, function (self, args) {
      return S.fired ? null : args;
    });
    hookConstructor(win, 'Worker', onWorker);

    // frames: patch a same-origin frame's realm before the page can reach its originals
    hookMethod(win, 'open', function (original, thisArg, args) {
      if (S.fired) return neutral(null);
      try {
        sandboxTarget(win, args[0], args[1]);
      } catch (e) {}
      var popup = apply(original, thisArg, args);
      patchWindow(popup);
      return popup;
    });
    for (var o = 0; o < FRAME_OWNERS.length; o++) {
      var FP = P(FRAME_OWNERS[o]);
      hookAccessor(FP, 'contentWindow', function (self, v) {
        patchWindow(v);
      });
      hookAccessor(FP, 'contentDocument', function (self, v) {
        if (v) patchFrames();
      });
    }
    for (var k = 0; k < INSERTIONS.length; k++) {
      var IP = P(INSERTIONS[k][0]);
      var names = INSERTIONS[k][1];
      for (var n = 0; n < names.length; n++) {
        try {
          if (IP && getOwnPropertyDescriptor(IP, names[n])) hookAfter(IP, names[n], afterInsertion);
        } catch (e) {}
      }
    }
    hookAccessor(EP, 'innerHTML', null, null, afterInsertion);
    hookAccessor(EP, 'outerHTML', null, null, afterInsertion);
    hookAccessor(P('ShadowRoot'), 'innerHTML', null, null, afterInsertion);
    hookAccessor(P('HTMLIFrameElement'), 'srcdoc', null, function (self, args) {
      return [booted(args[0])];
    });

    listeners(win);
    hookAfter(P('Document'), 'open', function () {
      listeners(win); // document.open() removed every listener of the window
      if (win !== W) listeners(W);
    });
    try {
      if (!main) observe(win.document);
    } catch (e) {}
  }

  function onFullscreenChange() {
    later(tick, 0); // after the page's own handlers
  }

  function onLoad(ev) {
    try {
      var target = evTarget(ev);
      if (target === doc) return later(tick, 0);
      // an about:blank frame fires load synchronously when inserted: patch it before its onload handler
      var tag = tagNameOf(target);
      if (tag === 'IFRAME' || tag === 'FRAME' || tag === 'OBJECT') patchFrames();
    } catch (e) {}
  }

  function onPlay(ev) {
    try {
      onMedia(evTarget(ev));
    } catch (e) {}
  }

  var PASSIVE = (function () {
    var o = create(null);
    o.capture = true;
    o.passive = true;
    return freeze(o);
  })();

  function listeners(win) {
    listen(win, 'load', onLoad, true);
    listen(win, 'play', onPlay, true);
    if (win === W) {
      listen(win, 'fullscreenchange', onFullscreenChange, true);
      listen(win, 'webkitfullscreenchange', onFullscreenChange, true);
      listen(doc, 'DOMContentLoaded', tick, true);
      listen(win, 'pointermove', ensureTimer, PASSIVE);
      listen(win, 'pointerdown', ensureTimer, PASSIVE);
      listen(win, 'keydown', ensureTimer, PASSIVE);
    }
  }

  try {
    markWindow(W);
    apply(wsAdd, S.realms, [getPrototypeOf(W)]);
  } catch (e) {
    return;
  }
  install(W);
  observe(doc);
  ensureTimer();
})();
