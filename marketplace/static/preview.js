// The SCORM API of an untracked preview: both versions' objects (window.API for 1.2,
// window.API_1484_11 for 2004), found by content in its parent frame. Every call
// succeeds; values set are kept in this page only, so the content behaves as it would
// (a bookmark it sets, it can read back), and nothing is ever sent anywhere. The
// learner is in browse mode with no credit, as SCORM defines a preview.
'use strict';
(() => {
  const values = new Map();
  const defaults = {
    'cmi.core.student_id': 'preview', 'cmi.core.student_name': 'Preview, Learner',
    'cmi.core.lesson_status': 'not attempted', 'cmi.core.entry': 'ab-initio',
    'cmi.core.lesson_mode': 'browse', 'cmi.core.credit': 'no-credit',
    'cmi.core.lesson_location': '', 'cmi.suspend_data': '', 'cmi.launch_data': '',
    'cmi.core.score.raw': '', 'cmi.core.total_time': '0000:00:00',
    'cmi.learner_id': 'preview', 'cmi.learner_name': 'Preview, Learner',
    'cmi.completion_status': 'unknown', 'cmi.success_status': 'unknown',
    'cmi.entry': 'ab-initio', 'cmi.mode': 'browse', 'cmi.credit': 'no-credit',
    'cmi.location': '', 'cmi.total_time': 'PT0S', 'cmi.interactions._count': '0',
    'cmi.objectives._count': '0', 'cmi.core._children': 'student_id,student_name,lesson_location,credit,lesson_status,entry,score,total_time,lesson_mode,exit,session_time',
  };
  const get = (name) => {
    const key = String(name);
    if (values.has(key)) return values.get(key);
    return Object.prototype.hasOwnProperty.call(defaults, key) ? defaults[key] : '';
  };
  const set = (name, value) => {
    values.set(String(name), String(value));
    return 'true';
  };
  const ok = () => 'true';
  const noError = () => '0';
  const noText = () => '';
  window.API = {
    LMSInitialize: ok, LMSFinish: ok, LMSCommit: ok,
    LMSGetValue: get, LMSSetValue: set,
    LMSGetLastError: noError, LMSGetErrorString: noText, LMSGetDiagnostic: noText,
  };
  window.API_1484_11 = {
    Initialize: ok, Terminate: ok, Commit: ok,
    GetValue: get, SetValue: set,
    GetLastError: noError, GetErrorString: noText, GetDiagnostic: noText,
  };
})();
