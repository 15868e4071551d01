// Browser tests of a built course in real headless Chromium: keyboard use, questions
// answered right and wrong, feedback, the assessment, completion, reload and resume,
// reading without JavaScript, a 360-pixel phone, and axe-core on every page template.
//
// Run by the Rust test `browser` (cargo test), which builds the hand hygiene sample,
// serves it with `course serve` and passes its address in COURSE_URL.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BASE = process.env.COURSE_URL;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

let browser;
before(async () => {
  assert.ok(BASE, 'COURSE_URL must name the served course');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});
after(async () => { await browser?.close(); });

async function axe(page, name) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${name}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);
}

/* Answers to the sample's questions, by question id, as a person would give them. */
const RIGHT = {
  'a-moment-cannula': { choose: 'Before a clean or aseptic procedure' },
  'a-moment-bedrail': { choose: 'Yes: it is moment 5, after touching patient surroundings' },
  'a-gloves': { choose: 'False' },
  'a-soap': { choose: ['Your hands are visibly soiled', 'The patient has diarrhoea'] },
  'a-rub-name': { type: 'Alcohol gel' },
  'a-wash-seconds': { type: '40' },
  'a-dry': { order: ['Rinse your hands with water', 'Dry your hands with a paper towel', 'Turn off the tap with the towel'] },
};

async function answer(form, how) {
  if (how.choose) {
    for (const label of [].concat(how.choose)) { await form.getByLabel(label, { exact: true }).check(); }
  } else if (how.type) {
    await form.getByRole('textbox').fill(how.type);
  } else if (how.order) {
    for (const [i, label] of how.order.entries()) { await form.getByLabel(label, { exact: true }).selectOption(String(i + 1)); }
  }
}

async function visibleQuestionIds(page) {
  return page.$$eval('form.course-question:not([hidden])', (fs) => fs.map((f) => f.dataset.question));
}

test('a learner completes the course by keyboard, then resumes after a reload', async () => {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${BASE}index.html`);
  await axe(page, 'index');
  assert.equal(await page.locator('[data-course-resume]').isVisible(), false, 'no resume link before starting');

  // The first Tab reaches the skip link; following it moves focus to the main content.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to main content');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'maincontent');

  // Start the course from the keyboard.
  await page.getByRole('link', { name: 'Start the course' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/infections-and-hands\.html$/);
  await axe(page, 'lesson');

  // A knowledge check answered wrongly, then rightly, with the keyboard only.
  const check = page.locator('#q-why-hands');
  await check.getByLabel('Wearing gloves for all patient contact').focus();
  await page.keyboard.press('Space');
  await page.keyboard.press('Enter');
  const feedback = check.locator('.course-feedback');
  await assert.doesNotReject(feedback.getByText('Incorrect').waitFor());
  assert.match(await feedback.textContent(), /Gloves help in some situations/);
  assert.equal(await feedback.getAttribute('role'), 'status');
  await check.getByLabel('Wearing gloves for all patient contact').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await feedback.getByText('Correct', { exact: true }).waitFor();
  assert.match(await feedback.textContent(), /Clean hands break the chain/);

  // Tabs follow the ARIA pattern: arrow keys move between them.
  const staffTab = page.getByRole('tab', { name: 'Staff' });
  await page.getByRole('tab', { name: 'Patients' }).focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await staffTab.getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('#tab-staff').isVisible(), true);
  assert.equal(await page.locator('#tab-patients').isVisible(), false);

  // Glossary terms link to their definitions.
  await page.locator('a.course-glossary-term').first().waitFor();

  // Next page by keyboard.
  await page.getByRole('link', { name: /Next/ }).focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/five-moments\.html$/);
  const multi = page.locator('#q-moments-which');
  await answer(multi, { choose: ['Before touching a patient', "After touching a patient's surroundings", 'After body fluid exposure risk'] });
  await multi.getByRole('button', { name: 'Check answer' }).click();
  await multi.getByText('Correct', { exact: true }).waitFor();
  const match = page.locator('#q-moments-match');
  await match.getByLabel('Flushing a cannula').selectOption({ label: 'After body fluid exposure risk' });
  await match.getByLabel('Removing gloves after emptying a urine bag').selectOption({ label: 'Before a clean or aseptic procedure' });
  await match.getByLabel("Straightening a patient's bed sheets").selectOption({ label: "After touching a patient's surroundings" });
  await match.getByRole('button', { name: 'Check answer' }).click();
  await match.getByText('Incorrect', { exact: true }).waitFor();

  await page.getByRole('link', { name: /Next/ }).click();
  await page.waitForURL(/technique\.html$/);
  const numeric = page.locator('#q-rub-seconds');
  await answer(numeric, { type: '27' });
  await numeric.getByRole('button', { name: 'Check answer' }).click();
  await numeric.getByText('Correct', { exact: true }).waitFor();
  const order = page.locator('#q-wash-order');
  await answer(order, { order: ['Wet your hands with warm water', 'Apply liquid soap', 'Rub your palms together', 'Rinse your hands with water'] });
  await order.getByRole('button', { name: 'Check answer' }).click();
  await order.getByText('Correct', { exact: true }).waitFor();
  assert.equal(await page.locator('video track[kind=captions]').count(), 1);

  // The assessment: submitting with nothing answered shows an error summary with focus.
  await page.getByRole('link', { name: /Next/ }).click();
  await page.waitForURL(/assessment\.html$/);
  await axe(page, 'assessment');
  const ids = await visibleQuestionIds(page);
  assert.equal(ids.length, 6, 'a bank of 4 drawing 3, plus 3 fixed questions');
  await page.getByRole('button', { name: 'Submit answers' }).click();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'There is a problem');
  for (const id of ids) { await answer(page.locator(`#q-${id}`), RIGHT[id]); }
  await page.getByRole('button', { name: 'Submit answers' }).click();
  await page.getByRole('heading', { name: 'You passed' }).waitFor();
  assert.match(await page.locator('.course-assessment__result').textContent(), /You scored 100%/);
  await page.getByText('You have completed this course').waitFor();
  await axe(page, 'assessment result');

  // Reload: the result and the answers are still there.
  await page.reload();
  await page.getByRole('heading', { name: 'You passed' }).waitFor();
  assert.deepEqual(await visibleQuestionIds(page), ids, 'the same draw after a reload');
  const textbox = page.locator('#q-a-rub-name input, #q-a-wash-seconds input').first();
  if (await textbox.count()) { assert.notEqual(await textbox.inputValue(), ''); }

  // The contents page offers to continue where the learner left off, and shows completion.
  await page.goto(`${BASE}index.html`);
  const resume = page.locator('[data-course-resume]');
  await resume.waitFor();
  assert.match(await resume.textContent(), /Hand hygiene assessment/);
  await page.getByText('You have completed this course').waitFor();
  assert.match(await page.locator('[data-course-progress]').textContent(), /viewed 4 of 4 pages/);

  await page.goto(`${BASE}glossary.html`);
  await axe(page, 'glossary');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a failed attempt offers another, with a new draw, until attempts run out', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE}assessment.html`);
  for (let attempt = 1; attempt <= 3; attempt++) {
    const ids = await visibleQuestionIds(page);
    for (const id of ids) {
      const form = page.locator(`#q-${id}`);
      // Wrong on purpose: the first option, or a wrong text or order.
      if (RIGHT[id].choose) { await form.locator('input').first().check(); if ((await form.locator('input:checked').count()) === 0) { throw new Error('no option'); } }
      if (RIGHT[id].type) { await form.getByRole('textbox').fill('999'); }
      if (RIGHT[id].order) { await answer(form, { order: [...RIGHT[id].order].reverse() }); }
    }
    await page.getByRole('button', { name: 'Submit answers' }).click();
    await page.getByRole('heading', { name: 'You did not pass' }).waitFor();
    const left = 3 - attempt;
    if (left > 0) {
      assert.match(await page.locator('.course-assessment__result').textContent(), new RegExp(`${left} attempts? left`));
      await page.getByRole('button', { name: 'Try again' }).click();
      assert.equal(await page.locator('.course-assessment__result').isVisible(), false);
    } else {
      assert.match(await page.locator('.course-assessment__result').textContent(), /no attempts left/);
      assert.equal(await page.getByRole('button', { name: 'Try again' }).isVisible(), false);
    }
  }
  await context.close();
});

test('answers after "Try again" are saved, including questions the new draw brings in', async () => {
  const context = await browser.newContext();
  // A fixed sequence for Math.random, so the second draw differs from the first.
  await context.addInitScript(() => {
    const seq = [0.11, 0.87, 0.35, 0.62, 0.05, 0.93, 0.48, 0.27];
    let i = 0;
    Math.random = () => seq[i++ % seq.length];
  });
  const page = await context.newPage();
  await page.goto(`${BASE}assessment.html`);
  const first = await visibleQuestionIds(page);
  for (const id of first) {
    const form = page.locator(`#q-${id}`);
    if (RIGHT[id].choose) { await form.locator('input').first().check(); }
    if (RIGHT[id].type) { await form.getByRole('textbox').fill('999'); }
    if (RIGHT[id].order) { await answer(form, { order: [...RIGHT[id].order].reverse() }); }
  }
  await page.getByRole('button', { name: 'Submit answers' }).click();
  await page.getByRole('heading', { name: 'You did not pass' }).waitFor();
  await page.getByRole('button', { name: 'Try again' }).click();
  const second = await visibleQuestionIds(page);
  assert.ok(second.some((id) => !first.includes(id)), `the new draw brings in another question: ${first} then ${second}`);
  for (const id of second) { await answer(page.locator(`#q-${id}`), RIGHT[id]); }
  await page.reload();
  assert.deepEqual(await visibleQuestionIds(page), second, 'the same draw after a reload');
  for (const id of second) {
    const form = page.locator(`#q-${id}`);
    const how = RIGHT[id];
    if (how.choose) {
      for (const label of [].concat(how.choose)) { assert.ok(await form.getByLabel(label, { exact: true }).isChecked(), `${id} kept ${label}`); }
    } else if (how.type) {
      assert.equal(await form.getByRole('textbox').inputValue(), how.type, `${id} kept its answer`);
    } else if (how.order) {
      for (const [i, label] of how.order.entries()) { assert.equal(await form.getByLabel(label, { exact: true }).inputValue(), String(i + 1), `${id} kept its order`); }
    }
  }
  await context.close();
});

test('content reads without JavaScript, with every tab panel shown', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${BASE}infections-and-hands.html`);
  assert.equal(await page.locator('#tab-patients').isVisible(), true);
  assert.equal(await page.locator('#tab-staff').isVisible(), true);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'How hands spread infection');
  await page.getByRole('link', { name: /Next/ }).click();
  await page.waitForURL(/five-moments\.html$/);
  await context.close();
});

test('a 360-pixel phone needs no sideways scrolling', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  for (const p of ['index', 'infections-and-hands', 'five-moments', 'technique', 'assessment', 'glossary']) {
    await page.goto(`${BASE}${p}.html`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${p} is ${width}px wide`);
  }
  await context.close();
});

test('every page of every sample passes axe, in both themes', async () => {
  const urls = [BASE, ...(process.env.OTHER_COURSE_URLS || '').split(' ').filter(Boolean)];
  assert.ok(urls.length >= 3, 'all samples are served');
  const context = await browser.newContext();
  const page = await context.newPage();
  for (const base of urls) {
    await page.goto(`${base}index.html`);
    const pages = await page.evaluate(() => window.COURSE_DATA.pages.map((p) => p.id));
    await axe(page, `${base} index`);
    for (const id of pages) {
      await page.goto(`${base}${id}.html`);
      await axe(page, `${base} ${id}`);
      // Open every expandable section and tab so hidden content is checked too.
      await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
      await axe(page, `${base} ${id} (sections open)`);
    }
    await page.goto(`${base}glossary.html`);
    await axe(page, `${base} glossary`);
  }
  await context.close();
});

/* A Welsh course as a learner meets it, in both themes: every state the runtime can
   write (feedback right and wrong, the error summary, a failed attempt, progress) has no
   English interface word, and passes axe. */
test('a Welsh course speaks Welsh in every state, and passes axe', async () => {
  const english = JSON.parse(process.env.ENGLISH_FRAGMENTS || '[]');
  const urls = (process.env.WELSH_COURSE_URLS || '').split(' ').filter(Boolean);
  assert.ok(english.length > 50 && urls.length === 2, 'the Welsh courses and the English words to look for');
  for (const base of urls) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const seen = [];
    async function look(name) {
      const text = await page.evaluate(() => {
        const spoken = Array.prototype.slice.call(document.querySelectorAll('[aria-label], [alt], [title], [label], [placeholder]'))
          .map((el) => ['aria-label', 'alt', 'title', 'label', 'placeholder'].map((a) => el.getAttribute(a) || '').join(' '));
        return document.body.innerText + '\n' + spoken.join('\n') + '\n' + document.title;
      });
      const found = english.filter((w) => text.includes(w));
      assert.deepEqual(found, [], `${base} ${name}: English in\n${text}`);
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'cy-GB');
      await axe(page, `${base} ${name}`);
      seen.push(name);
    }
    await page.goto(`${base}index.html`);
    await look('index');
    await page.goto(`${base}cyflwyniad.html`);
    const check = page.locator('#q-pum-eiliad');
    await check.getByRole('button', { name: "Gwirio'r ateb" }).click();
    await check.getByText('Atebwch y cwestiwn', { exact: false }).waitFor();
    await look('a check with no answer');
    await check.getByLabel('Tair').check();
    await check.getByRole('button', { name: "Gwirio'r ateb" }).click();
    await check.getByText('Anghywir', { exact: true }).waitFor();
    await check.getByLabel('Pump').check();
    await check.getByRole('button', { name: "Gwirio'r ateb" }).click();
    await check.getByText('Cywir', { exact: true }).waitFor();
    const tf = page.locator('#q-menig');
    await tf.getByLabel('Gau').check();
    await tf.getByRole('button', { name: "Gwirio'r ateb" }).click();
    await tf.getByText('Cywir', { exact: true }).waitFor();
    await page.locator('details').first().evaluate((d) => { d.open = true; });
    await look('lesson, answered');
    await page.getByRole('link', { name: /Nesaf/ }).click();
    await page.locator('body[data-page="gofal-llaw"]').waitFor();
    await look('lesson with every question type');
    await page.getByRole('link', { name: /Nesaf/ }).click();
    await page.locator('body[data-page="asesiad"]').waitFor();
    await page.getByRole('button', { name: "Cyflwyno'r atebion" }).click();
    await page.getByRole('heading', { name: 'Mae problem' }).waitFor();
    await look('assessment, nothing answered');
    await page.locator('#q-asesiad-eiliadau').getByLabel('Chwech').check();
    await page.locator('#q-asesiad-menig').getByLabel('Gau').check();
    await page.getByRole('button', { name: "Cyflwyno'r atebion" }).click();
    await page.getByRole('heading', { name: 'Nid ydych wedi llwyddo' }).waitFor();
    assert.match(await page.locator('.course-assessment__result').textContent(), /Mae gennych 1 cynnig ar ôl/);
    await look('assessment, failed');
    await page.getByRole('button', { name: 'Rhoi cynnig arall arni' }).click();
    await page.locator('#q-asesiad-eiliadau').getByLabel('Pump').check();
    await page.locator('#q-asesiad-menig').getByLabel('Gwir').check();
    await page.getByRole('button', { name: "Cyflwyno'r atebion" }).click();
    await page.getByRole('heading', { name: 'Rydych wedi llwyddo' }).waitFor();
    await look('assessment, passed');
    await page.goto(`${base}index.html`);
    assert.match(await page.locator('[data-course-progress]').textContent(), /Rydych wedi gweld 3 o 3 tudalen/);
    await look('index, complete');
    await page.goto(`${base}glossary.html`);
    await look('glossary');
    assert.deepEqual(errors, []);
    assert.equal(seen.length, 9);
    await context.close();
  }
});
