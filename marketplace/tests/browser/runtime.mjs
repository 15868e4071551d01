// Replays scenarios of SCORM API calls on the player's run-time rules
// (static/scorm-runtime.js) in headless Chromium, and compares every answer with the Rust
// runtime's (packager::cmi), which the Rust test `runtime` wrote into SCENARIOS. Exits 1
// and lists the differences when there are any. Diagnostics (free text) need only agree
// on being empty or not.

import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const doc = JSON.parse(readFileSync(process.env.SCENARIOS, 'utf8'));
const RUNTIME = new URL('../../static/scorm-runtime.js', import.meta.url).pathname;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  await page.setContent('<!DOCTYPE html><title>runtime</title>');
  await page.addScriptTag({ path: RUNTIME });
  const result = await page.evaluate((d) => {
    const differences = [];
    let calls = 0;
    for (const s of d.scenarios) {
      const rt = new globalThis.ScormRuntime(d.tables[s.version]);
      for (const [k, v] of s.seeds) rt.seed(k, v);
      s.steps.forEach(([method, element, value], i) => {
        calls += 1;
        const b = (x) => (x ? 'true' : 'false');
        let got;
        switch (method) {
          case 'Initialize': got = b(rt.initialize(value)); break;
          case 'Terminate': got = b(rt.terminate(value)); break;
          case 'Commit': got = b(rt.commit(value)); break;
          case 'GetValue': got = rt.getValue(element); break;
          case 'SetValue': got = b(rt.setValue(element, value)); break;
          case 'GetLastError': got = rt.getLastError(); break;
          case 'GetErrorString': got = rt.errorString(value); break;
          case 'GetDiagnostic': got = rt.diagnostic(value); break;
          default: got = `unknown method ${method}`;
        }
        const [want, wantCode] = s.expected[i];
        const code = rt.getLastError();
        const same = method === 'GetDiagnostic' ? (got === '') === (want === '') : got === want;
        if (!same || code !== wantCode) {
          const short = (x) => (x.length > 60 ? `${x.slice(0, 60)}… (${x.length})` : x);
          differences.push(`${s.name}, step ${i}: ${method}(${short(element)}${value ? `, ${JSON.stringify(short(value))}` : ''}) gave ${JSON.stringify(short(got))} error ${code}; Rust gave ${JSON.stringify(short(want))} error ${wantCode}`);
        }
      });
    }
    return { differences, calls };
  }, doc);
  console.log(`${doc.scenarios.length} scenarios, ${result.calls} calls, ${result.differences.length} differences`);
  for (const d of result.differences.slice(0, 40)) console.log(d);
  process.exitCode = result.differences.length === 0 ? 0 : 1;
} finally {
  await browser.close();
}
