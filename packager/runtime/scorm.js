/*
 * SCORM tracking adapter: implements the course runtime's tracking interface
 * (window.CourseTracking) over the LMS's SCORM 1.2 or 2004 API, and runs the launch page.
 *
 * The launch page is the SCO. It finds the API the standard way (this window's parents,
 * then the opener's), initialises once, shows the course's pages in a frame, and
 * terminates once, on pagehide. Each page of the course commits its state as it changes
 * (page viewed, question answered), so closing the tab loses nothing already answered.
 * With no LMS it leaves CourseTracking unset: the course runs in preview mode.
 */
(function () {
  'use strict';

  /* Values cross frames (the adapter lives in the launch page), so arrays are checked
     without instanceof, which fails across windows. */
  function isArray(v) { return Object.prototype.toString.call(v) === '[object Array]'; }

  var version = (window.COURSE_SCORM && window.COURSE_SCORM.version) || '2004';
  var is12 = version === '1.2';
  var frame = document.getElementById('course-frame');

  function findIn(win, name) {
    for (var hops = 0; win && hops < 500; hops++) {
      try { if (win[name]) { return win[name]; } } catch (e) { /* another origin: keep climbing */ }
      if (!win.parent || win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }

  function findAPI() {
    var name = is12 ? 'API' : 'API_1484_11';
    var api = findIn(window.parent !== window ? window.parent : null, name);
    if (!api && window.top && window.top.opener) { api = findIn(window.top.opener, name); }
    if (!api && window.opener) { api = findIn(window.opener, name); }
    return api;
  }

  var api = findAPI();

  function startCourse(page) {
    frame.src = (page || 'index') + '.html';
  }

  if (!api) {
    startCourse('index');
    return;
  }

  var call = is12 ? {
    init: function () { return api.LMSInitialize(''); },
    get: function (k) { return api.LMSGetValue(k); },
    set: function (k, v) { return api.LMSSetValue(k, String(v)); },
    commit: function () { return api.LMSCommit(''); },
    finish: function () { return api.LMSFinish(''); }
  } : {
    init: function () { return api.Initialize(''); },
    get: function (k) { return api.GetValue(k); },
    set: function (k, v) { return api.SetValue(k, String(v)); },
    commit: function () { return api.Commit(''); },
    finish: function () { return api.Terminate(''); }
  };

  var el = is12 ? {
    location: 'cmi.core.lesson_location', entry: 'cmi.core.entry', exit: 'cmi.core.exit',
    sessionTime: 'cmi.core.session_time', raw: 'cmi.core.score.raw', min: 'cmi.core.score.min',
    max: 'cmi.core.score.max', status: 'cmi.core.lesson_status'
  } : {
    location: 'cmi.location', entry: 'cmi.entry', exit: 'cmi.exit', sessionTime: 'cmi.session_time',
    raw: 'cmi.score.raw', min: 'cmi.score.min', max: 'cmi.score.max', scaled: 'cmi.score.scaled',
    completion: 'cmi.completion_status', success: 'cmi.success_status', progress: 'cmi.progress_measure'
  };

  var started = new Date().getTime();
  var finished = false;
  var done = false;
  var lastSuspend = null;
  var ok = String(call.init()) === 'true';
  if (!ok) { startCourse('index'); return; }

  var entry = call.get(el.entry);
  var suspend = call.get('cmi.suspend_data');
  var location = call.get(el.location);
  /* How many interactions may be journalled, worked out at packaging so that a whole
     commit stays under what a browser sends as a page closes. */
  var caps = (window.COURSE_SCORM && window.COURSE_SCORM.interactions) || { max: 0, checks: 0 };
  var journalled = Number(call.get('cmi.interactions._count')) || 0;

  // A first visit must not be left "not attempted": 1.2 LMSs mark that completed on exit.
  if (is12) {
    var status = call.get(el.status);
    if (status === 'not attempted' || status === '') { call.set(el.status, 'incomplete'); }
  } else {
    var cs = call.get(el.completion);
    if (cs === 'unknown' || cs === 'not attempted' || cs === '') { call.set(el.completion, 'incomplete'); }
  }
  /* Suspend from the start: a session that ends without Terminate (a crash, a killed
     tab, a commit the browser dropped) still resumes next time. */
  call.set(el.exit, 'suspend');
  call.commit();

  function twoDigits(n) { return (n < 10 ? '0' : '') + n; }

  function sessionTime() {
    var cs = Math.max(0, Math.round((new Date().getTime() - started) / 10));
    var h = Math.floor(cs / 360000), m = Math.floor(cs / 6000) % 60, s = Math.floor(cs / 100) % 60, c = cs % 100;
    if (is12) {
      return (h < 1000 ? ('000' + h).slice(-4) : String(Math.min(h, 9999))) + ':' + twoDigits(m) + ':' + twoDigits(s) + '.' + twoDigits(c);
    }
    return 'PT' + h + 'H' + m + 'M' + s + (c ? '.' + twoDigits(c) : '') + 'S';
  }

  function timestamp() {
    var d = new Date();
    if (is12) { return twoDigits(d.getHours()) + ':' + twoDigits(d.getMinutes()) + ':' + twoDigits(d.getSeconds()); }
    return d.getFullYear() + '-' + twoDigits(d.getMonth() + 1) + '-' + twoDigits(d.getDate()) + 'T' +
      twoDigits(d.getHours()) + ':' + twoDigits(d.getMinutes()) + ':' + twoDigits(d.getSeconds());
  }

  /* Responses in each version's vocabulary. 1.2 identifies options by single characters
     (a-z, 0-9) in authored order; 2004 uses the course's stable option ids. */
  var LETTERS = 'abcdefghijklmnopqrstuvwxyz0123456789';
  function position(list, id) { for (var j = 0; j < list.length; j++) { if (list[j] === id) { return j; } } return -1; }
  function letter(list, id) { return LETTERS.charAt(position(list, id)); }
  /* A set of options, in the order the author wrote them, so that a response reads
     like its pattern whatever order the learner ticked them in. */
  function inOrder(list, ids) {
    return ids.slice().sort(function (a, b) { return position(list, a) - position(list, b); });
  }

  function format(q, value) {
    var opts = q.options || [], sep = is12 ? ',' : '[,]';
    switch (q.kind) {
      case 'true-false':
        var idx = 0; for (var j = 0; j < opts.length; j++) { if (opts[j] === value) { idx = j; } }
        var truth = value === 'true' || value === 'false' ? value === 'true' : idx === 0;
        return is12 ? (truth ? 't' : 'f') : (truth ? 'true' : 'false');
      case 'single':
      case 'multiple':
        var ids = inOrder(opts, isArray(value) ? value : [value]);
        return ids.map(function (id) { return is12 ? letter(opts, id) : id; }).join(sep);
      case 'matching':
        var pairs = [];
        for (var left in value) {
          if (Object.prototype.hasOwnProperty.call(value, left)) {
            pairs.push(is12 ? letter(opts, left) + '.' + letter(q.targets || [], value[left]) : left + '[.]' + value[left]);
          }
        }
        pairs.sort();
        return pairs.join(sep);
      case 'ordering':
        return value.map(function (id) { return is12 ? letter(opts, id) : id; }).join(sep);
      case 'numeric':
        return String(value).replace(',', '.');
      default:
        return String(value).slice(0, 250);
    }
  }

  function patterns(q) {
    var sep = is12 ? ',' : '[,]';
    switch (q.kind) {
      case 'fill-in':
        return q.answers.slice(0, 5).map(function (a) { return is12 ? a.slice(0, 255) : (q.case_sensitive ? '{case_matters=true}' : '') + a.slice(0, 250); });
      case 'numeric':
        return [is12 ? String((q.range[0] + q.range[1]) / 2) : q.range[0] + '[:]' + q.range[1]];
      case 'matching':
        return [q.correct.map(function (p) { var lr = p.split('.'); return is12 ? letter(q.options, lr[0]) + '.' + letter(q.targets || [], lr[1]) : lr[0] + '[.]' + lr[1]; }).sort().join(sep)];
      case 'ordering':
        return [format(q, q.correct)];
      case 'multiple':
        return [format(q, q.correct)];
      default:
        return [format(q, q.correct[0])];
    }
  }

  var TYPES = { single: 'choice', multiple: 'choice', 'true-false': 'true-false', 'fill-in': 'fill-in', numeric: 'numeric', matching: 'matching', ordering: 'sequencing' };

  function record(n, q) {
    var p = 'cmi.interactions.' + n + '.';
    call.set(p + 'id', q.id);
    call.set(p + 'type', TYPES[q.kind] || 'other');
    if (!is12) { call.set(p + 'description', (q.text || '').slice(0, 250)); }
    call.set(p + (is12 ? 'time' : 'timestamp'), timestamp());
    var pats = patterns(q);
    for (var i = 0; i < pats.length; i++) { call.set(p + 'correct_responses.' + i + '.pattern', pats[i]); }
    call.set(p + (is12 ? 'student_response' : 'learner_response'), format(q, q.response));
    call.set(p + 'weighting', '1');
    call.set(p + 'result', q.result === 'correct' ? 'correct' : (is12 ? 'wrong' : 'incorrect'));
  }

  window.CourseTracking = {
    name: 'scorm' + version,
    entry: entry,
    location: location,
    /* Every page of the course starts from the latest state, not the one at launch. */
    start: function () {
      var text = lastSuspend !== null ? lastSuspend : suspend;
      if (!text) { return null; }
      try { return JSON.parse(text); } catch (e) { return null; }
    },
    save: function (state) {
      var text = JSON.stringify(state);
      if (text !== lastSuspend) { call.set('cmi.suspend_data', text); lastSuspend = text; }
    },
    setLocation: function (page) { call.set(el.location, page); },
    /* What the course's completion rule makes of the learner's progress, decided by the
       course runtime: completion, success, the single 1.2 status, progress, and a score
       once it is final. */
    report: function (r) {
      done = r.completion === 'completed';
      if (r.score) {
        call.set(el.min, r.score.min);
        call.set(el.max, r.score.max);
        call.set(el.raw, r.score.raw);
        if (!is12) { call.set(el.scaled, r.score.scaled); }
      }
      if (is12) {
        call.set(el.status, r.lesson);
      } else {
        call.set(el.progress, String(r.progress));
        call.set(el.completion, r.completion);
        if (r.success) { call.set(el.success, r.success); }
      }
    },
    /* Journals a batch of answers (one knowledge check, or one submission of an
       assessment) whole, or not at all once the package's cap would be passed. */
    recordInteractions: function (list, graded) {
      var cap = graded ? caps.max : caps.checks;
      if (journalled + list.length > cap) { return false; }
      for (var i = 0; i < list.length; i++) { record(journalled, list[i]); journalled += 1; }
      return true;
    },
    commit: function () { call.commit(); },
    finish: finish
  };

  function finish() {
    if (finished) { return; }
    finished = true;
    call.set(el.exit, done ? (is12 ? '' : 'normal') : 'suspend');
    call.set(el.sessionTime, sessionTime());
    // No Commit here: this runs while the page unloads, when a synchronous commit is
    // blocked. Terminate stores the data itself (LMSs send it with a beacon).
    call.finish();
  }

  window.addEventListener('pagehide', finish);

  startCourse(location && /^[a-z0-9-]+$/.test(location) ? location : 'index');
})();
