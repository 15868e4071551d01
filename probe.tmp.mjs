import { chromium } from 'playwright-core';
const BASE = process.argv[2];
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const ctx = await b.newContext();
const page = await ctx.newPage();
page.on('pageerror', (e) => console.log('pageerror:', e.message, (e.stack||'').split('\n').slice(0,3).join(' | ')));
page.on('dialog', (d) => d.accept());
await page.goto(`${BASE}/sign-in`);
await page.getByLabel('Email address').fill('training@northshire.example');
await page.getByLabel('Password').fill('violet harbour kestrel');
await page.getByRole('button', { name: 'Sign in' }).click();
for (const name of process.argv.slice(3)) {
  await page.goto(`${BASE}/catalogue?q=${encodeURIComponent(name)}`);
  await page.locator('main a', { hasText: name }).first().click();
  const url = page.url();
  const id = url.split('/').pop();
  const r = await page.request.post(`${BASE}/catalogue/${id}/enrol`, { form: { csrf: await page.locator('input[name=csrf]').first().inputValue(), org: 'northshire-teaching' } });
  await page.goto(`${BASE}/learning`);
  await page.locator('tr', { hasText: name }).getByRole('link').click();
  await page.waitForTimeout(1500);
  const golf = page.frameLocator('#player-frame');
  for (let i = 0; i < 20; i++) { if (await golf.locator('#butNext').isDisabled()) break; await golf.locator('#butNext').click(); await page.waitForTimeout(100); }
  console.log(name, 'parts', await page.locator('.portal-preview__parts ol a').count());
  if (await page.getByRole('link', { name: 'Next part' }).count()) { await page.getByRole('link', { name: 'Next part' }).click(); await page.waitForTimeout(1500); }
}
await b.close();
