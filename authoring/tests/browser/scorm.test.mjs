// The SCORM packages' runtime, tested for real: each package runs in headless Chromium
// inside a page whose LMS-side API is scorm-again (an independent, widely used
// implementation), committing to this script's HTTP server as an LMS would receive it.
//
// Run by the Rust test `scorm::packages_run_under_scorm_again`, which packages the hand
// hygiene sample (and a republished copy with an extra question) and extracts the zips
// into PACKAGES_DIR as pkg12/, pkg2004/, pkg12-v2/ and pkg2004-v2/; copies under each
// completion rule with two attempts (both12/, all-pages2004/, assessment12/, ...); and
// the benchmark's generated course of 200 lessons and 500 questions (big2004/).
//
// The LMS is `lms.mjs`: it judges as real ones do, from the manifest's mastery or
// passing score.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLms, interactions, failedCalls, close, readAndLeave, answerFromKeys } from './lms.mjs';

const PACKAGES = process.env.PACKAGES_DIR;
let lms, commits;
before(async () => {
  assert.ok(PACKAGES, 'PACKAGES_DIR must name the extracted packages');
  lms = await startLms(PACKAGES);
  commits = lms.commits;
});
after(async () => { await lms?.stop(); });
const open = (...args) => lms.open(...args);
const last = (session) => lms.last(session);

const RIGHT = {
  'a-moment-cannula': ['Before a clean or aseptic procedure'],
  'a-moment-bedrail': ['Yes: it is moment 5, after touching patient surroundings'],
  'a-gloves': ['False'],
  'a-soap': ['Your hands are visibly soiled', 'The patient has diarrhoea'],
  'a-rub-name': 'alcohol hand rub',
  'a-wash-seconds': '40',
  'a-dry': ['Rinse your hands with water', 'Dry your hands with a paper towel', 'Turn off the tap with the towel'],
};

async function completeCourse(course) {
  await course.getByRole('link', { name: 'Start the course' }).click();
  const check = course.locator('#q-why-hands');
  await check.getByLabel('Cleaning your hands at the right moments').check();
  await check.getByRole('button', { name: 'Check answer' }).click();
  await check.getByText('Correct', { exact: true }).waitFor();
  for (const next of ['five-moments', 'technique', 'assessment']) {
    await course.getByRole('link', { name: /Next/ }).click();
    await course.locator(`body[data-page="${next}"]`).waitFor();
    if (next === 'five-moments') {
      const match = course.locator('#q-moments-match');
      await match.getByLabel('Removing gloves after emptying a urine bag').selectOption({ label: 'After body fluid exposure risk' });
      await match.getByLabel('Flushing a cannula').selectOption({ label: 'Before a clean or aseptic procedure' });
      await match.getByLabel("Straightening a patient's bed sheets").selectOption({ label: "After touching a patient's surroundings" });
      await match.getByRole('button', { name: 'Check answer' }).click();
      await match.getByText('Correct', { exact: true }).waitFor();
    }
    if (next === 'technique') {
      const tf = course.locator('#q-rub-spores');
      await tf.getByLabel('True').check();
      await tf.getByRole('button', { name: 'Check answer' }).click();
      await tf.getByText('Incorrect', { exact: true }).waitFor();
    }
  }
  return answerAssessment(course, true);
}

/* Answers the drawn questions of the assessment on the current page, all right or all
   wrong, and submits them. */
async function answerAssessment(course, right) {
  // The page may still be loading after the click that led here.
  await course.locator('body[data-page="assessment"] [data-assessment]').waitFor();
  const ids = await course.locator('form.course-question:not([hidden])').evaluateAll((fs) => fs.map((f) => f.dataset.question));
  for (const id of ids) {
    const form = course.locator(`#q-${id}`);
    const a = RIGHT[id];
    if (typeof a === 'string') { await form.getByRole('textbox').fill(right ? a : '7'); }
    else if (id === 'a-dry') {
      for (const [i, label] of a.entries()) { await form.getByLabel(label, { exact: true }).selectOption(String(right ? i + 1 : a.length - i)); }
    } else if (right) { for (const label of a) { await form.getByLabel(label, { exact: true }).check(); } }
    else {
      const labels = (await form.locator('label.course-choice__label').allTextContents()).map((l) => l.trim());
      await form.getByLabel(labels.find((l) => !a.includes(l)), { exact: true }).check();
    }
  }
  await course.getByRole('button', { name: 'Submit answers' }).click();
  await course.getByRole('heading', { name: right ? 'You passed' : 'You did not pass' }).waitFor();
  return ids;
}

/* The status an LMS holds for the learner, in both versions' terms. */
function recorded(v, cmi) {
  return v === '1.2'
    ? { status: cmi.core.lesson_status, raw: cmi.core.score.raw, exit: cmi.core.exit }
    : { completion: cmi.completion_status, success: cmi.success_status, raw: cmi.score.raw, progress: cmi.progress_measure, exit: cmi.exit };
}

function resumeSeed(v, left) {
  return v === '1.2'
    ? { cmi: { core: { entry: 'resume', lesson_location: left.core.lesson_location, lesson_status: left.core.lesson_status }, suspend_data: left.suspend_data } }
    : { cmi: { entry: 'resume', location: left.location, suspend_data: left.suspend_data, completion_status: left.completion_status } };
}

async function viewEveryPage(course) {
  await course.getByRole('link', { name: 'Start the course' }).click();
  for (const next of ['five-moments', 'technique', 'assessment']) {
    await course.getByRole('link', { name: /Next/ }).click();
    await course.locator(`body[data-page="${next}"]`).waitFor();
  }
}

for (const v of ['1.2', '2004']) {
  const pkg = v === '1.2' ? 'pkg12' : 'pkg2004';

  test(`SCORM ${v}: completing the course records status, score, time and interactions`, async () => {
    const session = `${pkg}-complete`;
    const { page, course, errors } = await open(v, pkg, session);
    await course.locator('body[data-page="index"]').waitFor();
    const drawn = await completeCourse(course);
    await close(page);
    assert.deepEqual(await failedCalls(page), [], 'every API call succeeds');
    const calls = await page.evaluate(() => window.calls.map((c) => c.method));
    assert.equal(calls.filter((m) => m === 'LMSInitialize' || m === 'Initialize').length, 1, 'initialised once');
    assert.equal(calls.filter((m) => m === 'LMSFinish' || m === 'Terminate').length, 1, 'terminated once');
    const cmi = last(session);
    const list = interactions(cmi);
    assert.equal(list.length, 3 + drawn.length, 'one interaction per answer');
    const match = list.find((i) => i.id === 'moments-match');
    const tf = list.find((i) => i.id === 'rub-spores');
    assert.equal(match.type, 'matching');
    assert.equal(match.result, 'correct');
    assert.equal(tf.type, 'true-false');
    assert.equal(tf.result, v === '1.2' ? 'wrong' : 'incorrect');
    if (v === '1.2') {
      // Options by position: the three pairs in authored order, targets in order first written.
      assert.equal(match.response, 'a.a,b.b,c.c');
      assert.equal(match.pattern, 'a.a,b.b,c.c');
      assert.deepEqual([tf.response, tf.pattern], ['t', 'f']);
    } else {
      assert.match(match.response, /^[0-9a-f]{6}\[\.\][0-9a-f]{6}(\[,\][0-9a-f]{6}\[\.\][0-9a-f]{6}){2}$/);
      assert.equal(match.response, match.pattern);
      assert.deepEqual([tf.response, tf.pattern], ['true', 'false']);
    }
    if (v === '1.2') {
      assert.equal(cmi.core.lesson_status, 'passed');
      assert.equal(cmi.core.score.raw, '100');
      assert.equal(cmi.core.score.min, '0');
      assert.equal(cmi.core.score.max, '100');
      assert.match(cmi.core.session_time, /^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$/);
      assert.equal(cmi.core.exit, '');
      assert.equal(cmi.core.lesson_location, 'assessment');
      assert.ok(list.filter((i) => i.id !== 'rub-spores').every((i) => i.result === 'correct'), JSON.stringify(list));
      const check = list[0];
      assert.deepEqual([check.id, check.type, check.response, check.pattern], ['why-hands', 'choice', 'b', 'b']);
      const byId = Object.fromEntries(list.map((i) => [i.id, i]));
      if (byId['a-gloves']) { assert.deepEqual([byId['a-gloves'].type, byId['a-gloves'].response], ['true-false', 'f']); }
      assert.deepEqual([byId['a-dry'].type, byId['a-dry'].response, byId['a-dry'].pattern], ['sequencing', 'a,b,c', 'a,b,c']);
      assert.deepEqual([byId['a-wash-seconds'].type, byId['a-wash-seconds'].response], ['numeric', '40']);
      assert.deepEqual([byId['a-rub-name'].type, byId['a-rub-name'].response], ['fill-in', 'alcohol hand rub']);
    } else {
      assert.equal(cmi.completion_status, 'completed');
      assert.equal(cmi.success_status, 'passed');
      assert.equal(cmi.score.scaled, '1');
      assert.equal(cmi.score.raw, '100');
      assert.equal(cmi.progress_measure, '1');
      assert.match(cmi.session_time, /^PT\d+H\d+M\d+(\.\d{1,2})?S$/);
      assert.equal(cmi.exit, 'normal');
      assert.equal(cmi.location, 'assessment');
      assert.ok(list.filter((i) => i.id !== 'rub-spores').every((i) => i.result === 'correct'), JSON.stringify(list));
      const byId = Object.fromEntries(list.map((i) => [i.id, i]));
      assert.equal(byId['why-hands'].type, 'choice');
      assert.equal(byId['a-dry'].type, 'sequencing');
      assert.match(byId['a-dry'].response, /^[0-9a-f]{6}\[,\][0-9a-f]{6}\[,\][0-9a-f]{6}$/);
      assert.equal(byId['a-dry'].response, byId['a-dry'].pattern);
      assert.deepEqual([byId['a-wash-seconds'].type, byId['a-wash-seconds'].response, byId['a-wash-seconds'].pattern], ['numeric', '40', '40[:]40']);
      assert.equal(byId['a-rub-name'].type, 'fill-in');
    }
    const state = JSON.parse(cmi.suspend_data);
    assert.equal(state.s.length, 5 * 4, 'four pages seen');
    assert.equal(state.c, 1);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test(`SCORM ${v}: leaving half-way and coming back resumes the page and answers, also after republishing`, async () => {
    const session = `${pkg}-leave`;
    const first = await open(v, pkg, session);
    await first.course.getByRole('link', { name: 'Start the course' }).click();
    await first.course.getByRole('link', { name: /Next/ }).click();
    await first.course.locator('body[data-page="five-moments"]').waitFor();
    const multi = first.course.locator('#q-moments-which');
    for (const label of ['Before touching a patient', "After touching a patient's surroundings", 'After body fluid exposure risk']) { await multi.getByLabel(label).check(); }
    await multi.getByRole('button', { name: 'Check answer' }).click();
    await multi.getByText('Correct', { exact: true }).waitFor();
    // Checking the same answer again journals nothing more.
    await multi.getByRole('button', { name: 'Check answer' }).click();
    await close(first.page);
    assert.deepEqual(await failedCalls(first.page), []);
    const left = last(session);
    const opening = commits[session][0].cmi;
    assert.equal(v === '1.2' ? opening.core.exit : opening.exit, 'suspend', 'suspended from the first commit');
    const which = interactions(left).filter((i) => i.id === 'moments-which');
    assert.equal(which.length, 1, JSON.stringify(which));
    assert.equal(which[0].response, which[0].pattern, 'options in the order the pattern lists them');
    const suspend = left.suspend_data;
    const location = v === '1.2' ? left.core.lesson_location : left.location;
    assert.equal(v === '1.2' ? left.core.exit : left.exit, 'suspend');
    assert.equal(v === '1.2' ? left.core.lesson_status : left.completion_status, 'incomplete');
    assert.equal(location, 'five-moments');
    assert.ok(suspend.length < (v === '1.2' ? 4096 : 64000));
    await first.page.close();

    const seed = v === '1.2'
      ? { cmi: { core: { entry: 'resume', lesson_location: location, lesson_status: 'incomplete' }, suspend_data: suspend } }
      : { cmi: { entry: 'resume', location, suspend_data: suspend, completion_status: 'incomplete' } };
    for (const version of [pkg, `${pkg}-v2`]) {
      const again = await open(v, version, `${version}-resume`, seed);
      await again.course.locator('body[data-page="five-moments"]').waitFor();
      const form = again.course.locator('#q-moments-which');
      const got = await again.page.evaluate(() => window.calls.slice(0, 3));
      const restored = await again.page.evaluate((v) => (v === '1.2' ? window.API.LMSGetValue('cmi.suspend_data') : window.API_1484_11.GetValue('cmi.suspend_data')), v);
      assert.equal(await form.getByLabel('Before touching a patient').isChecked(), true, `${version}: answer restored; LMS has ${restored}; left ${suspend}; calls ${JSON.stringify(got)}`);
      assert.equal(await form.getByLabel('Before entering the staff room').isChecked(), false);
      await form.getByText('Correct', { exact: true }).waitFor();
      if (version.endsWith('-v2')) {
        const added = again.course.locator('#q-added-after-publishing');
        await added.waitFor();
        assert.equal(await added.locator('input:checked').count(), 0, 'the new question starts unanswered');
      }
      assert.match(await again.course.locator('[data-course-progress]').textContent(), /viewed 2 of 4 pages/);
      assert.deepEqual(again.errors, []);
      await again.page.close();
    }
  });
}

/* The status an LMS records follows the course's completion rule, in both versions, with
   the LMS judging from the manifest's mastery or passing score as real ones do. */
for (const v of ['1.2', '2004']) {
  const suffix = v === '1.2' ? '12' : '2004';

  test(`SCORM ${v}, rule "both": passing the assessment without reading the pages is not a completion`, async () => {
    const pkg = `both${suffix}`;
    const session = `${pkg}-assessment-only`;
    const { page, course, errors } = await open(v, pkg, session);
    await course.getByRole('link', { name: 'Hand hygiene assessment' }).click();
    await course.locator('body[data-page="assessment"]').waitFor();
    await answerAssessment(course, true);
    await close(page);
    assert.deepEqual(await failedCalls(page), []);
    const r = recorded(v, last(session));
    if (v === '1.2') {
      assert.equal(r.status, 'incomplete', JSON.stringify(r));
    } else {
      assert.deepEqual([r.completion, r.success], ['incomplete', 'passed']);
      assert.ok(Number(r.progress) < 1, `progress ${r.progress} while incomplete`);
    }
    assert.equal(r.exit, 'suspend');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test(`SCORM ${v}, rule "all-pages": reading every page completes the course whatever the assessment`, async () => {
    const pkg = `all-pages${suffix}`;
    const session = `${pkg}-read-and-fail`;
    const { page, course, errors } = await open(v, pkg, session);
    await viewEveryPage(course);
    await answerAssessment(course, false);
    await course.getByRole('button', { name: 'Try again' }).click();
    await answerAssessment(course, false);
    await course.getByText('You have no attempts left', { exact: false }).waitFor();
    await close(page);
    assert.deepEqual(await failedCalls(page), []);
    const r = recorded(v, last(session));
    if (v === '1.2') {
      assert.equal(r.status, 'completed', JSON.stringify(r));
    } else {
      assert.deepEqual([r.completion, r.success, r.progress], ['completed', 'failed', '1']);
    }
    assert.equal(r.raw, '0');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test(`SCORM ${v}, rule "assessment": a failed attempt is not a failure while attempts remain`, async () => {
    const pkg = `assessment${suffix}`;
    const session = `${pkg}-fail-once`;
    const first = await open(v, pkg, session);
    await first.course.getByRole('link', { name: 'Hand hygiene assessment' }).click();
    await first.course.locator('body[data-page="assessment"]').waitFor();
    await answerAssessment(first.course, false);
    await close(first.page);
    assert.deepEqual(await failedCalls(first.page), []);
    const once = last(session);
    const r = recorded(v, once);
    if (v === '1.2') { assert.equal(r.status, 'incomplete', JSON.stringify(r)); }
    else { assert.deepEqual([r.completion, r.success], ['incomplete', 'unknown'], JSON.stringify(r)); }
    assert.equal(r.raw, '', 'no score until the outcome is final');
    assert.deepEqual(first.errors, []);
    await first.page.close();

    const again = await open(v, pkg, `${pkg}-fail-twice`, resumeSeed(v, once));
    await again.course.locator('body[data-page="assessment"]').waitFor();
    await again.course.getByRole('button', { name: 'Try again' }).click();
    await answerAssessment(again.course, false);
    await close(again.page);
    const r2 = recorded(v, last(`${pkg}-fail-twice`));
    if (v === '1.2') { assert.equal(r2.status, 'failed', JSON.stringify(r2)); }
    else { assert.deepEqual([r2.completion, r2.success], ['incomplete', 'failed'], JSON.stringify(r2)); }
    assert.equal(r2.raw, '0');
    assert.deepEqual(again.errors, []);
    await again.page.close();
  });
}

test('SCORM 2004: the benchmark course, 200 lessons and 500 questions, never sends a commit a closing tab would lose', async () => {
  const v = '2004', pkg = 'big2004', session = 'big-first';
  const { location, pages } = await readAndLeave(lms, v, pkg, session, 120);
  const list = commits[session];
  const largest = Math.max(...list.map((c) => c.bytes));
  console.log(`# big course: ${list.length} commits, largest ${largest} bytes, ${Object.keys(list[list.length - 1].cmi.interactions).filter((k) => /^\d+$/.test(k)).length} interactions`);
  assert.ok(largest <= 64 * 1024, `a commit of ${largest} bytes would be lost as the tab closes`);
  const left = list[list.length - 1].cmi;
  assert.equal(left.exit, 'suspend');
  assert.equal(left.location, location);
  const caps = await readFile(join(PACKAGES, pkg, 'launch.html'), 'utf8');
  const max = Number(caps.match(/"max":(\d+)/)[1]);
  const journalled = Object.keys(left.interactions).filter((k) => /^\d+$/.test(k)).length;
  assert.ok(journalled > 0 && journalled <= max, `${journalled} interactions, cap ${max}`);

  // Relaunched: the learner is back on the page they left, with their answers.
  const again = await open(v, pkg, 'big-again', resumeSeed(v, left));
  await again.course.locator(`body[data-page="${location}"]`).waitFor();
  const back = again.page.frame({ url: new RegExp(`big2004/${location}\\.html`) });
  await again.course.getByRole('link', { name: 'Course contents' }).first().click();
  await again.course.locator('body[data-page="index"]').waitFor();
  assert.match(await again.course.locator('[data-course-progress]').textContent(), new RegExp(`viewed ${pages + 1} of 201 pages`));
  assert.ok(back);
  // And finishing the course is recorded, the assessment's answers journalled.
  await again.course.getByRole('link', { name: 'Assessment', exact: true }).click();
  await again.course.locator('body[data-page="assessment"]').waitFor();
  const assessment = again.page.frame({ url: /big2004\/assessment\.html/ });
  await assessment.evaluate(() => {
    Array.prototype.slice.call(document.querySelectorAll('form.course-question')).forEach((f) => { f.querySelector('input').checked = true; });
  });
  await again.course.getByRole('button', { name: 'Submit answers' }).click();
  await again.course.getByRole('heading', { name: 'You passed' }).waitFor();
  await close(again.page);
  const done = last('big-again');
  assert.deepEqual([done.success_status, done.score.raw], ['passed', '100']);
  assert.equal(done.completion_status, 'incomplete', 'the rule is "both" and 80 pages are unread');
  assert.ok(Math.max(...commits['big-again'].map((c) => c.bytes)) <= 64 * 1024);
  assert.deepEqual(again.errors, []);
  await again.page.close();
});

/* Every sample, in both versions: the learner reads a page, answers its checks and
   closes the tab, page after page, each time resuming from what the LMS kept; the status
   stays "not complete" until the rule is met, then is what the rule says. */
// The samples' rules: "both" (hand hygiene, data security) and "assessment" (fire safety).
const SAMPLES = ['hand', 'ds', 'fs'];
for (const v of ['1.2', '2004']) {
  for (const sample of SAMPLES) {
    const pkg = `${sample}${v === '1.2' ? '12' : '2004'}`;
    test(`SCORM ${v}, ${pkg}: closed after every page and resumed, it records what its rule says`, async () => {
      let seed = null;
      let previous = null;
      let pages = 0;
      for (;;) {
        const session = `${pkg}-visit-${pages}`;
        const visit = await open(v, pkg, session, seed);
        const frame = () => visit.page.frame({ url: new RegExp(`/${pkg}/(?!launch)[^/]+\\.html`) });
        // Resumed where the learner left, then on to the next page.
        const before = previous || 'index';
        await visit.course.locator(`body[data-page="${before}"]`).waitFor();
        await visit.course.getByRole('link', { name: seed ? /Next/ : 'Start the course' }).click();
        await visit.course.locator(`body[data-page]:not([data-page="${before}"])`).waitFor();
        pages += 1;
        const here = await frame().evaluate(() => document.body.dataset.page);
        previous = here;
        // The page's script must be running before its checks are answered: a form
        // submitted earlier is submitted by the browser itself, and the page goes.
        await frame().waitForFunction(() => !!window.CourseRuntime);
        await answerFromKeys(frame(), true);
        const isAssessment = await frame().evaluate(() => !!document.querySelector('[data-assessment]'));
        if (isAssessment) {
          await visit.course.getByRole('button', { name: 'Submit answers' }).click();
          await visit.course.getByRole('heading', { name: 'You passed' }).waitFor();
        } else {
          await visit.course.locator('.course-feedback__result').first().waitFor();
        }
        await visit.page.close({ runBeforeUnload: true });
        await new Promise((r) => setTimeout(r, 300));
        const left = last(session);
        const r = recorded(v, left);
        assert.equal(v === '1.2' ? left.core.lesson_location : left.location, here, `${pkg}: bookmark after ${here}`);
        assert.deepEqual(visit.errors, []);
        if (isAssessment) {
          if (v === '1.2') { assert.equal(r.status, 'passed', `${pkg}: ${JSON.stringify(r)}`); }
          else { assert.deepEqual([r.completion, r.success], ['completed', 'passed'], `${pkg}: ${JSON.stringify(r)}`); }
          assert.equal(r.raw, '100');
          break;
        }
        if (v === '1.2') { assert.equal(r.status, 'incomplete', `${pkg} after ${here}: ${JSON.stringify(r)}`); }
        else {
          assert.equal(r.completion, 'incomplete', `${pkg} after ${here}`);
          assert.ok(Number(r.progress) < 1, `${pkg} after ${here}: progress ${r.progress}`);
        }
        assert.equal(r.exit, 'suspend', `${pkg} after ${here}`);
        seed = resumeSeed(v, left);
        assert.ok(pages < 20, 'the course ends');
      }
      assert.ok(pages >= 4, `${pkg}: ${pages} pages`);
    });
  }
}

test('without an LMS the package runs in preview mode', async () => {
  const page = await lms.newPage();
  await page.goto(`${lms.base}/pkg2004/launch.html`);
  const course = page.frameLocator('#course-frame');
  await course.getByRole('link', { name: 'Start the course' }).click();
  await course.locator('body[data-page="infections-and-hands"]').waitFor();
  await page.close();
});
