// The configuration generator: a thin view over napgen's core compiled to WebAssembly
// (napgen_web.js). The values.env text is the one state; every key, text and rule comes from
// the core (registry, check, render, init, switchModules), so the page says what the CLI says.
import initCore, * as napgen from './napgen_web.js';

/** The name the file is checked under, as `napgen check -f values.env` names it. */
const FILE = 'values.env';
/** The name the imported file goes by in the diff. */
const IMPORTED = 'imported.env';
/** How long typing may pause before the file is checked again, in milliseconds. */
const CHECK_DELAY = 150;

/** Secure random bytes for the secrets the core generates. */
const random = (buf) => { crypto.getRandomValues(buf); };

const $ = (id) => document.getElementById(id);

const state = {
  text: '',
  /** The file as the page's last `init` wrote it, to tell whether it was changed since. */
  initText: null,
  imported: null,
  registry: null,
  /** Key name -> { field, input, diag } for the keys shown as fields. */
  fields: new Map(),
  /** The fields showing a finding, cleared at the next check. */
  flagged: [],
  /** The keys chosen in section 1 rather than typed: PROFILE and the module switches. */
  choiceKeys: new Set(),
  valid: false,
  errors: 0,
  checkTimer: 0,
  bundle: '',
  outputs: null,
  /** `napgen graph` of the current file, made when first needed after each change. */
  graph: null,
  /** The SVG text the picture in the page shows. */
  shownSvg: null,
};

/** An element with attributes and children (strings become text). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

/** Set an element's text, leaving it alone (and laid out) when it is unchanged. */
function setText(id, text) {
  const node = $(id);
  if (node.textContent !== text) node.textContent = text;
}

const keyOf = (name) => state.registry.keys.find((k) => k.name === name);

// ---- building the form from the registry -------------------------------------------------

function buildChoices() {
  const { profiles, modules } = state.registry;
  const profileKey = keyOf('PROFILE');
  const select = $('profile');
  for (const profile of profiles) select.append(el('option', { value: profile }, profile));
  $('profile-desc').textContent = profileKey.description;
  state.choiceKeys.add('PROFILE');

  const box = $('modules');
  for (const module of modules.filter((m) => m.optional)) {
    const id = `module-${module.name}`;
    const toggle = keyOf(module.toggle);
    const how = module.toggle === 'AGENT_TYPES'
      ? `AGENT_TYPES lists ${module.name}` : `${module.toggle}=true`;
    box.append(el('div', { class: 'choice' },
      el('input', { type: 'checkbox', id, 'data-module': module.name,
        'aria-describedby': `${id}-how` }),
      el('label', { for: id }, module.title, ' ', el('code', {}, module.name)),
      el('span', { class: 'how', id: `${id}-how` }, how)));
    if (toggle) state.choiceKeys.add(toggle.name);
  }
}

function defaultText(key) {
  if (key.default !== null) return key.default;
  if (key.derived_default !== null) return `derived: ${key.derived_default}`;
  return 'none';
}

function buildField(key) {
  const id = `key-${key.name}`;
  const describedBy = `desc-${key.name} diag-${key.name}`;
  const common = { id, name: key.name, 'aria-describedby': describedBy,
    autocomplete: 'off', spellcheck: 'false', 'data-key': key.name };
  let input;
  if (key.options) {
    input = el('select', common,
      el('option', { value: '' }, `(default: ${defaultText(key)})`),
      ...key.options.map((o) => el('option', { value: o }, o)));
  } else if (key.multiline) {
    input = el('textarea', { ...common, rows: 3 });
  } else {
    input = el('input', { ...common, type: key.secret ? 'password' : 'text',
      placeholder: key.default ?? '' });
  }
  const control = el('div', { class: 'control' }, input);
  if (key.secret) {
    control.append(
      el('button', { type: 'button', class: 'show', 'aria-controls': id, 'aria-pressed': 'false',
        'aria-label': `Show ${key.name}` }, 'Show'),
      el('button', { type: 'button', class: 'copy', 'data-copy': id,
        'aria-label': `Copy ${key.name}` }, 'Copy'));
  }
  const meta = el('dl', { class: 'meta' },
    el('dt', {}, 'type'), el('dd', {}, key.type_doc),
    el('dt', {}, 'default'), el('dd', {}, defaultText(key)),
    el('dt', {}, 'example'), el('dd', {}, el('code', {}, key.example)),
    el('dt', {}, 'required'), el('dd', {}, key.required));
  const diag = el('div', { class: 'diag', id: `diag-${key.name}` });
  const field = el('div', { class: 'field', id: `field-${key.name}` },
    el('label', { for: id }, el('code', {}, key.name)),
    control,
    el('p', { class: 'desc', id: `desc-${key.name}` }, key.description),
    meta, diag);
  state.fields.set(key.name, { field, input, diag });
  return field;
}

function buildFields() {
  const groups = $('groups');
  for (const module of state.registry.modules) {
    const keys = state.registry.keys.filter((k) => k.module === module.name
      && !state.choiceKeys.has(k.name));
    if (keys.length === 0) continue;
    const group = el('fieldset', { class: 'group', id: `group-${module.name}`,
      'data-module': module.name, 'data-optional': module.optional ? 'true' : 'false' },
    el('legend', {}, module.title, ' ', el('code', {}, module.name)));
    for (const key of keys) group.append(buildField(key));
    groups.append(group);
  }
}

// ---- the file, the form and the checks ---------------------------------------------------

/** Show `state.text` in the editor and the fields (except the one being typed in). */
function showText({ fromEditor = false } = {}) {
  const parsed = napgen.values(state.text, FILE);
  const on = new Set(parsed.modules);
  for (const [name, { input }] of state.fields) {
    if (input === document.activeElement) continue;
    input.value = parsed.values[name] ?? '';
  }
  const profile = parsed.values.PROFILE || keyOf('PROFILE').default;
  if (state.registry.profiles.includes(profile)) $('profile').value = profile;
  for (const box of document.querySelectorAll('#modules input[type=checkbox]')) {
    box.checked = on.has(box.dataset.module);
  }
  for (const group of document.querySelectorAll('#groups .group')) {
    group.hidden = group.dataset.optional === 'true' && !on.has(group.dataset.module);
  }
  if (!fromEditor) $('editor').value = state.text;
  scheduleCheck();
}

function scheduleCheck() {
  clearTimeout(state.checkTimer);
  document.body.dataset.busy = 'true';
  state.checkTimer = setTimeout(check, CHECK_DELAY);
}

/** One finding, as `napgen check` prints it: severity, message, where, help. */
function finding(d) {
  const where = d.origin ? `${d.origin.source}${d.origin.line ? `:${d.origin.line}` : ''}` : '';
  return el('p', { class: d.severity },
    el('strong', {}, `${d.severity}: `),
    d.key ? `${d.key}: ` : '', d.message,
    where ? el('span', { class: 'where' }, ` (${where})`) : null,
    d.help ? el('span', { class: 'help' }, `help: ${d.help}`) : null);
}

function check() {
  const started = performance.now();
  checkAndShow();
  // Lay the page out now rather than before the next paint (the same work, done once), so that
  // the time below, for the benchmark (scripts/web-bench), is the whole re-render.
  void document.body.offsetHeight;
  document.body.dataset.checkMs = (performance.now() - started).toFixed(2);
  delete document.body.dataset.busy;
}

function checkAndShow() {
  for (const { diag, input } of state.flagged) {
    diag.replaceChildren();
    input.removeAttribute('aria-invalid');
  }
  state.flagged = [];
  $('diag-file').replaceChildren();
  const list = $('summary-list');
  list.replaceChildren();

  // One validation and one render for everything below (the same results as check, render
  // and outputs one by one).
  const coreStarted = performance.now();
  const updated = napgen.update(state.text, FILE);
  document.body.dataset.coreMs = (performance.now() - coreStarted).toFixed(2);
  const result = updated.check;
  if (!result.report) {
    state.valid = false;
    state.errors = 1;
    $('summary').textContent = result.messages;
    showOutputs(updated);
    return;
  }
  const report = JSON.parse(result.report);
  for (const d of report.diagnostics) {
    const target = d.key && state.fields.get(d.key);
    const shown = target && !target.field.closest('.group').hidden;
    if (shown) {
      target.diag.append(finding(d));
      state.flagged.push(target);
      if (d.severity === 'error') target.input.setAttribute('aria-invalid', 'true');
    } else {
      $('diag-file').append(finding(d));
    }
    const href = shown ? `#key-${d.key}` : '#editor';
    list.append(el('li', { class: d.severity },
      el('a', { href }, `${d.severity}: ${d.key ? `${d.key}: ` : ''}${d.message}`)));
  }
  state.valid = report.ok;
  state.errors = report.errors;
  const counts = `${report.errors} error(s), ${report.warnings} warning(s)`;
  $('summary').textContent = report.ok
    ? `values.env is valid: ${counts}.` : `values.env is invalid: ${counts}.`;
  document.body.dataset.valid = report.ok ? 'true' : 'false';
  showOutputs(updated);
}

/** The outputs of a valid file (`updated` is the core's `update`); buttons disabled, saying
 * why, while errors remain. */
function showOutputs(updated) {
  if (state.valid && updated.outputs === null) {
    // Valid but not rendered: an internal failure, which the core explains.
    state.valid = false;
    state.errors = 1;
    $('summary').textContent = updated.render.messages;
  }
  const why = state.valid ? ''
    : `Downloads are disabled while values.env has errors (${state.errors}): fix the fields marked above.`;
  $('download-why').textContent = why;
  for (const button of document.querySelectorAll('button.download')) button.disabled = !state.valid;
  if (!state.valid) {
    state.bundle = '';
    state.outputs = null;
    for (const id of ['bundle', 'prereqs', 'images', 'mirror', 'sandbox-values']) $(id).textContent = why;
    $('secret-commands-box').hidden = true;
    state.graph = null;
    showGraph();
    showDiff();
    return;
  }
  state.bundle = updated.render.bundle;
  showBundle(state.bundle);
  const { outputs } = updated;
  state.outputs = outputs;
  setText('prereqs', outputs.prereqs);
  setText('images', outputs.images);
  setText('mirror', outputs.mirror);
  const sandbox = outputs.sandbox_values;
  $('sandbox-box').hidden = sandbox === null;
  $('download-sandbox').hidden = sandbox === null;
  setText('sandbox-values', sandbox ?? '');
  const commands = outputs.secret_commands;
  $('secret-commands-box').hidden = commands.length === 0;
  $('secret-commands').textContent = commands.join('\n');
  state.graph = null;
  showGraph();
  showDiff();
}

/** The bundle preview: one block per YAML document, so that a keystroke re-lays out only the
 * documents it changed (and the browser skips those scrolled out of sight); the preview's text
 * is the bundle, byte for byte. */
function showBundle(bundle) {
  const box = $('bundle');
  const docs = bundle.split(/(?<=\n)(?=---\n)/);
  const blocks = box.children;
  if (box.firstChild && box.firstChild.nodeType === Node.TEXT_NODE) box.replaceChildren();
  for (let i = 0; i < docs.length; i += 1) {
    if (i < blocks.length) {
      if (blocks[i].textContent !== docs[i]) blocks[i].textContent = docs[i];
    } else {
      box.append(el('span', { class: 'doc' }, docs[i]));
    }
  }
  while (blocks.length > docs.length) box.lastChild.remove();
}

/** The install's picture (`napgen graph`), drawn while its panel is open or for a download. */
function graphOf() {
  if (state.graph === null && state.valid) {
    const started = performance.now();
    state.graph = napgen.graph(state.text, FILE);
    document.body.dataset.graphMs = (performance.now() - started).toFixed(2);
  }
  return state.graph;
}

function showGraph() {
  const box = $('graph');
  if (!state.valid) {
    box.replaceChildren();
    $('graph-status').textContent = $('download-why').textContent;
    return;
  }
  if (!$('graph-box').open) return;
  const drawn = graphOf();
  if (drawn.exit_code !== 0) {
    box.replaceChildren();
    $('graph-status').textContent = drawn.messages;
    return;
  }
  // The core's SVG (every text in it XML-escaped), parsed as XML rather than HTML; it holds no
  // script, style or external reference, so the Content Security Policy stays as strict.
  $('graph-status').textContent = '';
  if (state.shownSvg === drawn.svg && box.firstChild) return;
  const svg = new DOMParser().parseFromString(drawn.svg, 'image/svg+xml').documentElement;
  box.replaceChildren(document.importNode(svg, true));
  state.shownSvg = drawn.svg;
}


/** The diff against the imported file, made while its panel is open (it renders both files). */
function showDiff() {
  $('diff-box').hidden = state.imported === null;
  if (state.imported === null || !$('diff-box').open) return;
  const result = napgen.diff(state.imported, IMPORTED, state.text, FILE);
  $('diff-summary').textContent = result.messages;
  $('diff').textContent = result.text ?? '';
}

// ---- changing the file -------------------------------------------------------------------

/** The optional modules ticked in section 1, as `init --with/--without` take them. */
function chosenModules() {
  const boxes = [...document.querySelectorAll('#modules input[type=checkbox]')];
  return {
    with: boxes.filter((b) => b.checked).map((b) => b.dataset.module),
    without: boxes.filter((b) => !b.checked).map((b) => b.dataset.module)
      .filter((m) => (keyOf('AGENT_TYPES').default ?? '').split(',').includes(m)),
  };
}

/** Clear every secret value, for a Secret created outside values.env. */
function clearSecrets(text) {
  const values = napgen.values(text, FILE).values;
  let out = text;
  for (const key of state.registry.keys.filter((k) => k.secret)) {
    if (values[key.name]) out = napgen.setValue(out, key.name, '');
  }
  return out;
}

/** Fill empty secrets that `napgen init` generates for this file's modules, from Web Crypto. */
function generateSecrets(text) {
  const parsed = napgen.values(text, FILE);
  const profile = parsed.values.PROFILE || keyOf('PROFILE').default;
  const fresh = napgen.init(profile, parsed.modules, [], [], random);
  if (fresh.exit_code !== 0) return text;
  const freshValues = napgen.values(fresh.text, FILE).values;
  let out = text;
  for (const name of fresh.secrets) {
    if (!parsed.values[name]) out = napgen.setValue(out, name, freshValues[name]);
  }
  return out;
}

const secretsOutside = () => $('secrets-outside').checked;

/** A new file from the choices of section 1 (`fresh`: the defaults, as `napgen init` alone). */
function newFile({ fresh = false } = {}) {
  const { with: withModules, without } = fresh ? { with: [], without: [] } : chosenModules();
  const result = napgen.init($('profile').value, withModules, without, [], random);
  $('module-status').textContent = result.messages;
  if (result.exit_code !== 0) return;
  state.text = secretsOutside() ? clearSecrets(result.text) : result.text;
  state.initText = state.text;
  showText();
}

/** A new profile: a file untouched since `init` is written again for it (so its header names the
 * profile and its REQUIRED lines are the profile's), any other file gets the new PROFILE value. */
function switchProfile(profile) {
  if (state.text === state.initText) {
    newFile();
    return;
  }
  state.text = napgen.setValue(state.text, 'PROFILE', profile);
  showText();
}

function switchModule(box) {
  const result = napgen.switchModules(state.text, FILE, box.checked, [box.dataset.module], random);
  $('module-status').textContent = result.messages;
  if (result.exit_code !== 0) {
    box.checked = !box.checked;
    return;
  }
  state.text = secretsOutside() ? clearSecrets(result.text) : result.text;
  showText();
}

function importText(text, name) {
  state.imported = text;
  state.text = text;
  $('import-status').textContent = `Imported ${name} (${text.split('\n').length} lines). `
    + 'Changes are diffed against it under Outputs.';
  showText();
}

function download(name, bytes, type) {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const link = el('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

async function copy(input, button) {
  try {
    await navigator.clipboard.writeText(input.value);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Copy failed: select the text';
  }
  setTimeout(() => { button.textContent = 'Copy'; }, 1500);
}

function bindEvents() {
  $('profile').addEventListener('change', (e) => switchProfile(e.target.value));
  for (const box of document.querySelectorAll('#modules input[type=checkbox]')) {
    box.addEventListener('change', () => switchModule(box));
  }
  $('new-file').addEventListener('click', () => newFile());
  for (const radio of document.querySelectorAll('input[name=secrets]')) {
    radio.addEventListener('change', () => {
      state.text = secretsOutside() ? clearSecrets(state.text) : generateSecrets(state.text);
      showText();
    });
  }
  $('groups').addEventListener('input', (e) => {
    const key = e.target.dataset.key;
    if (!key) return;
    const started = performance.now();
    state.text = napgen.setValue(state.text, key, e.target.value);
    $('editor').value = state.text;
    scheduleCheck();
    // The keystroke's own work before the check, for the benchmark (scripts/web-bench).
    document.body.dataset.inputMs = (performance.now() - started).toFixed(2);
  });
  $('groups').addEventListener('click', (e) => {
    const button = e.target.closest('button');
    if (!button) return;
    if (button.classList.contains('show')) {
      const input = $(button.getAttribute('aria-controls'));
      const shown = input.type === 'password';
      input.type = shown ? 'text' : 'password';
      button.setAttribute('aria-pressed', String(shown));
      button.textContent = shown ? 'Hide' : 'Show';
    } else if (button.classList.contains('copy')) {
      copy($(button.dataset.copy), button);
    }
  });
  $('diff-box').addEventListener('toggle', showDiff);
  $('graph-box').addEventListener('toggle', showGraph);
  $('editor').addEventListener('input', (e) => {
    state.text = e.target.value;
    showText({ fromEditor: true });
  });
  $('import-file').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (file) importText(await file.text(), file.name);
  });
  $('import-paste-button').addEventListener('click', () => {
    importText($('import-paste').value, 'the pasted text');
  });
  $('download-values').addEventListener('click', () => download(FILE, state.text, 'text/plain'));
  $('download-bundle').addEventListener('click', () => download('bundle.yaml', state.bundle, 'application/yaml'));
  $('download-images').addEventListener('click', () => download('images.txt', state.outputs.images, 'text/plain'));
  $('download-mirror').addEventListener('click', () => download('mirror.txt', state.outputs.mirror, 'text/plain'));
  $('download-svg').addEventListener('click', () => download('install.svg', graphOf().svg, 'image/svg+xml'));
  $('download-dot').addEventListener('click', () => download('install.dot', graphOf().dot, 'text/vnd.graphviz'));
  $('download-sandbox').addEventListener('click', () => download('opensandbox-values.yaml', state.outputs.sandbox_values, 'application/yaml'));
  $('download-chart').addEventListener('click', () => {
    const packed = napgen.chart(state.text, FILE);
    if (packed.exit_code === 0) download(packed.name, packed.archive, 'application/gzip');
    else $('download-why').textContent = packed.messages;
  });
}

async function main() {
  await initCore();
  performance.mark('napgen-core-ready');
  state.registry = napgen.registry();
  buildChoices();
  buildFields();
  bindEvents();
  newFile({ fresh: true });
  $('loading').hidden = true;
  $('app').hidden = false;
  document.body.dataset.ready = 'true';
  // From the start of navigation until the form answers (laid out), for the benchmark.
  void document.body.offsetHeight;
  performance.mark('napgen-interactive');
}

main().catch((error) => {
  $('loading').textContent = `napgen could not start in this browser: ${error}`;
});
