// The configuration generator page's benchmark in headless Chromium (run by scripts/web-bench):
// how soon the page is interactive after a cold load, how long a keystroke's re-render takes on
// the all-modules profile, and the size of the WebAssembly it downloads. Prints a table with the
// targets of docs/performance.md; asserts nothing (timings depend on the machine and its load).
//
// Environment: SITE (the built page, default target/site), CHROMIUM (default /usr/bin/chromium),
// LOADS (cold loads, default 15), KEYSTROKES (default 200).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { launchChromium, serveSite } from './site.mjs';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const SITE = resolve(ROOT, process.env.SITE ?? 'target/site');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const LOADS = Number(process.env.LOADS ?? 15);
const KEYSTROKES = Number(process.env.KEYSTROKES ?? 200);
/** The keystrokes' field: a value every module reads (the admin's e-mail is in a Secret). */
const FIELD = '#key-TOS_HOST';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const ms = (x) => `${x.toFixed(1)} ms`;
const mb = (bytes) => `${(bytes / 1e6).toFixed(2)} MB`;

const { server, origin } = await serveSite(SITE);
const load = loadavg()[0];

const browser = await launchChromium(CHROMIUM);

// Cold loads: a fresh browser context each time (empty cache, nothing compiled yet). The first
// page of a fresh browser process also pays for the browser's own start-up (fonts, its
// processes); it is shown apart.
const loads = [];
for (let i = 0; i <= LOADS; i += 1) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${origin}/index.html`);
  await page.waitForSelector('body[data-ready=true]');
  loads.push(await page.evaluate(() => ({
    core: performance.getEntriesByName('napgen-core-ready')[0].startTime,
    interactive: performance.getEntriesByName('napgen-interactive')[0].startTime,
  })));
  await context.close();
}

// Keystrokes on the all-modules profile: type into a field, alternately a character and a
// backspace, so that the file stays valid and every keystroke renders the whole install.
const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
const page = await context.newPage();
await page.goto(`${origin}/index.html`);
await page.waitForSelector('body[data-ready=true]');
await page.fill('#import-paste', readFileSync(join(ROOT, 'values/all-modules.env'), 'utf8'));
await page.click('#import-paste-button');
await page.waitForFunction(() => !document.body.dataset.busy);
if (await page.getAttribute('body', 'data-valid') !== 'true') {
  throw new Error(`values/all-modules.env is not valid in the page: ${await page.textContent('#summary')}`);
}
const objects = (await page.evaluate(() => document.getElementById('bundle').textContent)).split('\n---\n').length;
// The bundle preview open, as a user watching it change would have it.
await page.click('#bundle-box summary');
/** `count` keystrokes: `9` and Backspace in turn at the end of FIELD, each timed. */
async function keystrokes(count) {
  const strokes = [];
  for (let i = 0; i < count; i += 1) {
    await page.locator(FIELD).press('End');
    await page.locator(FIELD).press(i % 2 === 0 ? '9' : 'Backspace');
    await page.waitForFunction(() => !document.body.dataset.busy);
    const [input, core, check, graph] = await page.evaluate(() => {
      const { inputMs, coreMs, checkMs, graphMs } = document.body.dataset;
      return [inputMs, coreMs, checkMs, graphMs];
    });
    strokes.push({ input: Number(input), core: Number(core), check: Number(check), graph: Number(graph), total: Number(input) + Number(check) });
  }
  return strokes;
}
const strokes = await keystrokes(KEYSTROKES);
// The same with the install picture open too: it is drawn again after each change.
await page.click('#graph-box summary');
const pictured = (await keystrokes(Math.min(60, KEYSTROKES))).slice(10);
const withPicture = pictured.map((s) => s.total);
if (await page.getAttribute('body', 'data-valid') !== 'true') throw new Error('the keystrokes made the file invalid');
await browser.close();
server.close();

const wasm = readFileSync(join(SITE, 'napgen_web_bg.wasm'));
const gzipped = gzipSync(wasm, { level: 9 }).length;
const brotli = brotliCompressSync(wasm, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const warm = strokes.slice(Math.min(20, strokes.length - 1));
const totals = warm.map((s) => s.total);

console.log(`load average (1 min): ${load.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after; ${LOADS} cold loads, ${KEYSTROKES} keystrokes (the first 20 are warm-up), then up to 60 with the picture open (10 warm-up)`);
console.log(`all-modules profile: ${objects} objects in the bundle preview, which is open\n`);
console.log('| measure | target | median | 90th percentile | worst |');
console.log('|---|---|---:|---:|---:|');
const row = (name, target, xs, unit = ms) => console.log(
  `| ${name} | ${target} | ${unit(median(xs))} | ${unit(percentile(xs, 0.9))} | ${unit(Math.max(...xs))} |`);
const [first, ...cold] = loads;
row('cold load: the core compiled and started', '', cold.map((l) => l.core));
row('cold load: interactive (form built and laid out)', 'under 1 s', cold.map((l) => l.interactive));
console.log(`| the browser's first page: interactive | | ${ms(first.interactive)} | | |`);
row('keystroke: the field\'s own work (setValue, the editor)', '', warm.map((s) => s.input));
row('keystroke: the core\'s update (check, render, outputs)', '', warm.map((s) => s.core));
row('keystroke: update, the page changed and laid out', '', warm.map((s) => s.check));
row('keystroke: re-render in all', 'under 16 ms', totals);
console.log(`| first keystroke after the import (cold code) | | ${ms(strokes[0].total)} | | |`);
row('keystroke: re-render with the install picture open too', '', withPicture);
row('keystroke: the core\'s graph for the picture', '', pictured.map((s) => s.graph));
console.log(`| napgen_web_bg.wasm, gzip -9 | under 2 MB | ${mb(gzipped)} | | |`);
console.log(`| napgen_web_bg.wasm, brotli 11 | under 2 MB | ${mb(brotli)} | | |`);
console.log(`| napgen_web_bg.wasm, plain | | ${mb(wasm.length)} | | |`);
const within = totals.filter((t) => t < 16).length;
console.log(`\n${within} of ${totals.length} warm keystrokes re-rendered within 16 ms`);
