// The core compiled to WebAssembly against the native command line, byte for byte: run by
// scripts/wasm-parity (read it first), which builds both. No npm package: Node.js only.
//
//   node scripts/wasm-parity.js WASM_PKG NAPGEN_BIN
//
// WASM_PKG is the folder `wasm-bindgen --target nodejs` wrote (napgen_web.js); NAPGEN_BIN the
// native binary. Every case runs the same input through both and compares stdout, stderr and the
// exit code; each difference is printed with the first line that differs. Ends with the line
// "N passed, N failed" and exits 1 if any case failed.
"use strict";

const assert = require("node:assert/strict");
const childProcess = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const [pkgDir, napgenBin] = process.argv.slice(2);
if (!pkgDir || !napgenBin) {
  console.error("usage: node scripts/wasm-parity.js WASM_PKG NAPGEN_BIN");
  process.exit(2);
}
const web = require(path.resolve(pkgDir, "napgen_web.js"));
const napgen = path.resolve(napgenBin);
const root = path.resolve(__dirname, "..");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "napgen-wasm-parity-"));
process.on("exit", () => fs.rmSync(scratch, { recursive: true, force: true }));

let passed = 0;
const failures = [];

/** Run one named case: `body` throws (an assertion) when the two sides differ. */
function test(name, body) {
  try {
    body();
    passed += 1;
  } catch (e) {
    failures.push(name);
    console.log(`FAIL ${name}\n  ${String(e.message).split("\n").slice(0, 12).join("\n  ")}`);
  }
}

/** Equal texts, or an error naming `what` and the first line that differs. */
function sameText(what, native, wasm) {
  if (native === wasm) return;
  const a = native.split("\n");
  const b = wasm.split("\n");
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  const show = (s) => JSON.stringify(s === undefined ? "<end>" : s.slice(0, 200));
  throw new Error(
    `${what} differs at line ${i + 1} (native ${native.length} bytes, wasm ${wasm.length}):\n` +
      `native: ${show(a[i])}\nwasm:   ${show(b[i])}`,
  );
}

/** The native command line in `cwd`, without colour; stdout and stderr as text. */
function cli(args, cwd) {
  const out = childProcess.spawnSync(napgen, args, {
    cwd,
    env: { ...process.env, NO_COLOR: "1" },
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  if (out.error) throw out.error;
  return { stdout: out.stdout, stderr: out.stderr, code: out.status };
}

/** A folder of its own for one case, holding `files` ({name: text}). */
function folder(files) {
  const dir = fs.mkdtempSync(path.join(scratch, "case-"));
  for (const [name, text] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });
  }
  return dir;
}

/** render and check of the values file `name` (relative to `cwd`), both ways. */
function valuesParity(label, cwd, name, text) {
  test(`render ${label}`, () => {
    const native = cli(["render", "-f", name], cwd);
    const wasm = web.render(text, name);
    sameText("stdout (the bundle)", native.stdout, wasm.bundle);
    sameText("stderr", native.stderr, wasm.messages);
    assert.equal(wasm.exit_code, native.code, "exit code");
  });
  test(`check --format json ${label}`, () => {
    const native = cli(["check", "-f", name, "--format", "json"], cwd);
    const wasm = web.check(text, name);
    sameText("stdout (the report)", native.stdout, wasm.report);
    sameText("stderr", native.stderr, wasm.messages);
    assert.equal(wasm.exit_code, native.code, "exit code");
    // render's findings are check's, as objects.
    const rendered = web.render(text, name);
    assert.deepEqual(rendered.diagnostics, JSON.parse(native.stdout).diagnostics, "render's diagnostics");
  });
}

/** A deterministic random source that records what it gave: an xorshift32 stream. */
function recordingRandom(seed) {
  let state = seed >>> 0 || 1;
  const given = [];
  const fill = (buf) => {
    for (let i = 0; i < buf.length; i += 1) {
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      buf[i] = state & 0xff;
    }
    given.push(Buffer.from(buf).toString("hex"));
    return buf;
  };
  return { fill, given };
}

/**
 * `text` with the value of each secret in `names` replaced by `<generated>`, and those values in
 * the order of `names`: the native side's secrets come from the OS, the wasm side's from a known
 * stream, so only their place in the file can be compared, and the wasm values with the stream.
 */
function maskSecrets(text, names) {
  const values = [];
  let masked = text;
  for (const name of names) {
    const line = new RegExp(`^${name}=([0-9a-f]{64})$`, "m");
    const found = masked.match(line);
    values.push(found ? found[1] : null);
    masked = masked.replace(line, `${name}=<generated>`);
  }
  return { masked, values };
}

// ---- Every profile in values/ -------------------------------------------------------------------

const profiles = fs
  .readdirSync(path.join(root, "values"))
  .filter((f) => f.endsWith(".env"))
  .sort();
assert.ok(profiles.length > 0, "no profiles in values/");
for (const file of profiles) {
  const name = `values/${file}`;
  valuesParity(name, root, name, fs.readFileSync(path.join(root, name), "utf8"));
}

// ---- Bad input: the files of tests/messages.rs, and more -------------------------------------

const badFiles = {
  "unclosed_quote.env": 'NAMESPACE="nap\nADMIN_PASSWORD=hunter2"\n',
  "cr_only.env":
    "# napgen values\rNAMESPACE=Nap\rADMIN_PASSWORD=hunter2-hunter2-hunter2-hunter2\rTOS_NODE_PORT=80\r",
  "crlf.env": "PROFILE=single-node\r\nNAMESPACE=nap\r\nTOS_NODE_PORT=30080\r\n",
  "wrong_type.env":
    "NAMESPACE=nap\nTOS_NODE_PORT=eighty\nBACKUP_ENABLED=maybe\nSHARED_DIR_SIZE=20\nCONTROL_PLANE_REPLICAS=0\n",
  "unknown_key.env": "NAMESPAC=nap\nprofile=single-node\nTOTALLY_UNRELATED=x\n",
  "bad_secret.env":
    "ADMIN_PASSWORD=\"hunter2\\nhunter2-hunter2-hunter2-hunter2\"\nTOS_SECRET_KEY=swordfish\nOPENAI_API_KEY='sk-live 1234567890abcdef'\n",
  "bad_cpu.env": "NODE_CPU=lots\nNODE_MEMORY=16Zi\nWORKSPACE_CPU=-1\n",
  "tiny_nodes.env": "PROFILE=multi-node\nCLUSTER_NODES=1\nNODE_CPU=2\nNODE_MEMORY=2Gi\n",
  "dollar.env": "TOS_HOST=$HOST\nADMIN_EMAIL=\"a${b}@example.com\"\n",
  "stray_quote.env": "NAMESPACE=na'p\nTOS_HOST=\"nap.example.com\"x\n",
  "bom.env": "\ufeffPROFILE=single-node\nNAMESPACE=nap\n",
  "empty.env": "",
  "over_long.env": `TOS_HOST=${"a".repeat(100000)}\nNAMESPACE="${"n".repeat(80)}"\n`,
};
for (const [name, text] of Object.entries(badFiles)) {
  valuesParity(name, folder({ [name]: text }), name, text);
}

// ---- Hostile values (the pieces of tests/injection.rs) on top of the all-modules profile ------

const HOSTILE_PIECES = [
  '"', "'", "#", ": ", "\n", "\r\n", "\r", "{{ .Values.x }}", '{{- fail "templated" -}}',
  "{% raw %}", "---", "\n---\nkind: Secret\n", "\n...\n", "\u0085", "\u007f", "\u0000",
  "\u001b[31m", "\u2028", "\u2029", "\ufeff", "\t", " ", "*", "&anchor", "!!binary", "%", "@",
  "|", ">", "- ", "? ", "[", "{", "yes", "null", "~", "0o17", "1e3", "\\", "$HOME",
  "${pvc.metadata.name}", "$(touch /tmp/x)", "`id`", "/../..", "\u{1F600}",
];
/** A value in double quotes, escaped as values.env reads it back. */
function quoted(value) {
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`).replace(/\n/g, "\\n")}"`;
}
const registry = JSON.parse(web.keys());
test("keys --format json", () => {
  sameText("stdout", cli(["keys", "--format", "json"], root).stdout, web.keys());
});
const textKeys = registry.filter((k) => k.type === "string").map((k) => k.name);
const secretKeys = registry.filter((k) => k.secret).map((k) => k.name);
assert.ok(textKeys.length > 3 && secretKeys.length > 3, "free-text and secret keys in keys()");
const allModules = fs.readFileSync(path.join(root, "values/all-modules.env"), "utf8");
HOSTILE_PIECES.forEach((piece, i) => {
  // Every free-text key holds the piece inside other text; one secret holds it too.
  const lines = textKeys.map((k) => `${k}=${quoted(`a${piece}b`)}`);
  const secret = secretKeys[i % secretKeys.length];
  lines.push(`${secret}=${quoted(`s3cret-${piece}-${"x".repeat(40)}`)}`);
  const name = `hostile-${i}.env`;
  const text = `${allModules}\n${lines.join("\n")}\n`;
  valuesParity(`${name} (${JSON.stringify(piece)})`, folder({ [name]: text }), name, text);
});

// ---- init and the module toggle -----------------------------------------------------------------

const initCases = [
  ["single-node", [], [], []],
  ["single-node", ["sandbox", "browser"], [], ["TOS_HOST=nap.example.com"]],
  ["multi-node", ["sandbox", "browser", "ldap", "claude-code", "backup", "monitoring"], [], []],
  ["multi-node", ["claude-code"], ["codex"], ["ADMIN_EMAIL=ops@example.com"]],
  ["single-node", ["warp-drive"], [], []],
  ["single-node", [], [], ["NOT_A_KEY=1"]],
  ["single-node", [], [], ["TOS_NODE_PORT=eighty"]],
];
// (An unknown --profile is refused by the command line's argument parser before the core sees it,
// with clap's usage message and exit 2; the page offers only the profiles there are.)
test("init of an unknown profile (wasm only: the CLI's parser refuses it first)", () => {
  const wasm = web.init("no-such-profile", [], [], [], recordingRandom(1).fill);
  assert.equal(wasm.exit_code, 3);
  assert.match(wasm.messages, /^error: --profile no-such-profile: no such profile\n  help: use one of: /);
});
/** The arguments of `napgen init` for a case. */
function initArgs([profile, withs, withouts, sets]) {
  const args = ["init", "--profile", profile, "-o", "values.env"];
  for (const m of withs) args.push("--with", m);
  for (const m of withouts) args.push("--without", m);
  for (const s of sets) args.push("--set", s);
  return args;
}
initCases.forEach((c, i) => {
  test(`init ${initArgs(c).slice(1).join(" ")}`, () => {
    const dir = folder({});
    const native = cli(initArgs(c), dir);
    const random = recordingRandom(1000 + i);
    const wasm = web.init(c[0], c[1], c[2], c[3], random.fill);
    sameText("stderr", native.stderr, wasm.messages);
    assert.equal(wasm.exit_code, native.code, "exit code");
    const written = native.code === 0 ? fs.readFileSync(path.join(dir, "values.env"), "utf8") : "";
    const a = maskSecrets(written, wasm.secrets);
    const b = maskSecrets(wasm.text, wasm.secrets);
    sameText("values.env (secrets masked)", a.masked, b.masked);
    // The wasm secrets are the random function's bytes, in order, one call each.
    assert.deepEqual(b.values, random.given, "wasm secrets = the random function's bytes");
    if (native.code === 0) assert.ok(wasm.secrets.length > 0, "init generated secrets");
  });
});

/** `napgen enable|disable MODULES -f v.env` on `text`, both ways. */
function switchParity(label, text, on, modules, seed) {
  test(`${on ? "enable" : "disable"} ${modules.join(" ")} (${label})`, () => {
    const dir = folder({ "v.env": text });
    const native = cli([on ? "enable" : "disable", ...modules, "-f", "v.env"], dir);
    const random = recordingRandom(seed);
    const wasm = web.switchModules(text, "v.env", on, modules, random.fill);
    sameText("stderr", native.stderr, wasm.messages);
    assert.equal(wasm.exit_code, native.code, "exit code");
    const a = maskSecrets(fs.readFileSync(path.join(dir, "v.env"), "utf8"), wasm.secrets);
    const b = maskSecrets(wasm.text, wasm.secrets);
    sameText("v.env afterwards (new secrets masked)", a.masked, b.masked);
    assert.deepEqual(b.values, random.given, "wasm secrets = the random function's bytes");
  });
}
const base = web.init("single-node", [], [], [], recordingRandom(7).fill);
assert.equal(base.exit_code, 0, base.messages);
const full = web.init("multi-node", ["sandbox", "browser", "ldap", "claude-code"], [], [], recordingRandom(8).fill);
assert.equal(full.exit_code, 0, full.messages);
switchParity("single-node", base.text, true, ["browser", "sandbox"], 11);
switchParity("single-node", base.text, true, ["backup,monitoring,claude-code"], 12);
switchParity("single-node", base.text, true, ["warp-drive"], 13);
switchParity("single-node", base.text, false, ["codex"], 14);
switchParity("every module", full.text, false, ["browser", "ldap"], 15);
switchParity("every module", full.text, true, ["sandbox"], 16);
const disabled = web.switchModules(full.text, "v.env", false, ["browser"], recordingRandom(17).fill);
switchParity("browser switched off", disabled.text, true, ["browser"], 18);
switchParity("not a values file", "NAMESPACE=\"nap\n", true, ["browser"], 19);

console.log(`\nwasm parity: ${profiles.length} profiles, ${Object.keys(badFiles).length} bad files, ` +
  `${HOSTILE_PIECES.length} hostile pieces, ${initCases.length} init requests`);
console.log(`${passed} passed, ${failures.length} failed`);
process.exit(failures.length === 0 ? 0 : 1);
