// The player in real headless Chromium, through the running marketplace: the nurse
// plays every golf package of the conformance kit and the three sample courses to the
// end; the porter leaves half-way (closing the tab, and separately with the frame
// navigated away) and resumes where they were; commits made offline arrive when the
// browser is back; a second tab takes over; content cannot reach the portal; axe on the
// new pages.
//
// Run by the Rust test `browser::player_in_headless_chromium`, which starts the service
// with the demo's people, the golf packages and the sample courses, and enrols them.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { answerFromKeys } from '../../../authoring/tests/browser/lms.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BASE = process.env.PORTAL_URL;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const NURSE = { email: 'nurse@northshire.example', password: 'juniper canal falcon' };
const PORTER = { email: 'porter@northshire.example', password: 'hazel orbit thimble' };
const MANAGER = { email: 'training@northshire.example', password: 'violet harbour kestrel' };

let browser;
before(async () => {
  assert.ok(BASE, 'PORTAL_URL must name the running portal');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
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

async function signedIn(who) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 }, bypassCSP: true });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(`${e.message} at ${(e.stack || '').split('\n').slice(1, 3).join(' ')} on ${page.url()}`));
  // The golf packages ask whether to resume: the learner says yes.
  page.on('dialog', (d) => d.accept());
  await page.goto(`${BASE}/sign-in`);
  await page.getByLabel('Email address').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  return { context, page };
}

/* Opens `title` from My learning; returns when the player's frame has loaded. */
async function launch(page, title) {
  await page.goto(`${BASE}/learning`);
  const row = page.locator('tr', { hasText: title });
  await row.getByRole('link').click();
  await page.waitForURL(/\/play\/[^/]+\/(\?.*)?$/);
  await page.locator('#player-frame').waitFor();
  await page.waitForFunction(() => {
    const f = document.getElementById('player-frame');
    return f && f.contentDocument && f.contentDocument.readyState === 'complete';
  });
}

/* The player's frame: a golf launch page, or a part itself. */
function content(page) {
  return page.frameLocator('#player-frame');
}

/* A sample course, inside its package's launch page. */
function sample(page) {
  return page.frameLocator('#player-frame').frameLocator('#course-frame');
}

/* The sample course's page, for evaluating in. */
function sampleFrame(page) {
  return page.frames().find((f) => f.name() === 'course-frame' || /course-frame/.test(f.name()))
    || page.frames().find((f) => f.parentFrame() && f.parentFrame().parentFrame() === page.mainFrame());
}

async function saved(page) {
  await page.waitForFunction(() => document.getElementById('player-status').textContent.includes('is saved'));
}

/* Answers a golf assessment (in the launch page's inner frame) right, and submits it. */
async function answerGolfTest(page) {
  const launchFrame = page.frames().find((f) => f.parentFrame() === page.mainFrame());
  const test = launchFrame.childFrames()[0];
  await test.evaluate(() => {
    document.querySelectorAll('.correctAnswer input[type=radio]').forEach((r) => { r.checked = true; });
    document.querySelectorAll('.correctAnswer input[type=text]').forEach((t) => {
      t.value = t.parentNode.textContent.match(/\(([^)]*)\)/)[1].trim();
    });
  });
  await content(page).frameLocator('#contentFrame').locator('input[value="Submit Answers"]').click();
}

/* A golf package, part by part: in a launch page, Next to the last page (which
   completes it, or holds a test to pass); a part that is a bare page is only opened.
   Then the next part, or Exit, or back to My learning. */
async function playGolf(page) {
  const parts = Math.max(1, await page.locator('.portal-preview__parts ol a').count());
  for (let n = 1; n <= parts; n++) {
    if (n > 1) {
      await page.getByRole('link', { name: 'Next part' }).click();
      await page.waitForURL(new RegExp(`\\?sco=${n}$`));
      await page.waitForFunction(() => document.getElementById('player-frame').contentDocument.readyState === 'complete');
    }
    const golf = content(page);
    if (await golf.locator('#butNext').count() === 0) continue;
    for (let i = 0; i < 40; i++) {
      if (await golf.locator('#butNext').isDisabled()) break;
      await golf.locator('#butNext').click();
    }
    assert.ok(await golf.locator('#butNext').isDisabled(), 'the last page');
    const inner = await golf.locator('#contentFrame').getAttribute('src');
    if (/assessmenttemplate/.test(inner)) {
      await golf.frameLocator('#contentFrame').locator('input[value="Submit Answers"]').waitFor();
      await answerGolfTest(page);
    }
    await saved(page);
  }
  const exit = content(page).locator('#butExit');
  if (await exit.count() > 0 && await exit.isVisible()) {
    await exit.click();
    // In 2004, Exit asks the player to take the content away (back to My learning); in
    // 1.2 the player says the course is over, with the way back.
    const ended = page.locator('#player-ended');
    await Promise.race([page.waitForURL(`${BASE}/learning`), ended.waitFor({ state: 'visible' })]);
    if (!page.url().startsWith(`${BASE}/learning`)) {
      await ended.getByRole('link', { name: 'go back to My learning' }).click();
      await page.waitForURL(`${BASE}/learning`);
    }
  } else {
    await page.goto(`${BASE}/learning`);
  }
}

/* A sample course: every knowledge check answered right, Next to the assessment,
   answered right and submitted; then back to My learning. */
async function playSample(page) {
  const course = sample(page);
  await course.getByRole('link', { name: /Start/ }).first().click();
  const frame = () => sampleFrame(page);
  for (let i = 0; i < 40; i++) {
    await course.locator('body[data-page]').waitFor();
    const here = await frame().evaluate(() => document.body.dataset.page);
    await frame().waitForFunction(() => !!window.CourseRuntime);
    await answerFromKeys(frame(), true);
    if (await course.locator('[data-assessment]').count() > 0) {
      await course.getByRole('button', { name: 'Submit answers' }).click();
      await course.getByRole('heading', { name: 'You passed' }).waitFor();
      break;
    }
    await course.getByRole('link', { name: /Next/ }).first().click();
    await course.locator(`body:not([data-page="${here}"])`).waitFor();
  }
  await saved(page);
  await page.goto(`${BASE}/learning`);
}

test('the nurse plays every golf package and sample course to the end, and My learning says so', async () => {
  const { context, page } = await signedIn(NURSE);
  await page.goto(`${BASE}/learning`);
  await axe(page, 'my learning');
  const titles = await page.locator('tbody tr td:first-child').allTextContents();
  assert.equal(titles.length, Number(process.env.EXPECTED_COURSES), titles.join(', '));
  for (const title of titles) {
    await launch(page, title);
    const player = new URL(page.url());
    assert.notEqual(player.host, new URL(BASE).host, 'the player is on the content origin');
    assert.deepEqual(await context.cookies([player.origin]), [], 'which has no cookie');
    if (/Golf/.test(title)) await playGolf(page);
    else await playSample(page);
    // The last commit may still be on its way as the page goes: look again shortly.
    let status = '';
    for (let i = 0; i < 5; i++) {
      status = await page.locator('tr', { hasText: title }).locator('td').nth(1).textContent();
      if (/Completed|Passed/.test(status)) break;
      await new Promise((r) => setTimeout(r, 300));
      await page.reload();
    }
    assert.match(status, /Completed|Passed/, `${title}: ${status}`);
  }
  // The player's own scripts never fail. One golf package loads jQuery from Google's
  // servers, which this machine cannot reach: its own pages fail without it (and it is
  // still recorded as played, as a part that never talks to the player is).
  assert.deepEqual(page.errors.filter((e) => e.includes('/static/')), []);
  const others = page.errors.filter((e) => !e.includes('/static/'));
  assert.ok(others.every((e) => /\$ is not defined|reading 'Commit'|reading 'getTime'/.test(e)), others.join('\n'));
  await context.close();
});

test('left half-way by closing the tab, and by the frame navigating away: resumed at the same place', async () => {
  const golfTitle = /RuntimeBasicCalls, SCORM20043rdEdition/;
  const { context, page } = await signedIn(PORTER);
  await launch(page, 'RuntimeBasicCalls');
  await axe(page, 'the player');
  const golf = content(page);
  for (let i = 0; i < 3; i++) await golf.locator('#butNext').click();
  await golf.locator('#contentFrame').waitFor();
  // The tab is closed: only what the browser lets leave as it closes reaches the server.
  await page.close({ runBeforeUnload: true });
  await new Promise((r) => setTimeout(r, 500));
  let again = await context.newPage();
  again.on('dialog', (d) => d.accept());
  await launch(again, 'RuntimeBasicCalls');
  await content(again).locator('#contentFrame').waitFor();
  const src = await content(again).locator('#contentFrame').getAttribute('src');
  assert.match(src, /OtherScoring\.html$/, 'resumed on the fourth page');
  // Now the frame is taken away from the content mid-way.
  await content(again).locator('#butNext').click();
  await again.evaluate(() => { document.getElementById('player-frame').src = 'about:blank'; });
  await new Promise((r) => setTimeout(r, 800));
  await again.goto(`${BASE}/learning`);
  await launch(again, 'RuntimeBasicCalls');
  const src2 = await content(again).locator('#contentFrame').getAttribute('src');
  assert.match(src2, /RulesOfGolf\.html$/, 'resumed on the fifth page');
  assert.ok(golfTitle);

  // A sample course keeps its suspend data: a knowledge check answered, then the tab
  // closed; the answer is still there after the resume.
  await launch(again, 'Hand hygiene');
  const course = sample(again);
  await course.getByRole('link', { name: /Start/ }).first().click();
  const frame = () => sampleFrame(again);
  await course.locator('body[data-page]').waitFor();
  const page1 = await frame().evaluate(() => document.body.dataset.page);
  await frame().waitForFunction(() => !!window.CourseRuntime);
  await answerFromKeys(frame(), true);
  await course.getByText('Correct', { exact: true }).first().waitFor();
  await course.getByRole('link', { name: /Next/ }).first().click();
  await course.locator(`body:not([data-page="${page1}"])`).waitFor();
  const page2 = await frame().evaluate(() => document.body.dataset.page);
  await again.close({ runBeforeUnload: true });
  await new Promise((r) => setTimeout(r, 500));
  const third = await context.newPage();
  await launch(third, 'Hand hygiene');
  const resumed = sample(third);
  await resumed.locator(`body[data-page="${page2}"]`).waitFor();
  await resumed.getByRole('link', { name: /Previous/ }).first().click();
  await resumed.locator(`body[data-page="${page1}"]`).waitFor();
  await resumed.getByText('Correct', { exact: true }).first().waitFor();
  await context.close();
});

test('commits made offline are retried and stored when the browser is back; a second tab takes over', async () => {
  const { context, page } = await signedIn(PORTER);
  await launch(page, 'RuntimeBasicCalls');
  const golf = content(page);
  await golf.locator('#butNext').waitFor();
  await context.setOffline(true);
  await golf.locator('#butNext').click();
  await page.evaluate(() => window.API_1484_11.Commit(''));
  await page.getByRole('alert').filter({ hasText: 'not saved yet' }).waitFor();
  await context.setOffline(false);
  await page.getByRole('alert').filter({ hasText: 'saved again' }).waitFor();
  const where = await page.evaluate(() => window.API_1484_11.GetValue('cmi.location'));

  // The same course opened in a second tab: the first one is told and stops.
  const second = await context.newPage();
  second.on('dialog', (d) => d.accept());
  await launch(second, 'RuntimeBasicCalls');
  assert.equal(await second.evaluate(() => window.API_1484_11.GetValue('cmi.location')), where, 'the second tab starts where the first was');
  await page.evaluate(() => {
    window.API_1484_11.SetValue('cmi.location', '1');
    return window.API_1484_11.Commit('');
  });
  await page.getByRole('alert').filter({ hasText: 'another tab or window' }).waitFor();
  assert.equal(await page.evaluate(() => window.API_1484_11.SetValue('cmi.location', '2')), 'false');
  await context.close();
});

test('navigation requests move between parts and out; a course set to open in a window finds the API through window.opener', async () => {
  const { context, page } = await signedIn(PORTER);
  // Part one asks to continue: the player opens part two; it asks to exit all: back to
  // My learning, the course completed.
  await launch(page, 'Navigation check');
  await content(page).getByRole('button', { name: 'Done with Part one' }).click();
  await page.waitForURL(/\?sco=2$/);
  await content(page).getByRole('button', { name: 'Done with Part two' }).click();
  await page.waitForURL(`${BASE}/learning`);
  assert.match(await page.locator('tr', { hasText: 'Navigation check' }).textContent(), /Completed/);

  // The window course: the player page stays, and the course opens in a window.
  await page.locator('tr', { hasText: 'Window check' }).getByRole('link').click();
  await page.waitForURL(/\/play\/[^/]+\/$/);
  await axe(page, 'the player, window mode');
  const [popup] = await Promise.all([
    context.waitForEvent('page'),
    page.getByRole('button', { name: 'Open the course' }).click(),
  ]);
  await popup.getByRole('button', { name: 'I have read this' }).click();
  await popup.getByText('Recorded as done.').waitFor();
  await page.locator('#player-ended').waitFor({ state: 'visible' });
  await page.goto(`${BASE}/learning`);
  assert.match(await page.locator('tr', { hasText: 'Window check' }).textContent(), /Completed/);
  assert.deepEqual(page.errors.filter((e) => e.includes('/static/')), []);
  await context.close();
});

test('content reaches neither the portal nor another learner\'s attempt', async () => {
  const { context, page } = await signedIn(PORTER);
  await launch(page, 'Hand hygiene');
  await sample(page).locator('body').waitFor();
  const frame = sampleFrame(page);
  const seen = await frame.evaluate(async (portal) => {
    const out = {};
    out.cookie = document.cookie;
    try {
      const r = await fetch(`${portal}/learning`, { credentials: 'include' });
      out.portal = `${r.status} ${(await r.text()).includes('My learning')}`;
    } catch (e) {
      out.portal = 'blocked';
    }
    try {
      top.location.href = `${portal}/account`;
      out.top = 'navigated';
    } catch (e) {
      out.top = 'blocked';
    }
    const other = await fetch('/play/someone-elses-token/commit', { method: 'POST', body: '{"session":"x","sco":1,"seq":99,"sets":[]}' });
    out.other = other.status;
    out.parentCookie = parent.document.cookie;
    return out;
  }, BASE);
  assert.equal(seen.cookie, '');
  assert.equal(seen.parentCookie, '');
  assert.equal(seen.portal, 'blocked', 'the portal does not answer content with the learner\'s session');
  assert.equal(seen.other, 404);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(!page.url().includes('/account'), 'content cannot move the learner to another page');
  await context.close();
});

test('the training manager sees the results, by department and as CSV, and every page passes axe', async () => {
  const { context, page } = await signedIn(MANAGER);
  await page.goto(`${BASE}/o/northshire-teaching/`);
  await page.getByRole('link', { name: 'Training' }).click();
  await axe(page, 'training');
  await page.getByRole('table').getByRole('link', { name: /Hand hygiene/ }).click();
  await axe(page, 'a course\'s learners');
  const table = await page.locator('table').textContent();
  assert.match(table, /Aisha Rahman/);
  assert.match(table, /Passed/);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download these learners as CSV' }).click(),
  ]);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.match(csv, /nurse@northshire\.example.*,passed,/);
  await context.close();
});
