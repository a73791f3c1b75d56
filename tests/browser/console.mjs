// Drives strait's operator console (/console) in headless Chromium the way a producer would:
// the preview plays (video.currentTime advances), a product card is pinned through the form, its
// stock is changed with the row's "Set stock" (PATCH), and an invalid card shows the API's error.
// Usage: node console.mjs CONSOLE_URL CARD_ID [SCREENSHOT.png]
//   CONSOLE_URL: http://HOST:PORT/console#token=TOKEN&stream=NAME
// Prints one JSON line; exit 0 when every step passed, 1 otherwise, 2 when Chromium cannot start.
import { chromium } from 'playwright-core';

const [url, cardId, screenshot] = process.argv.slice(2);
const result = { ok: false, step: 'launch', errors: [] };

let browser;
try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--autoplay-policy=no-user-gesture-required'],
  });
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: 'chromium: ' + e.message }));
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v) return v;
    await sleep(250);
  }
  throw new Error('timed out waiting for ' + what);
}

const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
page.on('pageerror', (e) => result.errors.push('page: ' + e.message));
try {
  result.step = 'open';
  await page.goto(url);
  result.token_hidden = !(await page.evaluate(() => location.hash.includes('token=')));

  // The preview plays: currentTime moves forward by a second or more.
  result.step = 'preview';
  const t0 = await until('the preview to start', async () => {
    const t = await page.evaluate(() => document.getElementById('preview').currentTime);
    return t > 0.5 ? t : 0;
  }, 40000);
  result.currentTime = await until('the preview to advance', async () => {
    const t = await page.evaluate(() => document.getElementById('preview').currentTime);
    return t > t0 + 1 ? t : 0;
  }, 15000);

  // Pin a product card through the form.
  result.step = 'pin';
  await page.fill('#f-id', cardId);
  await page.selectOption('#f-template', 'product');
  await page.fill('#f-title', 'Console test mug');
  await page.fill('#f-subtitle', 'Stoneware, 350 ml');
  await page.fill('#f-price', '19.99');
  await page.fill('#f-currency', 'USD');
  await page.fill('#f-original', '29.99');
  await page.fill('#f-discount', '-33%');
  await page.fill('#f-stock', '5');
  await page.fill('#f-locale', 'en-US');
  await page.selectOption('#f-anchor', 'bottom-right');
  // The in-band copy of the card's timed metadata: hls.js hands the page the ID3 tags it finds in
  // the segments' emsg boxes.
  await page.evaluate(() => {
    window.straitId3 = [];
    window.straitConsole.hls.on(Hls.Events.FRAG_PARSING_METADATA, (event, data) => {
      for (const s of data.samples)
        window.straitId3.push({ pts: s.pts, text: new TextDecoder().decode(s.data) });
    });
  });
  await page.click('#save');
  const row = `#cards li[data-card-id="${cardId}"]`;
  await page.waitForSelector(row, { timeout: 10000 });
  result.card_listed = true;

  // The preview's player (hls.js) sees the card as timed metadata: an EXT-X-DATERANGE of class
  // com.strait.card naming it, in the playlist it is playing.
  result.step = 'daterange';
  result.daterange = await until('the card as an EXT-X-DATERANGE in hls.js', () => page.evaluate((id) => {
    const hls = window.straitConsole.hls;
    if (!hls) return null;
    for (const level of hls.levels || []) {
      const ranges = (level.details && level.details.dateRanges) || {};
      for (const r of Object.values(ranges)) {
        if (r.class === 'com.strait.card' && r.attr['X-CARD-ID'] === id)
          return { id: r.id, start: r.startDate.toISOString(), title: r.attr['X-TITLE'] };
      }
    }
    return null;
  }, cardId), 15000);

  result.step = 'id3';
  result.id3 = await until('the card as ID3 timed metadata (emsg) in hls.js', () => page.evaluate(
    (id) => {
      const hit = (window.straitId3 || []).find(
        (t) => t.text.includes('"event":"start"') && t.text.includes(`"X-CARD-ID":"${id}"`));
      return hit ? { in_band_start: true, pts: hit.pts } : null;
    }, cardId), 15000);

  // The row's quick stock change (PATCH stock_left).
  result.step = 'stock';
  await page.fill(`${row} input[type=number]`, '2');
  await page.click(`${row} button:has-text("Set stock")`);
  await until('stock 2 in the list', () => page.evaluate(
    (sel) => (document.querySelector(sel + ' .meta') || {}).textContent?.includes('stock 2'), row),
    10000);
  result.stock_patched = true;

  // Let the card animate in on the preview for the screenshot.
  await sleep(3000);
  if (screenshot) await page.screenshot({ path: screenshot });

  // An invalid card: the API's error is shown on the page, naming the field.
  result.step = 'error';
  await page.fill('#f-id', cardId + '-bad');
  await page.fill('#f-currency', 'ZZZZ');
  await page.click('#save');
  result.error_text = await until('the error box', () => page.evaluate(() => {
    const box = document.getElementById('error');
    return getComputedStyle(box).display !== 'none' ? box.textContent : '';
  }), 10000);
  result.error_field_marked = await page.evaluate(
    () => document.getElementById('f-currency').classList.contains('bad'));

  result.console_errors = await page.evaluate(() => window.straitConsole.errors.length);
  result.step = 'done';
  result.ok = true;
} catch (e) {
  result.error = e.message;
  if (screenshot) await page.screenshot({ path: screenshot }).catch(() => {});
}
await browser.close();
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
