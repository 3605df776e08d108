// End-to-end tests of the configuration generator page (scripts/web-build) in a real headless
// Chromium, driven as a user drives it, against the napgen command line built from the same core.
//
// Environment: SITE (the built page, default target/site), NAPGEN (default
// target/release/napgen), SCREENSHOTS (default target/web-screenshots), CHROMIUM (default
// /usr/bin/chromium). Run through scripts/web-test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serveSite } from './site.mjs';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const SITE = resolve(ROOT, process.env.SITE ?? 'target/site');
const NAPGEN = resolve(ROOT, process.env.NAPGEN ?? 'target/release/napgen');
const SHOTS = resolve(ROOT, process.env.SCREENSHOTS ?? 'target/web-screenshots');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Values a user types for the keys the page reports as missing, by key. */
const ANSWERS = {
  TOS_HOST: '203.0.113.10',
  RWX_STORAGE_CLASS: 'nfs-csi',
  RWO_STORAGE_CLASS: 'local-ssd',
  BACKUP_DESTINATION_PATH: 's3://backups/nap',
  BACKUP_S3_CREDENTIALS_SECRET: 'backup-s3',
  OPENAI_API_KEY: 'sk-test-openai-key-for-the-page',
  ANTHROPIC_API_KEY: 'sk-ant-test-key-for-the-page',
  TURN_HOST: '203.0.113.11',
  TURN_NODE: 'worker-1',
  LDAP_URL: 'ldaps://ldap.example.com:636',
  LDAP_BIND_DN: 'cn=nap,ou=services,dc=example,dc=com',
  LDAP_BIND_PASSWORD: 'ldap bind password with spaces',
  LDAP_USER_BASE_DN: 'ou=people,dc=example,dc=com',
  BRIDGE_UPSTREAM_URL: 'https://llm.example.com/v1',
  BRIDGE_UPSTREAM_API_KEY: 'upstream-key-for-the-bridge',
  BRIDGE_MODELS: 'claude-sonnet-4-5=llama-3.3-70b,gpt-5-codex=qwen3-coder',
  OPENSANDBOX_API_KEY: 'a'.repeat(64),
};

let server;
let origin;
let browser;
let page;
let work;
let shot = 0;
const requests = [];
const consoleErrors = [];
let loaded = false;

/** Run napgen with `args` in `cwd`: { status, stdout, stderr }. */
function napgen(args, cwd = work) {
  const out = spawnSync(NAPGEN, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

/** A screenshot of the screen, scrolled to `selector` (the top of the page without one). */
async function screenshot(name, selector) {
  shot += 1;
  if (selector) {
    await page.locator(selector).scrollIntoViewIfNeeded();
  } else {
    await page.evaluate(() => window.scrollTo(0, 0));
  }
  await page.screenshot({ path: join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`) });
}

/** Wait until the page has checked what was typed. */
async function settled() {
  await page.waitForFunction(() => !document.body.dataset.busy);
}

const editorText = () => page.inputValue('#editor');

/** Download through the button `id`; returns the saved file's path. */
async function download(id, dir = work) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(`#${id}`)]);
  const path = join(dir, file.suggestedFilename());
  await file.saveAs(path);
  return path;
}

async function openPage() {
  loaded = false;
  await page.goto(`${origin}/index.html`);
  await page.waitForSelector('body[data-ready=true]');
  await settled();
  loaded = true;
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'napgen-web-'));
  ({ server, origin } = await serveSite(SITE));
  browser = await launchChromium(CHROMIUM);
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1366, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  page = await context.newPage();
  page.on('request', (r) => requests.push({ url: r.url(), afterLoad: loaded }));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
});

after(async () => {
  await browser?.close();
  server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the page loads its own files only and shows every key of the registry with its text', async () => {
  await openPage();
  await screenshot('loaded');
  const keys = JSON.parse(napgen(['keys', '--format', 'json']).stdout);
  const shown = await page.$$eval('.field', (fields) => fields.map((f) => ({
    name: f.querySelector('label').textContent,
    description: f.querySelector('.desc').textContent,
    group: f.closest('.group').dataset.module,
    meta: [...f.querySelectorAll('.meta dd')].map((dd) => dd.textContent),
  })));
  const byName = new Map(shown.map((f) => [f.name, f]));
  const choices = ['PROFILE', 'AGENT_TYPES'];
  let explained = 0;
  for (const key of keys) {
    if (choices.includes(key.name) || key.name.endsWith('_ENABLED')) continue;
    const field = byName.get(key.name);
    assert.equal(field?.description, key.description, key.name);
    assert.equal(field.group, key.module, `${key.name} is in the group napgen keys puts it in`);
    assert.equal(field.meta[0], key.type_doc, `${key.name}'s type`);
    assert.equal(field.meta[3], key.required, `${key.name}'s required`);
    // The example line napgen explain shows, for a sample of keys (one process each).
    if (explained < 12 && key.name.length % 3 === 0) {
      explained += 1;
      const example = napgen(['explain', key.name]).stdout.match(/^ {2}example: {2}(.*)$/m)[1];
      assert.equal(`${key.name}=${field.meta[2]}`, example, `${key.name}'s example`);
    }
  }
  assert.ok(explained >= 5, `only ${explained} examples compared`);
  // Every control has a label a screen reader announces.
  const unlabelled = await page.$$eval('#app input, #app select, #app textarea',
    (controls) => controls.filter((c) => c.labels.length === 0).map((c) => c.id));
  assert.deepEqual(unlabelled, []);
  assert.equal(await page.getAttribute('#summary', 'aria-live'), 'polite');
  assert.match(await page.textContent('#summary'), /values\.env is invalid: 1 error/);
});

test('a multi-node configuration with every module, built by clicking and typing', async () => {
  await page.selectOption('#profile', 'multi-node');
  const fresh = await editorText();
  assert.match(fresh, /^# Profile multi-node;/m, 'a file untouched since init is written for the new profile');
  assert.match(fresh, /^RWX_STORAGE_CLASS=$/m, 'with the multi-node REQUIRED lines');
  // The file napgen init writes, comments and all; only the fresh secrets differ (Web Crypto's
  // in the page, the OS's in the CLI).
  const init = napgen(['init', '--profile', 'multi-node', '--stdout']);
  assert.equal(init.status, 0, init.stderr);
  const mask = (text) => text.replace(/=[0-9a-f]{64}$/gm, '=<fresh secret>');
  assert.equal(mask(fresh), mask(init.stdout));
  assert.ok(mask(fresh).includes('=<fresh secret>'));
  const modules = await page.$$eval('#modules input[type=checkbox]', (boxes) => boxes.map((b) => b.id));
  assert.ok(modules.length >= 8, `${modules}`);
  for (const id of modules) {
    await page.check(`#${id}`);
    assert.match(await page.textContent('#module-status'), /switched on|already/);
  }
  await settled();
  await screenshot('all-modules-chosen', '#modules');
  for (let round = 0; round < 6; round += 1) {
    const missing = await page.$$eval('.field input[aria-invalid=true], .field textarea[aria-invalid=true], .field select[aria-invalid=true]',
      (inputs) => inputs.filter((i) => !i.closest('.group').hidden).map((i) => i.dataset.key));
    if (missing.length === 0) break;
    for (const key of missing) {
      assert.ok(key in ANSWERS, `the page asks for ${key}, which this test has no value for`);
      await page.fill(`#key-${key}`, '');
      await page.locator(`#key-${key}`).pressSequentially(ANSWERS[key]);
    }
    await settled();
  }
  const summary = `${await page.textContent('#summary')} ${await page.textContent('#summary-list')}`;
  assert.match(summary, /values\.env is valid: 0 error/);
  for (const button of await page.$$('button.download:not([hidden])')) {
    assert.equal(await button.isDisabled(), false);
  }
  // Secrets came from Web Crypto, are masked, and are shown on request.
  const secret = page.locator('#key-TOS_SECRET_KEY');
  assert.equal(await secret.getAttribute('type'), 'password');
  const value = await secret.inputValue();
  assert.match(value, /^[0-9a-f]{64}$/);
  assert.notEqual(value, await page.inputValue('#key-ADMIN_PASSWORD'));
  await page.click('#field-TOS_SECRET_KEY button.show');
  assert.equal(await secret.getAttribute('type'), 'text');
  assert.equal(await page.getAttribute('#field-TOS_SECRET_KEY button.show', 'aria-pressed'), 'true');
  await page.click('#field-TOS_SECRET_KEY button.copy');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), value);
  await page.click('#field-TOS_SECRET_KEY button.show');
  await page.click('#bundle-box summary');
  await screenshot('multi-node-valid', '#bundle-box');
});

test('the downloads are what the command line makes of the downloaded values.env', async () => {
  const dir = mkdtempSync(join(work, 'dl-'));
  const values = await download('download-values', dir);
  assert.equal(readFileSync(values, 'utf8'), await editorText());
  const checked = napgen(['check', '-f', 'values.env'], dir);
  assert.equal(checked.status, 0, checked.stderr);
  const rendered = napgen(['render', '-f', 'values.env'], dir);
  assert.equal(rendered.status, 0, rendered.stderr);
  const preview = await page.evaluate(() => document.getElementById('bundle').textContent);
  assert.ok(preview.length > 10000);
  assert.ok(preview === rendered.stdout, 'the bundle preview is napgen render, byte for byte');
  assert.ok(readFileSync(await download('download-bundle', dir), 'utf8') === rendered.stdout);

  const chartDir = mkdtempSync(join(work, 'chart-'));
  const charted = napgen(['chart', '-f', join(dir, 'values.env')], chartDir);
  assert.equal(charted.status, 0, charted.stderr);
  const cliChart = join(chartDir, charted.stdout.trim().replace(/^\.\//, ''));
  const pageChart = await download('download-chart', dir);
  assert.ok(readFileSync(pageChart).equals(readFileSync(cliChart)), 'the chart archive is napgen chart, byte for byte');

  const prereqs = napgen(['prereqs', '-f', 'values.env', '--write-values', 'prereqs'], dir);
  assert.equal(prereqs.status, 0, prereqs.stderr);
  const sandbox = readFileSync(join(dir, 'prereqs', 'opensandbox-values.yaml'), 'utf8');
  assert.equal(readFileSync(await download('download-sandbox', dir), 'utf8'), sandbox);
  const plainPrereqs = napgen(['prereqs', '-f', 'values.env'], dir);
  assert.equal(await page.evaluate(() => document.getElementById('prereqs').textContent), plainPrereqs.stdout);
  const images = napgen(['images', '-f', 'values.env'], dir);
  assert.equal(readFileSync(await download('download-images', dir), 'utf8'), images.stdout);
  const mirror = napgen(['images', '-f', 'values.env', '--format', 'mirror'], dir);
  assert.equal(await page.evaluate(() => document.getElementById('mirror').textContent), mirror.stdout);
  assert.equal(readFileSync(await download('download-mirror', dir), 'utf8'), mirror.stdout);
});

test('the install picture is what napgen graph draws, in the page and downloaded', async () => {
  const dir = mkdtempSync(join(work, 'graph-'));
  writeFileSync(join(dir, 'values.env'), await editorText());
  const svg = napgen(['graph', '-f', 'values.env'], dir);
  assert.equal(svg.status, 0, svg.stderr);
  const dot = napgen(['graph', '-f', 'values.env', '--format', 'dot'], dir);
  assert.equal(dot.status, 0, dot.stderr);
  await page.click('#graph-box summary');
  // The panel is drawn on its toggle event, which the browser fires after the click returns.
  await page.waitForSelector('#graph > svg');
  // The picture in the page is the CLI's SVG, element for element and text for text.
  const drawn = await page.evaluate(() => {
    const svgNode = document.querySelector('#graph > svg');
    return svgNode && new XMLSerializer().serializeToString(svgNode);
  });
  assert.ok(drawn, 'an SVG is drawn in the page');
  const canonical = (text) => page.evaluate((t) => new XMLSerializer().serializeToString(
    new DOMParser().parseFromString(t, 'image/svg+xml').documentElement), text);
  assert.equal(drawn, await canonical(svg.stdout));
  const flows = (svg.stdout.match(/^<text[^>]*>\d+\. /gm) ?? []).length;
  assert.ok(flows > 10, `the all-modules install has its flows listed (${flows})`);
  assert.equal(await page.$$eval('#graph svg text', (texts) => texts.filter((t) => /^\d+\. /.test(t.textContent)).length), flows);
  assert.equal(await page.getAttribute('#graph svg', 'role'), 'img');
  assert.equal(readFileSync(await download('download-svg', dir), 'utf8'), svg.stdout);
  assert.equal(readFileSync(await download('download-dot', dir), 'utf8'), dot.stdout);
  await screenshot('install-picture', '#graph');
  await page.click('#graph-box summary');
});

test('an imported file keeps its bytes when a module is toggled, and is diffed', async () => {
  await openPage();
  const source = join(ROOT, 'values/single-node.env');
  const original = readFileSync(source, 'utf8');
  await page.setInputFiles('#import-file', source);
  await settled();
  assert.equal(await editorText(), original);
  assert.equal(await page.inputValue('#key-TOS_HOST'), '192.0.2.10');
  assert.equal(await page.isChecked('#module-codex'), true);
  assert.equal(await page.isChecked('#module-monitoring'), false);
  assert.equal(await page.isHidden('#group-monitoring'), true);
  await screenshot('imported', '#import-status');

  await page.check('#module-monitoring');
  await settled();
  const dir = mkdtempSync(join(work, 'toggle-'));
  writeFileSync(join(dir, 'imported.env'), original);
  writeFileSync(join(dir, 'values.env'), original);
  const enabled = napgen(['enable', 'monitoring', '-f', 'values.env'], dir);
  assert.equal(enabled.status, 0, enabled.stderr);
  const expected = readFileSync(join(dir, 'values.env'), 'utf8');
  assert.ok(expected.startsWith(original), 'the CLI keeps the file and adds the module');
  assert.equal(await editorText(), expected, 'the page switches the module as napgen enable does');
  assert.equal(await page.isHidden('#group-monitoring'), false);

  const diff = napgen(['diff', 'imported.env', 'values.env'], dir);
  assert.equal(diff.status, 1);
  await page.click('#diff-box summary');
  // The diff is made on the panel's toggle event, which the browser fires after the click returns.
  await page.waitForFunction(() => document.getElementById('diff').textContent !== '');
  assert.equal(await page.evaluate(() => document.getElementById('diff').textContent), diff.stdout);
  assert.equal(await page.textContent('#diff-summary'), diff.stderr.split('\n').filter((l) => l.startsWith('napgen diff')).join('\n') + '\n');
  await screenshot('imported-monitoring-on-diff', '#diff-box');

  await page.uncheck('#module-monitoring');
  await settled();
  const disabled = napgen(['disable', 'monitoring', '-f', 'values.env'], dir);
  assert.equal(disabled.status, 0, disabled.stderr);
  assert.equal(await editorText(), readFileSync(join(dir, 'values.env'), 'utf8'));
});

test('a bad value is reported beside its field as napgen check reports it, and blocks downloads', async () => {
  await page.fill('#key-NODE_CPU', '');
  await page.locator('#key-NODE_CPU').pressSequentially('lots');
  await settled();
  const dir = mkdtempSync(join(work, 'bad-'));
  writeFileSync(join(dir, 'values.env'), await editorText());
  const report = JSON.parse(napgen(['check', '-f', 'values.env', '--format', 'json'], dir).stdout);
  const expected = report.diagnostics.find((d) => d.key === 'NODE_CPU');
  assert.ok(expected, JSON.stringify(report));
  const beside = await page.textContent('#diag-NODE_CPU .error');
  assert.ok(beside.includes(expected.message), beside);
  assert.ok(beside.includes(`help: ${expected.help}`), beside);
  assert.equal(await page.getAttribute('#key-NODE_CPU', 'aria-invalid'), 'true');
  for (const button of await page.$$('button.download')) assert.equal(await button.isDisabled(), true);
  assert.match(await page.textContent('#download-why'), /disabled while values\.env has errors \(1\)/);
  await screenshot('bad-value', '#field-NODE_CPU');

  // A misspelt key in the file: the error, with its suggestion, beside the file.
  await page.fill('#key-NODE_CPU', '');
  await page.locator('#editor').press('Control+End');
  await page.locator('#editor').pressSequentially('\nTOS_HOTS=1\n');
  await settled();
  const unknown = await page.textContent('#diag-file');
  assert.match(unknown, /TOS_HOTS/);
  assert.match(unknown, /did you mean TOS_HOST\?/);
  await screenshot('misspelt-key', '#diag-file');
});

test('a pasted file is imported as it is, and a module toggled in it changes only its lines', async () => {
  await openPage();
  const original = readFileSync(join(ROOT, 'values/multi-node.env'), 'utf8');
  await page.fill('#import-paste', original);
  await page.click('#import-paste-button');
  await settled();
  assert.equal(await editorText(), original);
  assert.equal(await page.inputValue('#profile'), 'multi-node');
  assert.match(await page.textContent('#import-status'), /Imported the pasted text/);
  await screenshot('pasted', '#import-status');
  const dir = mkdtempSync(join(work, 'paste-'));
  writeFileSync(join(dir, 'values.env'), original);
  // The browser module brings two fresh secrets: from Web Crypto in the page, from the OS in
  // the CLI, so their values differ and are compared as 64 hex digits.
  assert.equal(await page.isChecked('#module-browser'), false);
  await page.check('#module-browser');
  await settled();
  assert.match(await page.textContent('#module-status'), /fresh secret\(s\): BROWSER_JWT_SECRET, TURN_AUTH_SECRET/);
  const enabled = napgen(['enable', 'browser', '-f', 'values.env'], dir);
  assert.equal(enabled.status, 0, enabled.stderr);
  const mask = (text) => text.replace(/^((?:BROWSER_JWT|TURN_AUTH)_SECRET)=[0-9a-f]{64}$/gm, '$1=<fresh>');
  const toggled = await editorText();
  assert.equal(mask(toggled), mask(readFileSync(join(dir, 'values.env'), 'utf8')));
  assert.notEqual(mask(toggled), toggled, 'the fresh secrets are there');
  assert.ok(toggled.startsWith(original), 'every byte of the pasted file is kept');
});

test('secrets left empty show the kubectl command that creates them', async () => {
  await openPage();
  await page.fill('#key-TOS_HOST', '203.0.113.10');
  await page.check('#secrets-outside');
  await settled();
  assert.equal(await page.inputValue('#key-TOS_SECRET_KEY'), '');
  const dir = mkdtempSync(join(work, 'outside-'));
  writeFileSync(join(dir, 'values.env'), await editorText());
  const prereqs = napgen(['prereqs', '-f', 'values.env'], dir).stdout;
  const commands = await page.textContent('#secret-commands');
  assert.match(commands, /kubectl -n nap create secret generic nap-secrets/);
  for (const line of commands.split('\n')) assert.ok(prereqs.includes(line), line);
  await screenshot('secrets-outside', '#secret-commands-box');
  await page.check('#secrets-generate');
  await settled();
  assert.match(await page.inputValue('#key-TOS_SECRET_KEY'), /^[0-9a-f]{64}$/);
});

test('the page is usable on a phone and with the keyboard', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot('phone');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  // What sticks out, for the message: text wider than the screen outside a scrolling box.
  const wide = await page.evaluate(() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(walker.currentNode);
      const parent = walker.currentNode.parentElement;
      if (range.getBoundingClientRect().right > window.innerWidth && !parent.closest('pre')) {
        out.push(`${parent.tagName.toLowerCase()}#${parent.id}`);
      }
    }
    return out.slice(0, 5);
  });
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone: ${wide}`);
  await page.setViewportSize({ width: 1366, height: 900 });
  // Tab order follows the page: the skip link, the profile, then the modules.
  await openPage();
  const firstModule = await page.$eval('#modules input[type=checkbox]', (b) => b.id);
  const order = [];
  for (let i = 0; i < 3; i += 1) {
    await page.keyboard.press('Tab');
    order.push(await page.evaluate(() => document.activeElement.id || document.activeElement.className));
  }
  assert.deepEqual(order, ['skip', 'profile', firstModule]);
});

test('nothing but the page\'s own files is requested, and only while it loads', () => {
  const own = requests.filter((r) => r.url.startsWith(`${origin}/`));
  const local = requests.filter((r) => r.url.startsWith('blob:') || r.url.startsWith('data:'));
  assert.deepEqual(requests.filter((r) => !own.includes(r) && !local.includes(r)), []);
  assert.deepEqual(own.filter((r) => r.afterLoad), [], 'no request after load');
  assert.deepEqual(consoleErrors, [], 'no error (a Content Security Policy violation is one)');
});
