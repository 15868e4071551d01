// The portal's pages in real headless Chromium: a keyboard-only sign-in, an
// administrator branding their sub-site and seeing the change, axe-core on every page
// template, and a 360-pixel phone.
//
// Run by the Rust test `browser::portal_in_headless_chromium`, which starts the service
// with the demo's data and passes its address in PORTAL_URL.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BASE = process.env.PORTAL_URL;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PACKAGE = new URL('../../../../shared/conformance/packages/golf/ContentPackagingSingleSCO_SCORM12.zip', import.meta.url).pathname;
const ADMIN = { email: 'org.admin@northshire.example', password: 'copper lantern meadow' };

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
  // The portal's CSP forbids inline scripts; the context bypasses it for axe alone.
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${name}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);
}

test('an administrator signs in by keyboard, brands the sub-site, and every page passes axe', async () => {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 }, bypassCSP: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${BASE}/`);
  await axe(page, 'home');
  await page.goto(`${BASE}/catalogue`);
  await axe(page, 'catalogue');
  await page.goto(`${BASE}/sign-in`);
  await axe(page, 'sign in');

  // Keyboard only: the skip link first, then the form.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to main content');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'maincontent');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'email');
  await page.keyboard.type(ADMIN.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type('not the password');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
  await axe(page, 'sign in, wrong password');
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByLabel('Password').press('Enter');
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  await axe(page, 'account');

  await page.getByRole('link', { name: 'Northshire Teaching Hospitals NHS Foundation Trust' }).click();
  await page.getByRole('heading', { level: 1 }).waitFor();
  await axe(page, 'sub-site');
  await page.getByRole('link', { name: /Branding/ }).click();
  await axe(page, 'branding');
  await page.getByLabel('Header colour').fill('#ffff00');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
  assert.match(await page.locator('.course-error-summary').textContent(), /contrast of only 1\.1 to 1/);
  await axe(page, 'branding, with an error');
  await page.getByLabel('Header colour').fill('#7c2855');
  await page.getByLabel('Key messages').fill('Book your **fire safety** refresher by Friday.');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Your changes have been saved.').waitFor();
  await page.getByLabel('Upload a logo').setInputFiles(new URL('../../../sample-courses/fire-safety/media/extinguisher-poster.png', import.meta.url).pathname);
  await page.getByRole('button', { name: 'Upload logo' }).click();
  await page.getByText('Your changes have been saved.').waitFor();
  await page.getByAltText(/The current logo of/).waitFor();
  await axe(page, 'branding, with a logo');
  await page.goto(`${BASE}/o/northshire-teaching/`);
  const logo = page.locator('.course-header img.portal-logo');
  assert.equal(await logo.evaluate((img) => img.complete && img.naturalHeight), 160);
  assert.equal(await logo.evaluate((img) => img.getBoundingClientRect().height), 40);
  assert.equal(await page.locator('.course-header').evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(124, 40, 85)');
  assert.equal(await page.locator('.course-key-message strong').textContent(), 'fire safety');
  await axe(page, 'sub-site, rebranded');
  await page.goto(`${BASE}/o/northshire-teaching/accessibility`);
  await axe(page, 'accessibility statement');
  await page.goto(`${BASE}/o/northshire-teaching/admin/members`);
  await axe(page, 'members');
  await page.getByRole('link', { name: 'Change roles of Aisha Rahman' }).click();
  await axe(page, 'a member\'s roles');
  await page.getByLabel('Coach').check();
  await page.getByRole('button', { name: 'Save roles' }).click();
  await page.getByRole('heading', { name: /Members of/ }).waitFor();
  assert.match(await page.locator('tr', { hasText: 'Aisha Rahman' }).textContent(), /Coach/);
  await page.goto(`${BASE}/o/northshire-teaching/admin/audit`);
  assert.match(await page.locator('table').textContent(), /changed branding/);
  await axe(page, 'audit log');
  await page.goto(`${BASE}/o/northshire-teaching/admin/invite`);
  await axe(page, 'invite');
  await page.getByLabel('Email address').fill('new.starter@northshire.example');
  await page.getByLabel('Coach').check();
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await page.getByText('Invitation sent to new.starter@northshire.example').waitFor();
  await axe(page, 'invite, sent');
  await page.goto(`${BASE}/o/northshire-teaching/admin/departments`);
  await page.getByLabel('Name').fill('Surgery');
  await page.getByRole('button', { name: 'Add department' }).click();
  await page.getByLabel('Name').fill('Ward 7');
  await page.getByLabel('Inside').selectOption({ label: 'Surgery' });
  await page.getByRole('button', { name: 'Add department' }).click();
  await page.getByText('in Surgery').waitFor();
  await axe(page, 'departments');
  await page.getByRole('link', { name: 'Ward 7' }).click();
  await page.getByRole('heading', { name: 'Change Ward 7' }).waitFor();
  await axe(page, 'a department');
  await page.goto(`${BASE}/o/northshire-teaching/admin/staff`);
  await axe(page, 'staff import');
  await page.getByLabel('Staff list (CSV)').setInputFiles({
    name: 'staff.csv', mimeType: 'text/csv',
    buffer: Buffer.from('name,email,department\nOwen Price,owen@northshire.example,Surgery > Ward 7\nNo Address,,\n'),
  });
  await page.getByRole('button', { name: 'Check the file' }).click();
  await page.getByRole('heading', { name: 'Check the changes before importing' }).waitFor();
  await axe(page, 'staff import, preview');
  await page.getByRole('button', { name: 'Import these changes' }).click();
  await page.getByRole('heading', { name: 'Import finished' }).waitFor();
  await page.goto(`${BASE}/no/such/page`);
  await axe(page, 'not found');

  await page.goto(`${BASE}/account`);
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('link', { name: 'Sign in' }).waitFor();
  await page.goto(`${BASE}/forgot-password`);
  await axe(page, 'forgotten password');
  await page.getByLabel('Email address').fill(ADMIN.email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();

  // The platform administrator reads the outbox, and the invitation's link works.
  await page.goto(`${BASE}/sign-in`);
  await page.getByLabel('Email address').fill('admin@portal.example');
  await page.getByLabel('Password').fill('saffron tide harbour');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.goto(`${BASE}/platform/outbox`);
  await axe(page, 'outbox');
  const mail = await page.locator('.portal-mail').allTextContents();
  const link = mail.join('\n').match(/http:\/\/\S+\/invitations\/\S+/)[0];
  const reset = mail.join('\n').match(/http:\/\/\S+\/reset-password\/\S+/)[0];
  await page.goto(`${BASE}/account`);
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.goto(link);
  await axe(page, 'invitation');
  await page.getByLabel('Your full name').fill('Nia Starter');
  await page.getByLabel('Create a password').fill('orchid lantern ferry');
  await page.getByRole('button', { name: 'Create account and join' }).click();
  await page.getByText('You are a member of Northshire').waitFor();

  // The administrator's reset link, from the outbox: the form, a weak password, then a good one.
  await page.goto(`${BASE}/account`);
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.goto(reset);
  await axe(page, 'reset password');
  await page.getByLabel('New password').fill('password1234');
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
  await axe(page, 'reset password, refused');
  await page.getByLabel('New password').fill('lichen pepper tramway');
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('a vendor publisher uploads a package, reads the report and publishes it; a training manager finds it by searching', async () => {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 }, bypassCSP: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${BASE}/sign-in`);
  await page.getByLabel('Email address').fill('publisher@clearpath.example');
  await page.getByLabel('Password').fill('tundra violet spindle');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  await page.goto(`${BASE}/o/clearpath-learning/`);
  await page.getByRole('link', { name: /Manage ClearPath Learning Ltd's courses/ }).click();
  await axe(page, 'courses, none yet');
  await page.getByRole('link', { name: 'Upload a package' }).click();
  await axe(page, 'upload a package');
  // A refused package: the report says why, and the page says it first.
  await page.getByLabel('Package (.zip)').setInputFiles({ name: 'notes.zip', mimeType: 'application/zip', buffer: Buffer.from('not a zip at all') });
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await page.getByRole('heading', { name: 'The package was refused' }).waitFor();
  await axe(page, 'upload a package, refused');
  // A real package, sent by the page's script with a progress bar.
  await page.getByLabel('Package (.zip)').setInputFiles(PACKAGE);
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await page.getByText(/accepted as version 1/).waitFor();
  await axe(page, 'a course');
  await page.getByLabel('Summary').fill('Play a round of golf, and learn its rules.');
  await page.getByLabel('Price per enrolment, in pounds').fill('7.50');
  await page.getByLabel('Every organisation, in the national catalogue').check();
  await page.getByRole('button', { name: 'Save and publish' }).click();
  await page.getByText('Your changes have been saved.').waitFor();
  assert.match(await page.locator('main').textContent(), /Version 1 is published/);
  await page.goto(`${BASE}/o/clearpath-learning/admin/courses`);
  assert.match(await page.locator('table').textContent(), /£7\.50/);
  await axe(page, 'courses');
  await context.close();
  // A trust's training manager finds it by searching the catalogue, from the home page.
  const buyer = await browser.newContext({ viewport: { width: 1024, height: 800 }, bypassCSP: true });
  const tm = await buyer.newPage();
  await tm.goto(`${BASE}/sign-in`);
  await tm.getByLabel('Email address').fill('training@northshire.example');
  await tm.getByLabel('Password').fill('violet harbour kestrel');
  await tm.getByRole('button', { name: 'Sign in' }).click();
  await tm.getByRole('heading', { name: 'Your account' }).waitFor();
  await tm.goto(`${BASE}/`);
  await tm.getByRole('link', { name: /catalogue/i }).first().click();
  await tm.getByLabel('Search courses').fill('golf');
  await tm.getByRole('button', { name: 'Search' }).click();
  await tm.getByRole('heading', { name: /1 course for “golf”/ }).waitFor();
  await axe(tm, 'catalogue, search results');
  await tm.getByRole('link', { name: /golf/i }).first().click();
  await tm.getByRole('heading', { name: 'Version history' }).waitFor();
  await axe(tm, 'a catalogue course');
  // The preview plays on the content origin: another host, which gets no cookie of the
  // portal's, where the content finds a SCORM API that records nothing.
  await tm.getByRole('link', { name: 'Preview this course' }).click();
  await tm.getByText(/Nothing you do here is recorded\./).waitFor();
  const player = new URL(tm.url());
  assert.notEqual(player.host, new URL(BASE).host);
  assert.match(player.pathname, /^\/preview\/[^/]+\/$/);
  assert.deepEqual(await buyer.cookies([player.origin]), []);
  assert.equal(await tm.evaluate(() => typeof window.API_1484_11.Initialize), 'function');
  const frame = tm.frameLocator('iframe.portal-preview__frame');
  await frame.locator('body').waitFor();
  assert.equal(await tm.evaluate(() => window.API.LMSSetValue('cmi.core.lesson_location', 'p2')), 'true');
  assert.equal(await tm.evaluate(() => window.API.LMSGetValue('cmi.core.lesson_location')), 'p2');
  await axe(tm, 'a preview');
  await tm.getByRole('link', { name: 'Close the preview' }).click();
  await tm.getByRole('heading', { name: 'Version history' }).waitFor();
  await buyer.close();
  assert.deepEqual(errors, []);
});

test('a training manager uploads a Markdown course, watches it build, and reads a broken one\'s diagnostics', async () => {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 }, bypassCSP: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${BASE}/sign-in`);
  await page.getByLabel('Email address').fill('training@northshire.example');
  await page.getByLabel('Password').fill('violet harbour kestrel');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  await page.goto(`${BASE}/o/northshire-teaching/admin/courses`);
  await page.getByRole('link', { name: 'Upload a Markdown course' }).click();
  await axe(page, 'upload a Markdown course');
  await page.getByLabel('Course folder (.zip)').setInputFiles(process.env.COURSE_ZIP);
  await page.getByRole('button', { name: 'Upload and build' }).click();
  await page.getByRole('heading', { name: /^Build \d+: hand-hygiene\.zip$/ }).waitFor();
  await axe(page, 'a build, not finished');
  // The page's script notices the build has finished and shows the result.
  await page.getByText('Built and imported.').waitFor({ timeout: 60000 });
  await axe(page, 'a build, finished');
  await page.getByRole('link', { name: 'Open the course to list and publish it' }).click();
  await page.getByRole('heading', { name: 'Hand hygiene' }).first().waitFor();
  // A broken course: its diagnostics, with file and line.
  await page.goto(`${BASE}/o/northshire-teaching/admin/courses/build`);
  await page.getByLabel('SCORM 1.2, for older learning systems').check();
  await page.getByLabel('Course folder (.zip)').setInputFiles(process.env.BROKEN_COURSE_ZIP);
  await page.getByRole('button', { name: 'Upload and build' }).click();
  await page.getByRole('heading', { name: 'What the compiler found' }).waitFor({ timeout: 60000 });
  assert.match(await page.locator('table').first().textContent(), /course\.toml:\d+:\d+/);
  assert.match(await page.locator('pre').textContent(), /error\[[a-z-]+\]/);
  await axe(page, 'a build that failed');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a 360-pixel phone needs no sideways scrolling', async () => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  for (const path of ['/', '/sign-in', '/o/dalesfield-community/', '/o/dalesfield-community/accessibility', '/catalogue', '/catalogue?q=golf']) {
    await page.goto(`${BASE}${path}`);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 360, `${path} is ${wide} pixels wide`);
  }
  await context.close();
});
