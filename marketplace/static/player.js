// The player's SCORM API (window.API for 1.2, window.API_1484_11 for 2004), answering
// every call at once by the rules of scorm-runtime.js, and the commits that carry the
// SCO's data to the server without losing any:
//
// - Commit/LMSCommit and Terminate/LMSFinish send at once and wait for the answer, so
//   that "true" means stored; after a burst of SetValue calls (2 s), every 30 s, and
//   when the page is hidden, data is sent in the background; when the page goes away,
//   with `fetch(..., {keepalive: true})`.
// - Each commit carries every SetValue not yet acknowledged (each element once, with its
//   latest value) and a sequence number, so the server can ignore a late or repeated one.
// - Failed commits are retried with backoff, at once when the browser is back online.
// - A second tab on the same attempt takes it over: this one is told and stops.
'use strict';
(() => {
  const data = JSON.parse(document.getElementById('player-data').textContent);
  const rt = new ScormRuntime(data.tables);
  for (const [k, v] of data.start) rt.seed(k, v);
  const is12 = data.tables.version === '1.2';
  const commitUrl = 'commit';

  let seq = 0;
  let initialized = false;
  let ended = false;
  let superseded = false;
  let failures = 0;
  let retryTimer = null;
  let debounceTimer = null;
  // SetValue calls not yet acknowledged: element → latest value, in first-set order.
  const unacked = new Map();

  // What the learner sees: a quiet line of text, and an alert only for problems (and for
  // saving again after one), so a screen reader is not told "saved" every 30 seconds.
  let statusText = null;
  let alertBox = null;
  let shown = '';
  let troubled = false;
  const show = (state) => {
    if (state === shown) return;
    const hadProblem = troubled && state === 'saved';
    if (state === 'retrying') troubled = true;
    if (state === 'saved') troubled = false;
    shown = state;
    const words = {
      saving: 'Saving your progress…',
      saved: 'Your progress is saved.',
      retrying: 'Your progress is not saved yet: retrying. Stay on this page if you can.',
      superseded: 'You opened this course in another tab or window. Carry on there: this page has stopped saving.',
    }[state];
    if (statusText) statusText.textContent = words;
    if (!alertBox) return;
    if (state === 'retrying' || state === 'superseded') alertBox.textContent = words;
    else if (state === 'saved' && hadProblem) alertBox.textContent = 'Your progress is saved again.';
  };
  document.addEventListener('DOMContentLoaded', () => {
    statusText = document.getElementById('player-status');
    alertBox = document.getElementById('player-alert');
    if (shown) {
      const s = shown;
      shown = '';
      show(s);
    }
  });

  const payload = (end) => {
    seq += 1;
    return {
      seq,
      sent: new Map(unacked),
      body: JSON.stringify({ session: data.session, sco: data.sco, seq, sets: Array.from(unacked), end }),
    };
  };

  // An acknowledged commit: what it carried is on the server, unless set again since.
  const acknowledged = (sent) => {
    for (const [k, v] of sent) if (unacked.get(k) === v) unacked.delete(k);
    failures = 0;
    show(unacked.size === 0 ? 'saved' : 'saving');
  };

  const stop = () => {
    superseded = true;
    show('superseded');
  };

  const scheduleRetry = () => {
    failures += 1;
    show('retrying');
    clearTimeout(retryTimer);
    const delay = Math.min(30000, 1000 * 2 ** Math.min(failures - 1, 5)) * (0.75 + Math.random() / 2);
    retryTimer = setTimeout(() => send(), delay);
  };

  const pending = () => unacked.size > 0 || (ended && !endStored);
  let endStored = false;

  // In the background: fetch, or with keepalive as the page goes away.
  const send = async (keepalive = false) => {
    if (superseded || !pending()) return;
    const end = ended;
    const p = payload(end);
    show('saving');
    try {
      const r = await fetch(commitUrl, {
        method: 'POST',
        body: p.body,
        keepalive,
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        credentials: 'omit',
      });
      if (r.status === 409) return stop();
      if (!r.ok) throw new Error(`status ${r.status}`);
      if (end) endStored = true;
      acknowledged(p.sent);
    } catch (e) {
      if (!keepalive) scheduleRetry();
    }
  };

  // At once, waiting for the answer: what Commit and Terminate return depends on it.
  const sendNow = () => {
    if (superseded) return false;
    if (!pending()) return true;
    const end = ended;
    const p = payload(end);
    const x = new XMLHttpRequest();
    try {
      x.open('POST', commitUrl, false);
      x.setRequestHeader('content-type', 'text/plain;charset=UTF-8');
      x.send(p.body);
    } catch (e) {
      // Blocked as the page unloads, or offline: send it in the background instead.
      send(true);
      scheduleRetry();
      return false;
    }
    if (x.status === 409) {
      stop();
      return false;
    }
    if (x.status < 200 || x.status >= 300) {
      scheduleRetry();
      return false;
    }
    if (end) endStored = true;
    acknowledged(p.sent);
    return true;
  };

  const debounce = () => {
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(() => send(), 2000);
  };
  setInterval(() => {
    if (pending() && failures === 0) send();
  }, 30000);
  window.addEventListener('online', () => {
    if (pending()) send();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden' && pending()) send(true);
  });
  // Leaving the page ends the session as Terminate would. A part whose content never
  // called the API at all (a page with nothing to track, as some packages' "SCOs" are)
  // counts as done once it has been opened, as an asset does.
  let frameLoaded = false;
  let apiCalled = false;
  window.addEventListener('pagehide', () => {
    if (superseded) return;
    if (initialized && !ended) {
      ended = true;
      send(true);
    } else if (!apiCalled && frameLoaded && !ended) {
      unacked.set(is12 ? 'cmi.core.lesson_status' : 'cmi.completion_status', 'completed');
      ended = true;
      send(true);
    } else if (pending()) {
      send(true);
    }
  });

  // After Terminate, a navigation request the SCO made (2004): another part, or leave.
  const navigate = () => {
    if (superseded) return;
    const request = (!is12 && rt.values.get('adl.nav.request')) || '_none_';
    const parts = data.items.length;
    let target = null;
    if (request === 'continue' && data.sco < parts) target = `?sco=${data.sco + 1}`;
    else if (request === 'previous' && data.sco > 1) target = `?sco=${data.sco - 1}`;
    else if (request.startsWith('{target=')) {
      const id = request.slice(8, request.indexOf('}'));
      const i = data.items.indexOf(id);
      if (i >= 0) target = `?sco=${i + 1}`;
    } else if (['exit', 'exitAll', 'suspendAll', 'abandon', 'abandonAll'].includes(request)) {
      target = data.back;
    } else if (request === 'continue') {
      target = data.back;
    }
    if (target !== null) {
      setTimeout(() => window.location.assign(target), 0);
      return;
    }
    // No request (and 1.2 has none): say the part is over, with the ways on.
    const notice = document.getElementById('player-ended');
    if (notice) {
      notice.hidden = false;
      notice.focus();
    }
  };

  const api = {
    initialize(arg) {
      apiCalled = true;
      const ok = !superseded && rt.initialize(String(arg));
      if (ok) initialized = true;
      return ok ? 'true' : 'false';
    },
    terminate(arg) {
      if (superseded) {
        rt.commitFailed();
        return 'false';
      }
      if (!rt.terminate(String(arg))) return 'false';
      ended = true;
      // Session time and the 1.2 status rules are applied by the server at the end.
      clearTimeout(debounceTimer);
      if (!sendNow()) send(true);
      navigate();
      return 'true';
    },
    commit(arg) {
      if (!rt.commit(String(arg))) return 'false';
      clearTimeout(debounceTimer);
      if (sendNow()) return 'true';
      rt.commitFailed();
      return 'false';
    },
    getValue(element) {
      apiCalled = true;
      return rt.getValue(String(element));
    },
    setValue(element, value) {
      if (superseded) {
        rt.fail(is12 ? 101 : 351, 'this course is open in another tab or window');
        return 'false';
      }
      const k = String(element);
      const v = String(value);
      if (!rt.setValue(k, v)) return 'false';
      unacked.set(k, v);
      debounce();
      return 'true';
    },
    getLastError: () => rt.getLastError(),
    getErrorString: (code) => rt.errorString(String(code)),
    getDiagnostic: (code) => rt.diagnostic(String(code)),
  };

  if (is12) {
    window.API = {
      LMSInitialize: api.initialize, LMSFinish: api.terminate, LMSCommit: api.commit,
      LMSGetValue: api.getValue, LMSSetValue: api.setValue, LMSGetLastError: api.getLastError,
      LMSGetErrorString: api.getErrorString, LMSGetDiagnostic: api.getDiagnostic,
    };
  } else {
    window.API_1484_11 = {
      Initialize: api.initialize, Terminate: api.terminate, Commit: api.commit,
      GetValue: api.getValue, SetValue: api.setValue, GetLastError: api.getLastError,
      GetErrorString: api.getErrorString, GetDiagnostic: api.getDiagnostic,
    };
  }

  // The frame navigated away from the SCO (or to another page of it): send what it set.
  document.addEventListener('DOMContentLoaded', () => {
    const frame = document.getElementById('player-frame');
    if (frame) {
      frame.addEventListener('load', () => {
        frameLoaded = true;
        try {
          frame.contentWindow.addEventListener('pagehide', () => {
            if (pending()) send();
          });
        } catch (e) {
          // A page of another origin: nothing of ours to watch.
        }
      });
    }
    // Packages that need a window of their own find the API through window.opener.
    const open = document.getElementById('player-open');
    if (open) {
      open.addEventListener('click', () => {
        const w = window.open(data.launch, 'course');
        if (!w) {
          show('retrying');
          if (alertBox) alertBox.textContent = 'Your browser blocked the course window. Allow pop-ups for this site, then choose Open the course again.';
          return;
        }
        const watch = setInterval(() => {
          if (w.closed) {
            clearInterval(watch);
            if (initialized && !ended) ended = true;
            send();
          }
        }, 1000);
      });
    }
  });
})();
