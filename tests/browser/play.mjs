// Plays an HLS URL with hls.js in headless Chromium and reports whether playback advanced.
// Usage: [LL=1] [TOP=1] node play.mjs URL [SECONDS_TO_PLAY=2] [SCREENSHOT.png]
//   LL=1: lowLatencyMode; TOP=1: a master playlist's highest level only (no ABR switching)
// Prints one JSON line; exit 0 when video.currentTime advanced past SECONDS_TO_PLAY with no fatal
// hls.js error within 45 s, 1 otherwise, 2 when Chromium cannot start.
import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const [url, secondsArg, screenshot] = process.argv.slice(2);
const want = Number(secondsArg || 2);
const here = path.dirname(fileURLToPath(import.meta.url));
const page_url = 'file://' + path.join(here, 'player.html') + '?src=' + encodeURIComponent(url) +
                 (process.env.LL === '1' ? '&ll=1' : '') + (process.env.TOP === '1' ? '&top=1' : '');

let browser;
try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--autoplay-policy=no-user-gesture-required', '--allow-file-access-from-files'],
  });
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: 'chromium: ' + e.message }));
  process.exit(2);
}
const page = await browser.newPage();
await page.goto(page_url);
const deadline = Date.now() + Math.max(45000, want * 1000 + 20000);
let result = { ok: false };
while (Date.now() < deadline) {
  const s = await page.evaluate(() => ({
    ...window.strait,
    currentTime: document.getElementById('v').currentTime,
    width: document.getElementById('v').videoWidth,
    height: document.getElementById('v').videoHeight,
  }));
  result = { ...s, ok: !s.fatal && s.currentTime >= want };
  if (result.ok || s.fatal) break;
  await new Promise(r => setTimeout(r, 250));
}
if (screenshot) await page.screenshot({ path: screenshot });
await browser.close();
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
