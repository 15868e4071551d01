// The SCORM run-time rules in the browser: the API call states, every element's access,
// type, range and dependencies, array order, and the error code of each violation, as the
// packager's `cmi` module enforces them on the server. The data-model tables (elements,
// children, arrays, error descriptions) are not written here: the server generates them
// from the Rust definitions (`packager::cmi::tables`) and the player passes them in. Tests
// replay ADL's scripts and a corpus of values against this file and the Rust runtime and
// require the same answers.
'use strict';
(() => {
  const RUNNING = 1;
  const NOT_INITIALIZED = 0;
  const TERMINATED = 2;

  const digits = (s) => s.length > 0 && /^[0-9]+$/.test(s);
  const chars = (s) => Array.from(s).length;
  // Rust's char::is_whitespace: Unicode White_Space.
  const WHITE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
  const hasWhitespace = (s) => WHITE.test(s);
  const utf8Length = (s) => new TextEncoder().encode(s).length;

  const isReal = (s) => {
    const t = s.startsWith('-') ? s.slice(1) : s;
    return t.length > 0 && /^[0-9.]*$/.test(t) && t.split('.').length <= 2 && t !== '.';
  };

  const duration = (v) => {
    if (!v.startsWith('P')) return false;
    const rest = v.slice(1);
    if (rest === '') return false;
    const at = rest.indexOf('T');
    let date = rest;
    let time = null;
    if (at >= 0) {
      date = rest.slice(0, at);
      time = rest.slice(at + 1);
      if (time === '') return false;
    }
    const parts = (s, units, decimalLast) => {
      let rest = s;
      let allowed = units;
      while (rest !== '') {
        const n = /^[0-9.]*/.exec(rest)[0];
        const unit = rest.charAt(n.length);
        if (unit === '') return false;
        const pos = allowed.indexOf(unit);
        if (pos < 0) return false;
        let ok;
        if (n.includes('.')) {
          const dot = n.indexOf('.');
          const i = n.slice(0, dot);
          const f = n.slice(dot + 1);
          ok = decimalLast && unit === 'S' && digits(i) && digits(f) && f.length <= 2;
        } else {
          ok = digits(n);
        }
        if (!ok) return false;
        allowed = allowed.slice(pos + 1);
        rest = rest.slice(n.length + 1);
      }
      return true;
    };
    return parts(date, ['Y', 'M', 'D'], false) && (time === null || parts(time, ['H', 'M', 'S'], true));
  };

  const clock = (v) => {
    const p = v.split(':');
    if (p.length !== 3) return null;
    const [h, m, s] = p;
    const dot = s.indexOf('.');
    const sec = dot >= 0 ? s.slice(0, dot) : s;
    const frac = dot >= 0 ? s.slice(dot + 1) : null;
    const ok = digits(h) && digits(m) && m.length === 2 && digits(sec) && sec.length === 2 &&
      (frac === null || (digits(frac) && frac.length <= 2));
    return ok ? [h, m, sec] : null;
  };
  const timespan = (v) => {
    const c = clock(v);
    return c !== null && c[0].length >= 2 && c[0].length <= 4 && c[1] < '60' && c[2] < '60';
  };
  const time12 = (v) => {
    const c = clock(v);
    return c !== null && c[0].length === 2 && c[0] < '24' && c[1] < '60' && c[2] < '60';
  };

  const zone = (z) => {
    if (z === 'Z') return true;
    if (!z.startsWith('+') && !z.startsWith('-')) return false;
    const rest = z.slice(1);
    if (!/^[\x00-\x7f]*$/.test(rest)) return false;
    if (rest.length === 2) return digits(rest) && rest <= '23';
    if (rest.length === 5) {
      return digits(rest.slice(0, 2)) && rest[2] === ':' && digits(rest.slice(3)) &&
        rest.slice(0, 2) <= '23' && rest.slice(3) <= '59';
    }
    return false;
  };
  const timestamp = (v) => {
    // Byte offsets as in Rust: only ASCII text can match, so check that first where it
    // matters (a slice of a non-ASCII string fails in Rust).
    const num = (from, to, lo, hi) => {
      if (to > v.length) return false;
      const s = v.slice(from, to);
      if (!digits(s) || utf8Length(v.slice(0, to)) !== to) return false;
      const n = Number(s);
      return n >= lo && n <= hi;
    };
    if (!num(0, 4, 1970, 2038)) return false;
    const len = utf8Length(v);
    if (len === 4) return true;
    if (v[4] !== '-' || !num(5, 7, 1, 12)) return false;
    if (len === 7) return true;
    if (v[7] !== '-' || !num(8, 10, 1, 31)) return false;
    if (len === 10) return true;
    if (v[10] !== 'T' || !num(11, 13, 0, 23)) return false;
    let i = 13;
    for (let k = 0; k < 2; k++) {
      if (len === i) return true;
      if (v[i] !== ':' || !num(i + 1, i + 3, 0, 59)) return zone(v.slice(i));
      i += 3;
    }
    if (len === i) return true;
    let rest = v.slice(i);
    if (rest.startsWith('.')) {
      const frac = rest.slice(1);
      const n = /^[0-9]*/.exec(frac)[0].length;
      if (n === 0 || n > 2) return false;
      rest = frac.slice(n);
    }
    return rest === '' || zone(rest);
  };

  const language = (v) => {
    if (v === '') return true;
    const parts = v.split('-');
    const first = parts[0];
    const firstOk = (first.length >= 1 && first.length <= 3 && /^[A-Za-z]+$/.test(first)) ||
      first.toLowerCase() === 'i' || first.toLowerCase() === 'x';
    return firstOk && parts.slice(1).every((p) => p.length >= 1 && p.length <= 8 && /^[A-Za-z0-9]+$/.test(p));
  };

  const stripFlags = (v, pattern) => {
    let rest = v;
    for (;;) {
      if (!rest.startsWith('{')) return rest;
      const inner = rest.slice(1);
      const end = inner.indexOf('}');
      if (end < 0) return rest;
      const flag = inner.slice(0, end);
      const eq = flag.indexOf('=');
      if (eq < 0) return rest;
      const name = flag.slice(0, eq);
      const value = flag.slice(eq + 1);
      let ok;
      if (name === 'lang') ok = language(value);
      else if (name === 'case_matters' || name === 'order_matters') ok = pattern && (value === 'true' || value === 'false');
      else return rest;
      if (!ok) return null;
      rest = inner.slice(end + 1);
    }
  };

  // A 2004 learner_response or correct-response pattern against its interaction's type.
  const responseOk = (kind, v, pattern) => {
    const shortId = (s) => s.length > 0 && utf8Length(s) <= 250 && !hasWhitespace(s);
    switch (kind) {
      case 'true-false':
        return v === 'true' || v === 'false';
      case 'choice':
      case 'sequencing': {
        if (v === '') return kind === 'choice';
        const ids = v.split('[,]');
        return ids.every(shortId) && (kind === 'sequencing' || new Set(ids).size === ids.length);
      }
      case 'fill-in':
      case 'long-fill-in':
        return stripFlags(v, pattern) !== null;
      case 'matching':
        return v.split('[,]').every((pair) => {
          const at = pair.indexOf('[.]');
          return at >= 0 && shortId(pair.slice(0, at)) && shortId(pair.slice(at + 3));
        });
      case 'numeric': {
        if (!pattern) return isReal(v);
        const at = v.indexOf('[:]');
        const lo = at >= 0 ? v.slice(0, at) : v;
        const hi = at >= 0 ? v.slice(at + 3) : '';
        const ok = (lo === '' || isReal(lo)) && (hi === '' || isReal(hi));
        const ordered = !(isReal(lo) && isReal(hi)) || Number(lo) <= Number(hi);
        return (ok && ordered && at >= 0) || (ok && at < 0 && isReal(v));
      }
      case 'likert':
        return v === '' || shortId(v);
      case 'performance': {
        let body = v;
        if (pattern) {
          if (v.startsWith('{order_matters=true}')) body = v.slice('{order_matters=true}'.length);
          else if (v.startsWith('{order_matters=false}')) body = v.slice('{order_matters=false}'.length);
        }
        return body.split('[,]').every((step) => step.includes('[.]') || step === '');
      }
      default:
        return true;
    }
  };

  // 'type', 'range' or null (valid), as `packager::cmi::types::check`.
  const check = (ty, v) => {
    switch (ty.kind) {
      case 'text':
      case 'localized':
      case 'response':
        return null;
      case 'limited':
        return chars(v) > ty.max ? 'type' : null;
      case 'identifier':
        return v === '' || chars(v) > ty.max || hasWhitespace(v) ? 'type' : null;
      case 'real': {
        if (!isReal(v)) return 'type';
        const x = Number(v);
        return (ty.min !== null && x < ty.min) || (ty.max !== null && x > ty.max) ? 'range' : null;
      }
      case 'score12': {
        if (v === '') return null;
        if (!isReal(v)) return 'type';
        const x = Number(v);
        return x >= 0 && x <= 100 ? null : 'range';
      }
      case 'integer': {
        // As Rust reads an i64.
        if (!/^[+-]?[0-9]+$/.test(v)) return 'type';
        const x = BigInt(v);
        if (x < -(2n ** 63n) || x > 2n ** 63n - 1n) return 'type';
        return x >= BigInt(ty.min) && x <= BigInt(ty.max) ? null : 'range';
      }
      case 'vocabulary':
        return ty.words.includes(v) ? null : 'type';
      case 'duration':
        return duration(v) ? null : 'type';
      case 'timespan':
        return timespan(v) ? null : 'type';
      case 'timestamp':
        return timestamp(v) ? null : 'type';
      case 'time12':
        return time12(v) ? null : 'type';
      case 'language':
        return language(v) ? null : 'type';
      case 'result2004':
        return ['correct', 'incorrect', 'unanticipated', 'neutral'].includes(v) || isReal(v) ? null : 'type';
      case 'result12':
        return ['correct', 'wrong', 'unanticipated', 'neutral'].includes(v) || isReal(v) ? null : 'type';
      default:
        return 'type';
    }
  };

  const checkLocalized = (v) => {
    if (v.startsWith('{lang=')) {
      const rest = v.slice(6);
      const end = rest.indexOf('}');
      if (end >= 0 && !language(rest.slice(0, end))) return 'type';
    }
    return null;
  };

  const isIndex = (p) => p !== '' && /^[0-9]+$/.test(p);
  const pattern = (element) => element.split('.').map((p) => (isIndex(p) ? 'n' : p)).join('.');

  class Failure {
    constructor(code, why) {
      this.code = code;
      this.why = why;
    }
  }

  // One SCO's session: the data model's values and the API's call state.
  class Runtime {
    constructor(tables) {
      this.t = tables;
      this.is12 = tables.version === '1.2';
      this.state = NOT_INITIALIZED;
      this.values = new Map();
      this.counts = new Map();
      this.setBySco = new Set();
      this.lastError = '0';
      this.why = '';
    }

    // A value set by the LMS before the SCO starts; no rules apply.
    seed(element, value) {
      this.bumpCounts(element);
      this.values.set(element, String(value));
    }

    element(p) {
      return Object.prototype.hasOwnProperty.call(this.t.elements, p) ? this.t.elements[p] : null;
    }

    childrenOf(p) {
      return Object.prototype.hasOwnProperty.call(this.t.children, p) ? this.t.children[p] : null;
    }

    isArray(p) {
      return this.t.arrays.includes(p);
    }

    knows(p) {
      return this.element(p) !== null || this.childrenOf(p) !== null || this.isArray(p) ||
        Object.keys(this.t.elements).some((e) => e.startsWith(p) && e.slice(p.length).startsWith('.'));
    }

    ok() {
      this.lastError = '0';
      this.why = '';
    }

    fail(code, why) {
      this.lastError = Object.prototype.hasOwnProperty.call(this.t.errors, String(code)) ? String(code) : '101';
      this.why = why;
    }

    initialize(arg) {
      if (arg !== '') {
        this.fail(201, 'the argument must be the empty string');
        return false;
      }
      if (this.state === NOT_INITIALIZED) {
        this.state = RUNNING;
        this.ok();
        return true;
      }
      if (this.is12) this.fail(101, 'already initialized');
      else if (this.state === RUNNING) this.fail(103, 'already initialized');
      else this.fail(104, 'the session has terminated');
      return false;
    }

    terminate(arg) {
      if (arg !== '') {
        this.fail(201, 'the argument must be the empty string');
        return false;
      }
      if (this.state === RUNNING) {
        if (this.is12) this.finish12();
        this.state = TERMINATED;
        this.ok();
        return true;
      }
      if (this.state === NOT_INITIALIZED) this.fail(this.is12 ? 301 : 112, 'not initialized');
      else this.fail(this.is12 ? 101 : 113, 'already terminated');
      return false;
    }

    commit(arg) {
      if (arg !== '') {
        this.fail(201, 'the argument must be the empty string');
        return false;
      }
      if (this.state === RUNNING) {
        this.ok();
        return true;
      }
      if (this.state === NOT_INITIALIZED) this.fail(this.is12 ? 301 : 142, 'not initialized');
      else this.fail(this.is12 ? 301 : 143, 'already terminated');
      return false;
    }

    commitFailed() {
      this.fail(this.is12 ? 101 : 391, 'the LMS could not store the data');
    }

    getLastError() {
      return this.lastError;
    }

    errorString(code) {
      // As Rust reads a u16: an optional '+', then digits, at most 65535.
      const c = String(code);
      const m = /^\+?([0-9]+)$/.exec(c);
      if (m === null || (c.startsWith('0') && c !== '0')) return '';
      const n = Number(m[1]);
      if (n > 65535) return '';
      return Object.prototype.hasOwnProperty.call(this.t.errors, String(n)) ? this.t.errors[String(n)] : '';
    }

    diagnostic(code) {
      const c = String(code);
      if (c === '' || c === this.lastError) {
        if (this.why !== '') return Array.from(this.why).slice(0, 255).join('');
        return this.t.errors[this.lastError] || '';
      }
      return this.errorString(c);
    }

    getValue(element) {
      try {
        const v = this.tryGet(String(element));
        this.ok();
        return v;
      } catch (e) {
        if (!(e instanceof Failure)) throw e;
        this.fail(e.code, e.why);
        return '';
      }
    }

    setValue(element, value) {
      try {
        this.trySet(String(element), String(value));
        this.ok();
        return true;
      } catch (e) {
        if (!(e instanceof Failure)) throw e;
        this.fail(e.code, e.why);
        return false;
      }
    }

    undefined(element) {
      const dot = element.lastIndexOf('.');
      const parent = dot >= 0 ? element.slice(0, dot) : '';
      if (this.is12 && parent !== 'cmi' && this.knows(pattern(parent))) {
        return new Failure(201, `${element} is not an element of ${parent}`);
      }
      return new Failure(401, `${element} is not in the data model`);
    }

    checkIndices(element, setting) {
      const parts = element.split('.');
      for (let i = 1; i < parts.length; i++) {
        if (!isIndex(parts[i])) continue;
        const base = parts.slice(0, i).join('.');
        if (!this.isArray(pattern(base))) continue;
        const index = Number(parts[i]);
        const count = this.counts.get(base) || 0;
        const beyond = setting ? index > count : index >= count;
        if (beyond) {
          const code = this.is12 ? 201 : setting ? 351 : 301;
          throw new Failure(code, `${base} has ${count} entries; index ${parts[i]} is out of order`);
        }
      }
    }

    tryGet(element) {
      const is12 = this.is12;
      if (this.state === NOT_INITIALIZED) throw new Failure(is12 ? 301 : 122, 'not initialized');
      if (this.state === TERMINATED) throw new Failure(is12 ? 301 : 123, 'already terminated');
      if (element === '') throw new Failure(is12 ? 201 : 301, 'no element named');
      if (element.endsWith('._children')) {
        const base = element.slice(0, -'._children'.length);
        const p = pattern(base);
        const c = this.childrenOf(p);
        if (c !== null) return c;
        if (this.knows(p)) throw new Failure(is12 ? 202 : 301, `${base} has no children`);
        throw new Failure(401, `${base} is not in the data model`);
      }
      if (element.endsWith('._count')) {
        const base = element.slice(0, -'._count'.length);
        const p = pattern(base);
        this.checkIndices(base, false);
        if (this.isArray(p)) return String(this.counts.get(base) || 0);
        if (this.knows(p)) throw new Failure(is12 ? 203 : 301, `${base} is not an array`);
        throw new Failure(401, `${base} is not in the data model`);
      }
      if (element.endsWith('._version') && element !== 'cmi._version') {
        const base = element.slice(0, -'._version'.length);
        throw new Failure(this.knows(pattern(base)) ? (is12 ? 201 : 301) : 401, '_version is only defined on cmi');
      }
      if (!is12 && element.startsWith('adl.nav.request_valid.')) {
        const rest = element.slice('adl.nav.request_valid.'.length);
        if (rest.startsWith('choice.{target=') || rest.startsWith('jump.{target=')) return 'unknown';
      }
      const p = pattern(element);
      const def = this.element(p);
      if (def === null) throw this.undefined(element);
      this.checkIndices(element, false);
      if (def.access === 'w') throw new Failure(is12 ? 404 : 405, `${element} is write-only`);
      if (!is12 && element === 'cmi.completion_status') return this.completionStatus();
      if (!is12 && element === 'cmi.success_status') return this.successStatus();
      if (this.values.has(element)) return this.values.get(element);
      if (def.default !== null) return def.default;
      if (is12) return '';
      throw new Failure(403, `${element} has not been set`);
    }

    trySet(element, value) {
      const is12 = this.is12;
      if (this.state === NOT_INITIALIZED) throw new Failure(is12 ? 301 : 132, 'not initialized');
      if (this.state === TERMINATED) throw new Failure(is12 ? 301 : 133, 'already terminated');
      if (element === '') throw new Failure(is12 ? 201 : 351, 'no element named');
      for (const kw of ['._children', '._count', '._version']) {
        if (element.endsWith(kw)) {
          if (is12) throw new Failure(402, `${kw} is a keyword and cannot be set`);
          const base = element.slice(0, -kw.length);
          if (this.knows(pattern(base)) || element === 'cmi._version') throw new Failure(404, `${element} is read-only`);
          throw new Failure(401, `${base} is not in the data model`);
        }
      }
      const p = pattern(element);
      const def = this.element(p);
      if (def === null) throw this.undefined(element);
      if (def.access === 'r') throw new Failure(is12 ? 403 : 404, `${element} is read-only`);
      this.checkIndices(element, true);
      const parts = element.split('.');
      if (!is12) {
        for (const array of ['cmi.interactions', 'cmi.objectives']) {
          if (element.startsWith(array) && parts.length > 3 && parts[3] !== 'id') {
            const idKey = `${parts.slice(0, 3).join('.')}.id`;
            if (!this.values.has(idKey)) throw new Failure(408, `${idKey} must be set first`);
          }
        }
        if (p === 'cmi.interactions.n.learner_response' || p === 'cmi.interactions.n.correct_responses.n.pattern') {
          const typeKey = `${parts.slice(0, 3).join('.')}.type`;
          if (!this.values.has(typeKey)) throw new Failure(408, `${typeKey} must be set first`);
          const kind = this.values.get(typeKey);
          const isPattern = p.endsWith('pattern');
          if (isPattern) {
            const index = isIndex(parts[4]) ? Number(parts[4]) : 0;
            const max = ['true-false', 'likert', 'numeric', 'other'].includes(kind) ? 1 : kind === 'choice' ? 10 : 5;
            if (index >= max) throw new Failure(351, `a ${kind} interaction has at most ${max} correct responses`);
          }
          if (!responseOk(kind, value, isPattern)) throw new Failure(406, `${JSON.stringify(value)} is not a ${kind} response`);
        }
      }
      if (is12 && p === 'cmi.core.lesson_status' && value === 'not attempted') {
        throw new Failure(405, 'a SCO cannot set lesson_status to "not attempted"');
      }
      const navTarget = !is12 && p === 'adl.nav.request' && value.startsWith('{target=') &&
        (value.endsWith('}choice') || value.endsWith('}jump'));
      if (!navTarget) {
        const kind = def.type.kind === 'localized' && !is12 ? checkLocalized(value) : check(def.type, value);
        if (kind !== null) {
          const code = is12 ? 405 : kind === 'type' ? 406 : 407;
          throw new Failure(code, `${JSON.stringify(value)} is not a valid value for ${element}`);
        }
      }
      if (!is12 && (p === 'cmi.objectives.n.id' || p === 'cmi.interactions.n.objectives.n.id')) {
        const current = this.values.get(element);
        if (current !== undefined && current !== value) {
          throw new Failure(351, `${element} is already ${JSON.stringify(current)} and cannot change`);
        }
        const array = parts.slice(0, parts.length - 2).join('.');
        const count = this.counts.get(array) || 0;
        for (let i = 0; i < count; i++) {
          const k = `${array}.${i}.id`;
          if (k !== element && this.values.get(k) === value) {
            throw new Failure(351, `objective id ${JSON.stringify(value)} is already used`);
          }
        }
      }
      this.bumpCounts(element);
      this.values.set(element, value);
      this.setBySco.add(element);
    }

    bumpCounts(element) {
      const parts = element.split('.');
      for (let i = 1; i < parts.length; i++) {
        if (!isIndex(parts[i])) continue;
        const base = parts.slice(0, i).join('.');
        if (!this.isArray(pattern(base))) continue;
        const index = Number(parts[i]);
        if (index >= (this.counts.get(base) || 0)) this.counts.set(base, index + 1);
      }
    }

    completionStatus() {
      const t = this.values.get('cmi.completion_threshold');
      if (t !== undefined && isReal(t)) {
        const p = this.values.get('cmi.progress_measure');
        if (p === undefined || !isReal(p)) return 'unknown';
        return Number(p) >= Number(t) ? 'completed' : 'incomplete';
      }
      return this.values.has('cmi.completion_status') ? this.values.get('cmi.completion_status') : 'unknown';
    }

    successStatus() {
      const pass = this.values.get('cmi.scaled_passing_score');
      if (pass !== undefined && isReal(pass)) {
        const s = this.values.get('cmi.score.scaled');
        if (s === undefined || !isReal(s)) return 'unknown';
        return Number(s) >= Number(pass) ? 'passed' : 'failed';
      }
      return this.values.has('cmi.success_status') ? this.values.get('cmi.success_status') : 'unknown';
    }

    finish12() {
      if (this.setBySco.has('cmi.core.lesson_status')) return;
      let status = 'completed';
      const mastery = this.values.get('cmi.student_data.mastery_score');
      const raw = this.values.get('cmi.core.score.raw');
      if (mastery !== undefined && raw !== undefined && isReal(mastery) && isReal(raw)) {
        status = Number(raw) >= Number(mastery) ? 'passed' : 'failed';
      }
      this.values.set('cmi.core.lesson_status', status);
    }

    // The SCO's own value checks, for tests that compare them with Rust's.
    static check(ty, value) {
      return check(ty, value);
    }
  }

  globalThis.ScormRuntime = Runtime;
})();
