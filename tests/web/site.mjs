// What the page's end-to-end tests and its benchmark share: the built page served on 127.0.0.1
// (GET of its own files only), and Debian's Chromium started headless with the offline flags.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { resolve, extname, sep } from 'node:path';
import { chromium } from 'playwright-core';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
};

/** Serves the files of folder `site` on a free port: `{ server, origin }`. */
export async function serveSite(site) {
  const server = createServer((req, res) => {
    const path = resolve(site, `.${decodeURIComponent(new URL(req.url, 'http://x').pathname)}`);
    if (req.method !== 'GET' || !path.startsWith(site + sep) || !MIME[extname(path)]) {
      res.writeHead(404).end();
      return;
    }
    try {
      res.writeHead(200, { 'content-type': MIME[extname(path)] }).end(readFileSync(path));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/** Starts the Chromium at `executablePath` headless, without any network of its own. */
export function launchChromium(executablePath) {
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run'],
  });
}
