// A test LMS for SCORM packages: scorm-again (an independent, widely used LMS-side
// implementation) as the API in a player page, headless Chromium, and a loopback HTTP
// server that serves the extracted packages and records every commit as an LMS would
// receive it (with its size in bytes). Used by the SCORM runtime tests and by
// `bench/commit.sh`.
//
// The LMS judges as real ones do: it takes the mastery score (1.2) or scaled passing
// score (2004) from the package's manifest and lets it decide pass or fail.

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';

const SCORM_AGAIN = join(process.cwd(), 'node_modules', 'scorm-again', 'dist');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const HARNESS = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test LMS</title></head><body>
<script src="/scorm-again/scorm12.js"></script><script src="/scorm-again/scorm2004.js"></script>
<script>
  var q = new URLSearchParams(location.search);
  var v = q.get('v');
  var settings = { lmsCommitUrl: '/commit?session=' + q.get('session'), logLevel: 5, mastery_override: true };
  var api = v === '1.2' ? new Scorm12API(settings) : new Scorm2004API(settings);
  if (q.get('seed')) { api.loadFromJSON(JSON.parse(q.get('seed'))); }
  window.calls = [];
  ['LMSInitialize', 'LMSSetValue', 'LMSCommit', 'LMSFinish', 'Initialize', 'SetValue', 'Commit', 'Terminate'].forEach(function (m) {
    if (typeof api[m] !== 'function') { return; }
    var orig = api[m].bind(api);
    api[m] = function () {
      var r = orig.apply(null, arguments);
      var err = v === '1.2' ? api.LMSGetLastError() : api.GetLastError();
      window.calls.push({ method: m, args: Array.prototype.slice.call(arguments), result: r, error: err });
      return r;
    };
  });
  if (v === '1.2') { window.API = api; } else { window.API_1484_11 = api; }
  var f = document.createElement('iframe');
  f.id = 'sco'; f.title = 'Course'; f.style.cssText = 'width:100%;height:95vh;border:0';
  f.src = '/' + q.get('pkg') + '/launch.html';
  document.body.appendChild(f);
  window.closeSco = function () { f.remove(); };
</script></body></html>`;

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.mp4': 'video/mp4', '.vtt': 'text/vtt', '.pdf': 'application/pdf' };

/* The value the LMS last received for an element, from the commits it stored. */
function last(commits, session) {
  const list = commits[session] || [];
  if (list.length === 0) { throw new Error(`no commits for ${session}`); }
  return list[list.length - 1].cmi;
}

export function interactions(cmi) {
  const obj = cmi.interactions || {};
  const list = Array.isArray(obj) ? obj : Object.keys(obj).filter((k) => /^\d+$/.test(k)).sort((a, b) => a - b).map((k) => obj[k]);
  return list.map((i) => ({
    id: i.id, type: i.type, result: i.result,
    response: i.student_response ?? i.learner_response,
    pattern: (Array.isArray(i.correct_responses) ? i.correct_responses[0] : (i.correct_responses || {})['0'] || (i.correct_responses || {}).childArray?.[0])?.pattern,
  }));
}

/* What an LMS takes from the manifest before launch: the mastery score (1.2), which it
   then applies to the score, or the scaled passing score (2004). */
async function fromManifest(packages, v, pkg) {
  const xml = await readFile(join(packages, pkg, 'imsmanifest.xml'), 'utf8');
  if (v === '1.2') {
    const m = xml.match(/<adlcp:masteryscore>([^<]+)</);
    return { cmi: { core: { credit: 'credit' }, student_data: m ? { mastery_score: m[1] } : {} } };
  }
  const m = xml.match(/<imsss:minNormalizedMeasure>([^<]+)</);
  return { cmi: m ? { scaled_passing_score: m[1] } : {} };
}

function merge(a, b) {
  const out = { ...a };
  for (const [k, v] of Object.entries(b || {})) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) ? merge(a[k] || {}, v) : v;
  }
  return out;
}

async function open(browser, base, packages, v, pkg, session, seed) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const params = new URLSearchParams({ v, pkg, session });
  params.set('seed', JSON.stringify(merge(await fromManifest(packages, v, pkg), seed)));
  await page.goto(`${base}/lms.html?${params}`);
  const course = page.frameLocator('#sco').frameLocator('#course-frame');
  return { page, course, errors };
}

export async function failedCalls(page) {
  return page.evaluate(() => window.calls.filter((c) => String(c.result) !== 'true').map((c) => `${c.method}(${c.args.join(', ')}) = ${c.result}, error ${c.error}`));
}

export async function close(page) {
  await page.evaluate(() => window.closeSco());
  await page.waitForTimeout(200);
}

/* Starts the LMS over the packages extracted in `packages` (one folder each). */
export async function startLms(packages) {
  const commits = {};
  let server, base, browser;
  server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/commit') {
      const chunks = [];
      for await (const chunk of req) { chunks.push(chunk); }
      const bytes = Buffer.concat(chunks);
      const session = url.searchParams.get('session');
      const body = JSON.parse(bytes.toString('utf8'));
      Object.defineProperty(body, 'bytes', { value: bytes.length });
      (commits[session] ||= []).push(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"result":true,"errorCode":0}');
      return;
    }
    if (url.pathname === '/lms.html') { res.writeHead(200, { 'content-type': 'text/html' }); res.end(HARNESS); return; }
    const root = url.pathname.startsWith('/scorm-again/') ? SCORM_AGAIN : packages;
    const rel = normalize(decodeURIComponent(url.pathname.replace(/^\/scorm-again\//, '/'))).replace(/^(\.\.[/\\])+/, '');
    try {
      const body = await readFile(join(root, rel));
      res.writeHead(200, { 'content-type': TYPES[extname(rel)] || 'application/octet-stream' });
      res.end(body);
    } catch { res.writeHead(404); res.end(); }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

  return {
    commits,
    base,
    /* Opens `pkg` in a new page as SCORM `v`, with the LMS seeded from the manifest
       and `seed` (a resumed attempt's data). */
    open: (v, pkg, session, seed) => open(browser, base, packages, v, pkg, session, seed),
    /* The data model the LMS last received in `session`. */
    last: (session) => last(commits, session),
    /* A page with no LMS around it. */
    newPage: () => browser.newPage(),
    stop: async () => { await browser?.close(); server?.close(); },
  };
}

/* Plays a course built like the benchmark's (knowledge checks whose first option is
   right): from the start, `pages` pages, answering every knowledge check and going on
   with Next; then closes the tab as a learner would, without finishing. Returns where
   the learner was and how many pages they went on from. */
export async function readAndLeave(lms, v, pkg, session, pages) {
  const first = await lms.open(v, pkg, session);
  const frame = () => first.page.frame({ url: new RegExp(`/${pkg}/(?!launch)[^/]+\\.html`) });
  await first.course.getByRole('link', { name: /Start/ }).click();
  for (let n = 0; n < pages; n++) {
    await first.course.locator('body[data-page^="lesson-"]').waitFor();
    await frame().waitForFunction(() => !!window.CourseRuntime);
    const here = await frame().evaluate(() => {
      Array.prototype.slice.call(document.querySelectorAll('form.course-question')).forEach((f) => {
        f.querySelector('input').checked = true;
        f.requestSubmit();
      });
      return document.body.dataset.page;
    });
    await first.course.getByRole('link', { name: /Next/ }).click();
    await first.course.locator(`body:not([data-page="${here}"])`).waitFor();
  }
  const location = await frame().evaluate(() => document.body.dataset.page);
  // The tab is closed: the LMS gets only what the browser lets leave as it closes.
  await first.page.close({ runBeforeUnload: true });
  await new Promise((r) => setTimeout(r, 500));
  if (first.errors.length) { throw new Error(first.errors.join('\n')); }
  return { location, pages };
}

/* Answers every visible question of the course page in `frame` from its own answer
   key (decoded as the runtime decodes it), all right or all wrong; knowledge checks are
   checked one by one, an assessment is left for its Submit button. */
export async function answerFromKeys(frame, right) {
  return frame.evaluate((right) => {
    function decodeKey(id, encoded) {
      const bin = atob(encoded);
      const key = `${id}:course`;
      const bytes = Uint8Array.from(bin, (c, i) => c.charCodeAt(0) ^ key.charCodeAt(i % key.length));
      return JSON.parse(new TextDecoder().decode(bytes));
    }
    const forms = Array.from(document.querySelectorAll('form.course-question:not([hidden])'));
    for (const f of forms) {
      const k = decodeKey(f.dataset.question, JSON.parse(f.querySelector('.course-question__key').textContent));
      const inputs = Array.from(f.querySelectorAll('input'));
      const selects = Array.from(f.querySelectorAll('select'));
      switch (f.dataset.kind) {
        case 'single': case 'true-false': case 'multiple': {
          const good = (v) => k.correct.includes(v);
          inputs.forEach((i) => { i.checked = false; });
          if (right) { inputs.filter((i) => good(i.value)).forEach((i) => { i.checked = true; }); }
          else { inputs.find((i) => !good(i.value)).checked = true; }
          inputs.forEach((i) => i.dispatchEvent(new Event('change', { bubbles: true })));
          break;
        }
        case 'fill-in': inputs[0].value = right ? k.answers[0] : 'not this'; break;
        case 'numeric': inputs[0].value = right ? String((k.range[0] + k.range[1]) / 2) : String(k.range[1] + 1000); break;
        case 'matching': {
          const pairs = Object.fromEntries(k.correct.map((p) => p.split('.')));
          const targets = k.targets;
          selects.forEach((s, n) => {
            s.value = right ? pairs[s.name] : targets[(targets.indexOf(pairs[s.name]) + 1) % targets.length];
          });
          break;
        }
        case 'ordering':
          selects.forEach((s) => {
            const at = k.correct.indexOf(s.name);
            s.value = String(right ? at + 1 : k.correct.length - at);
          });
          if (!right && k.correct.length % 2 === 1) {
            // The middle step stays put when reversed: swap it with the first.
            const mid = selects.find((s) => s.name === k.correct[(k.correct.length - 1) / 2]);
            const first = selects.find((s) => s.name === k.correct[0]);
            [mid.value, first.value] = [first.value, mid.value];
          }
          break;
      }
      [...inputs, ...selects].forEach((el) => el.dispatchEvent(new Event('change', { bubbles: true })));
      if (f.dataset.graded !== 'true') { f.requestSubmit(); }
    }
    return forms.length;
  }, right);
}
