// The commit-size benchmark's player (run by bench/commit.sh): plays each extracted
// package of the benchmark course under scorm-again in headless Chromium, answering
// every knowledge check of PAGES pages, then closes the tab; prints what the LMS
// received: commits, the largest commit, the interactions journalled, and whether the
// session's data survived the close (the LMS has `suspend` and the last page).
//
// Usage: node bench/commit.mjs PACKAGES_DIR PAGES NAME...
import { startLms, readAndLeave } from '../authoring/tests/browser/lms.mjs';

const [dir, pagesArg, ...names] = process.argv.slice(2);
const pages = Number(pagesArg);
const lms = await startLms(dir);
console.log(`${'package'.padEnd(10)} ${'commits'.padStart(8)} ${'largest (bytes)'.padStart(16)} ${'over 64 KiB'.padStart(12)} ${'interactions'.padStart(13)}  resumes where left`);
try {
  for (const name of names) {
    const session = `bench-${name}`;
    const { location } = await readAndLeave(lms, '2004', name, session, pages);
    const list = lms.commits[session] || [];
    const largest = Math.max(...list.map((c) => c.bytes));
    const over = list.filter((c) => c.bytes > 64 * 1024).length;
    const cmi = list[list.length - 1].cmi;
    const journalled = Object.keys(cmi.interactions || {}).filter((k) => /^\d+$/.test(k)).length;
    // What a relaunch sees is the last commit that arrived: the final one, sent as the
    // tab closed, only if the browser let it leave (64 KiB at most).
    const resumes = cmi.exit === 'suspend' && cmi.location === location;
    console.log(`${name.padEnd(10)} ${String(list.length).padStart(8)} ${String(largest).padStart(16)} ${String(over).padStart(12)} ${String(journalled).padStart(13)}  ${resumes ? 'yes' : `no (the LMS has exit "${cmi.exit}", page "${cmi.location}"; left on ${location})`}`);
  }
} finally {
  await lms.stop();
}
