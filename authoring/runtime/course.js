/*
 * The course runtime: progress, questions, scoring, assessments, resume and tabs.
 *
 * It talks to one tracking interface, window.CourseTracking, which a packaged course gets
 * from its SCORM adapter (loaded before this file). Without one, the preview adapter
 * below keeps the learner's state in this browser's localStorage.
 *
 * Written as ES5 with no dependencies so that it runs on old hospital PCs.
 */
(function () {
  'use strict';

  /* Values cross frames (the adapter lives in the launch page), so arrays are checked
     without instanceof, which fails across windows. */
  function isArray(v) { return Object.prototype.toString.call(v) === '[object Array]'; }

  var data = window.COURSE_DATA;
  if (!data || !document.querySelector) { return; }
  document.documentElement.className += ' js-enabled';

  /* ---------- tracking ---------- */

  function previewTracking() {
    var key = 'course:' + data.id;
    var memory = null;
    function read() {
      try { return JSON.parse(window.localStorage.getItem(key)); } catch (e) { return memory; }
    }
    return {
      name: 'preview',
      start: function () { return read(); },
      save: function (state) {
        var json = JSON.stringify(state);
        memory = state;
        try { window.localStorage.setItem(key, json); } catch (e) { /* private mode: keep in memory */ }
      },
      setLocation: function () {},
      report: function () {},
      recordInteractions: function () { return false; },
      commit: function () {},
      finish: function () {}
    };
  }

  function parentTracking() {
    try { return window.parent !== window ? window.parent.CourseTracking : null; } catch (e) { return null; }
  }

  var tracking = window.CourseTracking || parentTracking() || previewTracking();
  var state = normalise(tracking.start());
  var pageId = document.body.getAttribute('data-page') || '';
  /* Saved state names pages and questions by short keys (five characters, from the
     build), so it stays small enough for SCORM 1.2 and survives reordering:
     { v: 1, l: last page's key, s: keys of pages seen, concatenated,
       a: { question key: answer }, x: { assessment page key: attempt }, c: complete } */
  var lessonKeys = [];
  var byKey = {};
  var pageKey = '';
  for (var i = 0; i < data.pages.length; i++) {
    lessonKeys.push(data.pages[i].key);
    byKey[data.pages[i].key] = data.pages[i];
    if (data.pages[i].id === pageId) { pageKey = data.pages[i].key; }
  }

  function normalise(s) {
    if (!s || typeof s !== 'object' || s.v !== 1) { s = { v: 1 }; }
    if (typeof s.l !== 'string') { s.l = ''; }
    if (typeof s.s !== 'string') { s.s = ''; }
    if (!s.a || typeof s.a !== 'object') { s.a = {}; }
    if (!s.x || typeof s.x !== 'object') { s.x = {}; }
    return s;
  }

  function hasSeen(key) {
    for (var j = 0; j + 5 <= state.s.length; j += 5) { if (state.s.substr(j, 5) === key) { return true; } }
    return false;
  }

  function save() {
    tracking.save(state);
    tracking.commit();
  }

  /* ---------- helpers ---------- */

  /* The interface's words, in the course's language (authoring/strings/*.toml), with
     each {name} filled in. */
  var words = data.strings || {};
  function t(key, values) {
    var s = Object.prototype.hasOwnProperty.call(words, key) ? String(words[key]) : key;
    for (var k in values) {
      if (Object.prototype.hasOwnProperty.call(values, k)) { s = s.split('{' + k + '}').join(String(values[k])); }
    }
    return s;
  }
  function esc(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  }

  function all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function indexOf(list, v) { for (var j = 0; j < list.length; j++) { if (list[j] === v) { return j; } } return -1; }

  function decodeKey(id, encoded) {
    var bin = window.atob(encoded);
    var key = id + ':course';
    var bytes = [];
    for (var j = 0; j < bin.length; j++) { bytes.push(bin.charCodeAt(j) ^ key.charCodeAt(j % key.length)); }
    var text = '';
    for (var k = 0; k < bytes.length; k++) { text += '%' + ('0' + bytes[k].toString(16)).slice(-2); }
    return JSON.parse(decodeURIComponent(text));
  }

  /* A small seeded generator, so a learner's draw and shuffle survive a reload. */
  function random(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6D2B79F5) >>> 0;
      var t = a;
      t = Math.imul ? Math.imul(t ^ (t >>> 15), t | 1) : (t ^ (t >>> 15)) * (t | 1);
      t ^= t + (Math.imul ? Math.imul(t ^ (t >>> 7), t | 61) : (t ^ (t >>> 7)) * (t | 61));
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function shuffled(list, rnd) {
    var out = list.slice();
    for (var j = out.length - 1; j > 0; j--) {
      var k = Math.floor(rnd() * (j + 1));
      var t = out[j]; out[j] = out[k]; out[k] = t;
    }
    return out;
  }

  /* ---------- questions ---------- */

  function Question(form) {
    this.form = form;
    this.id = form.getAttribute('data-question');
    this.stateKey = form.getAttribute('data-key');
    this.kind = form.getAttribute('data-kind');
    this.graded = form.getAttribute('data-graded') === 'true';
    this.feedback = form.querySelector('.course-feedback');
    var script = form.querySelector('.course-question__key');
    this.key = decodeKey(this.id, JSON.parse(script.textContent));
    var legend = form.querySelector('legend');
    this.text = legend ? legend.textContent.replace(/\s+/g, ' ') : '';
  }

  Question.prototype.response = function () {
    var f = this.form, r, sel;
    switch (this.kind) {
      case 'single':
      case 'true-false':
        sel = f.querySelector('input:checked');
        return sel ? sel.value : null;
      case 'multiple':
        r = all('input:checked', f).map(function (x) { return x.value; });
        return r.length ? r.sort() : null;
      case 'fill-in':
      case 'numeric':
        r = f.querySelector('input[type=text]').value;
        return r.replace(/^\s+|\s+$/g, '') === '' ? null : r;
      case 'matching':
      case 'ordering':
        r = {};
        var complete = true;
        all('select', f).forEach(function (s) { if (!s.value) { complete = false; } r[s.name] = s.value; });
        return complete ? r : null;
    }
    return null;
  };

  Question.prototype.restore = function (r) {
    var f = this.form;
    if (r === null || r === undefined) { return; }
    switch (this.kind) {
      case 'single':
      case 'true-false':
      case 'multiple':
        all('input', f).forEach(function (x) { x.checked = isArray(r) ? indexOf(r, x.value) >= 0 : x.value === r; });
        break;
      case 'fill-in':
      case 'numeric':
        f.querySelector('input[type=text]').value = r;
        break;
      default:
        all('select', f).forEach(function (s) { if (r[s.name] !== undefined) { s.value = r[s.name]; } });
    }
  };

  Question.prototype.clear = function () {
    all('input', this.form).forEach(function (x) { if (x.type === 'text') { x.value = ''; } else { x.checked = false; } });
    all('select', this.form).forEach(function (s) { s.value = ''; });
    this.feedback.innerHTML = '';
    this.form.className = this.form.className.replace(/ course-question--(correct|incorrect)/g, '');
  };

  function normalText(s, caseSensitive) {
    s = String(s).replace(/^\s+|\s+$/g, '').replace(/\s+/g, ' ');
    return caseSensitive ? s : s.toLowerCase();
  }

  Question.prototype.isCorrect = function (r) {
    var k = this.key, j;
    switch (this.kind) {
      case 'single':
      case 'true-false':
        return r === k.correct[0];
      case 'multiple':
        if (r.length !== k.correct.length) { return false; }
        for (j = 0; j < r.length; j++) { if (indexOf(k.correct, r[j]) < 0) { return false; } }
        return true;
      case 'fill-in':
        for (j = 0; j < k.answers.length; j++) {
          if (normalText(r, k.case_sensitive) === normalText(k.answers[j], k.case_sensitive)) { return true; }
        }
        return false;
      case 'numeric':
        var n = parseFloat(String(r).replace(',', '.'));
        return !isNaN(n) && /^\s*-?[0-9]*[.,]?[0-9]+\s*$/.test(r) && n >= k.range[0] - 1e-9 && n <= k.range[1] + 1e-9;
      case 'matching':
        for (j = 0; j < k.correct.length; j++) {
          var pair = k.correct[j].split('.');
          if (r[pair[0]] !== pair[1]) { return false; }
        }
        return true;
      case 'ordering':
        return this.order(r).join(',') === k.correct.join(',');
    }
    return false;
  };

  /* Ordering answers are positions per item; as a sequence of item ids. */
  Question.prototype.order = function (r) {
    var ids = [];
    for (var id in r) { if (Object.prototype.hasOwnProperty.call(r, id)) { ids.push(id); } }
    ids.sort(function (a, b) { return Number(r[a]) - Number(r[b]); });
    return ids;
  };

  Question.prototype.show = function (r, correct) {
    var k = this.key, html = '';
    var chosen = isArray(r) ? r : [r];
    html += '<p class="course-feedback__result">' + esc(t(correct ? 'correct' : 'incorrect')) + '</p>';
    for (var j = 0; j < k.feedback.length; j++) {
      if (indexOf(chosen, k.feedback[j][0]) >= 0) { html += '<p>' + k.feedback[j][1] + '</p>'; }
    }
    var general = correct ? k.correct_feedback : k.incorrect_feedback;
    if (general) { html += '<p>' + general + '</p>'; }
    this.feedback.innerHTML = html;
    this.form.className = this.form.className.replace(/ course-question--(correct|incorrect)/g, '') +
      (correct ? ' course-question--correct' : ' course-question--incorrect');
  };

  Question.prototype.lock = function (locked) {
    all('input, select, button', this.form).forEach(function (x) { x.disabled = locked; });
  };

  /* The answer as an interaction, for the LMS's journal. */
  Question.prototype.interaction = function (r, correct) {
    return {
      id: this.id,
      kind: this.kind,
      text: this.text,
      response: this.kind === 'ordering' ? this.order(r) : r,
      correct: this.key.correct,
      answers: this.key.answers,
      range: this.key.range,
      case_sensitive: this.key.case_sensitive,
      options: this.key.options,
      targets: this.key.targets,
      result: correct ? 'correct' : 'incorrect'
    };
  };

  function setupKnowledgeCheck(q) {
    var saved = state.a[q.stateKey];
    if (saved !== undefined) {
      q.restore(saved);
      q.show(saved, q.isCorrect(saved));
    }
    q.form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var r = q.response();
      if (r === null) {
        q.feedback.innerHTML = '<p class="course-feedback__error">' + esc(t('answer_first')) + '</p>';
        return;
      }
      var ok = q.isCorrect(r);
      q.show(r, ok);
      /* Journalled the first time only: checking again must not grow every commit. */
      var first = state.a[q.stateKey] === undefined;
      state.a[q.stateKey] = r;
      if (first) { tracking.recordInteractions([q.interaction(r, ok)], false); }
      save();
    });
  }

  /* ---------- assessments ---------- */

  function setupAssessment(panel, questions) {
    var passMark = Number(panel.getAttribute('data-pass-mark'));
    var attempts = Number(panel.getAttribute('data-attempts'));
    var shuffle = panel.getAttribute('data-shuffle') === 'true';
    var x = state.x[pageKey];
    if (!x) { x = state.x[pageKey] = { n: 0, seed: newSeed(), sc: null, p: 0, done: 0 }; }
    var byId = {};
    questions.forEach(function (q) { byId[q.id] = q; });
    var result = panel.querySelector('.course-assessment__result');
    var submit = panel.querySelector('.course-assessment__submit');
    var retry = panel.querySelector('.course-assessment__retry');
    var errors = panel.querySelector('.course-assessment__errors');
    var area = document.querySelector('.course-lesson__content');

    function newSeed() { return Math.floor(Math.random() * 4294967295); }

    /* Bank membership is read once: shuffling may move questions out of their bank. */
    var banks = all('.course-bank', area).map(function (bank) {
      var qs = all('.course-question', bank).map(function (f) { return byId[f.getAttribute('data-question')]; });
      qs.forEach(function (q) { q.inBank = true; });
      return { n: Number(bank.getAttribute('data-draw')) || qs.length, qs: qs };
    });

    function drawn() {
      var rnd = random(x.seed);
      var chosen = [];
      questions.forEach(function (q) { q.form.hidden = true; });
      banks.forEach(function (bank) {
        shuffled(bank.qs, rnd).slice(0, bank.n).forEach(function (q) { chosen.push(q); });
      });
      questions.forEach(function (q) { if (!q.inBank) { chosen.push(q); } });
      var ordered = questions.filter(function (q) { return indexOf(chosen, q) >= 0; });
      if (shuffle) {
        /* Questions from banks and outside them are shuffled together, in one list. */
        var list = area.querySelector('.course-assessment__questions');
        if (!list) {
          list = document.createElement('div');
          list.className = 'course-assessment__questions';
          var first = area.querySelector('.course-bank, form.course-question');
          first.parentNode.insertBefore(list, first);
        }
        ordered = shuffled(ordered, rnd);
        ordered.forEach(function (q) {
          list.appendChild(q.form);
          var box = q.form.querySelector('.course-choices');
          if (box) { shuffled(all('.course-choice', box), rnd).forEach(function (c) { box.appendChild(c); }); }
        });
        questions.forEach(function (q) { if (indexOf(ordered, q) < 0) { list.appendChild(q.form); } });
      }
      ordered.forEach(function (q, n) {
        q.form.hidden = false;
        var legend = q.form.querySelector('legend');
        if (legend && !legend.querySelector('.course-question__number')) {
          legend.insertAdjacentHTML('afterbegin', '<span class="course-question__number"></span>');
        }
        if (legend) { legend.querySelector('.course-question__number').textContent = t('question_of', { number: n + 1, total: ordered.length }); }
      });
      return ordered;
    }

    var current = drawn();

    function left() { return attempts === 0 ? Infinity : attempts - x.n; }

    function showResult(focus) {
      if (x.sc === null) { result.hidden = true; return; }
      var passed = !!x.p;
      var more = left();
      var html = '<h2 class="course-assessment__heading" tabindex="-1">' + esc(t(passed ? 'you_passed' : 'you_did_not_pass')) + '</h2>' +
        '<p>' + esc(t('you_scored', { score: x.sc, pass_mark: passMark })) + '</p>';
      if (!passed) {
        html += '<p>' + esc(more === Infinity ? t('can_try_again') :
          more === 1 ? t('attempts_left_one') : more > 0 ? t('attempts_left_many', { attempts: more }) :
            t('no_attempts_left')) + '</p>';
      }
      result.innerHTML = html;
      result.hidden = false;
      result.className = 'course-assessment__result ' + (passed ? 'course-assessment__result--passed' : 'course-assessment__result--failed');
      retry.hidden = passed || more <= 0;
      submit.hidden = true;
      current.forEach(function (q) { q.lock(true); });
      if (focus) { result.querySelector('h2').focus(); }
    }

    current.forEach(function (q) {
      var saved = state.a[q.stateKey];
      if (saved !== undefined && x.done) { q.restore(saved); q.show(saved, q.isCorrect(saved)); }
      else if (saved !== undefined) { q.restore(saved); }
    });
    /* Every question listens, not only the first draw's: "Try again" draws others. */
    questions.forEach(function (q) {
      q.form.addEventListener('submit', function (ev) { ev.preventDefault(); });
      q.form.addEventListener('change', function () {
        var r = q.response();
        if (r !== null && !x.done && indexOf(current, q) >= 0) { state.a[q.stateKey] = r; tracking.save(state); }
      });
    });
    if (x.done) { showResult(false); }

    submit.addEventListener('click', function () {
      var missing = current.filter(function (q) { return q.response() === null; });
      if (missing.length) {
        errors.innerHTML = '<h2 class="course-error-summary__title" tabindex="-1">' + esc(t('there_is_a_problem')) + '</h2><ul>' +
          missing.map(function (q) {
            return '<li><a href="#q-' + q.id + '">' + esc(t('has_no_answer', { question: q.text })) + '</a></li>';
          }).join('') + '</ul>';
        errors.hidden = false;
        errors.querySelector('h2').focus();
        return;
      }
      errors.hidden = true;
      var right = 0;
      var answers = [];
      current.forEach(function (q) {
        var r = q.response();
        var ok = q.isCorrect(r);
        if (ok) { right++; }
        state.a[q.stateKey] = r;
        q.show(r, ok);
        answers.push(q.interaction(r, ok));
      });
      x.n += 1;
      x.sc = Math.round((right / current.length) * 100);
      x.p = x.sc >= passMark ? 1 : 0;
      x.done = 1;
      tracking.recordInteractions(answers, true);
      evaluate();
      save();
      showResult(true);
    });

    retry.addEventListener('click', function () {
      x.seed = newSeed();
      x.done = 0;
      x.sc = null;
      current.forEach(function (q) { delete state.a[q.stateKey]; q.clear(); q.lock(false); });
      current = drawn();
      current.forEach(function (q) { q.clear(); q.lock(false); });
      result.hidden = true;
      retry.hidden = true;
      submit.hidden = false;
      save();
      var first = current[0] && current[0].form.querySelector('input, select');
      if (first) { first.focus(); }
    });
  }

  /* ---------- progress and completion ---------- */

  function assessmentPages() {
    return data.pages.filter(function (p) { return p.kind === 'assessment'; });
  }

  /* An assessment's outcome is final once it is passed or its attempts are used up;
     until then a failed attempt is not a failure. */
  function outcome(p) {
    var x = state.x[p.key];
    if (!x || !x.done || x.sc === null) { return null; }
    if (x.p) { return { passed: true, score: x.sc }; }
    return p.attempts > 0 && x.n >= p.attempts ? { passed: false, score: x.sc } : null;
  }

  /* What the completion rule makes of the learner's progress, for the LMS. The score is
     reported only once every assessment's outcome is final, so that an LMS that judges
     from the score (a 1.2 mastery score, a 2004 scaled passing score) never records a
     failure while attempts remain. */
  function judge(seen) {
    var assess = assessmentPages();
    var outcomes = assess.map(outcome);
    var passed = assess.length > 0 && outcomes.every(function (o) { return o && o.passed; });
    var failed = outcomes.some(function (o) { return o && !o.passed; });
    var allSeen = seen === lessonKeys.length;
    var complete = data.rule === 'all-pages' ? allSeen : data.rule === 'assessment' ? passed : allSeen && passed;
    var lesson;
    if (data.rule === 'all-pages') { lesson = complete ? (passed ? 'passed' : 'completed') : 'incomplete'; }
    else { lesson = complete ? 'passed' : failed ? 'failed' : 'incomplete'; }
    var units = data.rule === 'all-pages' ? lessonKeys.length : lessonKeys.length + assess.length;
    var got = data.rule === 'all-pages' ? seen :
      seen + outcomes.filter(function (o) { return o && o.passed; }).length;
    var progress = complete ? 1 : Math.min(0.99, Math.floor((got / Math.max(units, 1)) * 10000) / 10000);
    var score = null;
    if (assess.length && outcomes.every(function (o) { return o; })) {
      var scores = outcomes.map(function (o) { return o.score; });
      var raw = passed ? Math.round(scores.reduce(function (a, b) { return a + b; }, 0) / scores.length) :
        Math.min.apply(Math, outcomes.filter(function (o) { return !o.passed; }).map(function (o) { return o.score; }));
      score = { raw: raw, min: 0, max: 100, scaled: raw / 100 };
    }
    return {
      completion: complete ? 'completed' : 'incomplete',
      success: !assess.length ? null : passed ? 'passed' : failed ? 'failed' : null,
      lesson: lesson,
      progress: progress,
      score: score
    };
  }

  function evaluate() {
    var seen = lessonKeys.filter(hasSeen).length;
    var verdict = judge(seen);
    var complete = verdict.completion === 'completed';
    tracking.report(verdict);
    state.c = complete ? 1 : 0;
    all('[data-course-progress]').forEach(function (el) {
      el.hidden = false;
      var text = el.querySelector('.course-progress__text');
      var bar = el.querySelector('.course-progress__bar-value');
      if (text) { text.textContent = t('viewed_pages', { seen: seen, total: lessonKeys.length }); }
      if (bar) { bar.style.width = Math.round((seen / lessonKeys.length) * 100) + '%'; }
    });
    all('[data-course-status]').forEach(function (el) {
      if (complete) {
        el.innerHTML = '<h2 class="course-status__title">' + esc(t('completed_title')) + '</h2><p>' + esc(t('completed_recorded')) + '</p>';
        el.hidden = false;
      }
    });
    return complete;
  }

  function setupResume() {
    all('[data-course-resume]').forEach(function (el) {
      var last = byKey[state.l];
      if (!last) { return; }
      var link = el.querySelector('a');
      link.href = last.id + '.html';
      link.querySelector('.course-resume__title').textContent = last.title;
      el.hidden = false;
    });
  }

  /* ---------- tabs ---------- */

  function setupTabs(box) {
    var list = box.querySelector('.course-tabs__list');
    var tabs = all('.course-tabs__tab', box);
    var panels = tabs.map(function (t) { return document.getElementById(t.getAttribute('href').slice(1)); });
    list.setAttribute('role', 'tablist');
    function select(n, focus) {
      tabs.forEach(function (t, j) {
        var on = j === n;
        t.setAttribute('aria-selected', on ? 'true' : 'false');
        t.setAttribute('tabindex', on ? '0' : '-1');
        t.parentNode.className = 'course-tabs__item' + (on ? ' course-tabs__item--selected' : '');
        panels[j].hidden = !on;
      });
      if (focus) { tabs[n].focus(); }
    }
    tabs.forEach(function (t, j) {
      t.parentNode.setAttribute('role', 'presentation');
      t.setAttribute('role', 'tab');
      t.id = t.id || panels[j].id + '-tab';
      t.setAttribute('aria-controls', panels[j].id);
      panels[j].setAttribute('role', 'tabpanel');
      panels[j].setAttribute('aria-labelledby', t.id);
      panels[j].setAttribute('tabindex', '0');
      t.addEventListener('click', function (ev) { ev.preventDefault(); select(j, true); });
      t.addEventListener('keydown', function (ev) {
        var k = ev.key || ev.keyCode, n = -1;
        if (k === 'ArrowRight' || k === 'Right' || k === 39) { n = (j + 1) % tabs.length; }
        if (k === 'ArrowLeft' || k === 'Left' || k === 37) { n = (j - 1 + tabs.length) % tabs.length; }
        if (k === 'Home' || k === 36) { n = 0; }
        if (k === 'End' || k === 35) { n = tabs.length - 1; }
        if (n >= 0) { ev.preventDefault(); select(n, true); }
      });
    });
    select(0, false);
  }

  /* ---------- start ---------- */

  if (pageKey) {
    if (!hasSeen(pageKey)) { state.s += pageKey; }
    state.l = pageKey;
    tracking.setLocation(pageId);
  }

  var questions = all('form.course-question').map(function (f) { return new Question(f); });
  var panel = document.querySelector('[data-assessment]');
  if (panel) {
    setupAssessment(panel, questions.filter(function (q) { return q.graded; }));
  }
  questions.filter(function (q) { return !q.graded; }).forEach(setupKnowledgeCheck);
  all('.course-tabs').forEach(setupTabs);
  evaluate();
  setupResume();
  save();

  /* State is committed as it changes (above), because browsers block a synchronous
     commit while a page unloads. Leaving a page only hands over the latest state; the
     adapter sends it when the session ends, on the window that holds the whole course. */
  window.addEventListener('pagehide', function () {
    tracking.save(state);
  });

  window.CourseRuntime = { state: function () { return state; }, evaluate: evaluate };
})();
