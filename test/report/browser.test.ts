import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { readTrace, renderTimeline } from '../../harness/report';

/**
 * The timeline as a browser draws it: Debian's Chromium (`apt-get install chromium`) driven by playwright-core.
 * Without /usr/bin/chromium the suite is skipped, saying so.
 */
const CHROMIUM = '/usr/bin/chromium';
const SAMPLE = join(__dirname, '../fixtures/traces/sample.jsonl');
const SCREENSHOT = '/tmp/timeline.png';
const KEY_A = 'incoming/orders-1.csv';
const KEY_B = 'incoming/<script>window.__pwned=1;</script> "Q4 #1".csv';
const KEY_C = 'daily report.csv';

/** Browser globals and element fields the tests read in the page (the project compiles without the DOM lib). */
interface InPage {
  getComputedStyle(el: unknown): { boxShadow: string; backgroundColor: string };
  __pwned?: unknown;
}
interface Shown {
  hidden: boolean;
  offsetParent: unknown;
}

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`[skipped] timeline browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`);
const describeIfChromium = hasChromium ? describe : describe.skip;

describeIfChromium('timeline in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let dir: string;
  const problems: string[] = [];

  /** Lane selector by exact key (the key goes through CSS.escape in the page, not into the selector text). */
  const laneOf = (key: string) => page.locator('#timeline .lane:not(.other)').filter({ has: page.locator('.lane-name', { hasText: key }) });
  const visibleKeys = () =>
    page.$$eval('#timeline .lane', (lanes) => lanes.filter((l) => !(l as unknown as Shown).hidden && (l as unknown as Shown).offsetParent !== null).map((l) => l.getAttribute('data-key')));

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    dir = mkdtempSync(join(tmpdir(), 'timeline-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // A CSP violation (a blocked script or style) shows up as a console error: none is expected.
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    const file = join(dir, 'timeline.html');
    writeFileSync(file, renderTimeline(readTrace(SAMPLE)));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('html[data-drawn="true"]', { timeout: 10_000 });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('draws without errors and saves a screenshot', async () => {
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(problems).toEqual([]);
  });

  it('draws one lane per object version, plus the other lane, with the header shown', async () => {
    expect(await page.locator('#timeline .lane').count()).toBe(5);
    expect(await page.$$eval('#timeline .lane:not(.other)', (ls) => ls.map((l) => l.getAttribute('data-key')))).toEqual([KEY_A, KEY_B, KEY_C, KEY_C]);
    expect(await page.locator('#timeline .lane.other .hop').count()).toBe(7);
    expect(await page.locator('#timeline .hop[data-type]').count()).toBe(48);
    expect(await page.locator('#lane-count').textContent()).toBe('showing 4 of 4 object lanes');
    expect(await page.locator('[data-fact="seed"] dd').textContent()).toBe('42');
    expect(await page.locator('[data-fact="scenario"] dd').textContent()).toBe('csv report');
    expect(await page.locator('.legend .legend-item').count()).toBeGreaterThan(10);
  });

  it('highlights the duplicate delivery in its lane', async () => {
    const lane = laneOf(KEY_A);
    await expect(lane.getAttribute('class')).resolves.toContain('has-duplicate');
    const dup = lane.locator('.hop.duplicate[data-type="sqs.send"]');
    expect(await dup.count()).toBe(1);
    expect(await dup.isVisible()).toBe(true);
    // The outline is the duplicate color (--duplicate: #d500f9).
    expect(await dup.evaluate((el) => (globalThis as unknown as InPage).getComputedStyle(el).boxShadow)).toContain('rgb(213, 0, 249)');
    expect(await lane.locator('.badge-duplicate').textContent()).toBe('duplicate');
  });

  it('marks errors, retries and the DLQ arrival of the failing object', async () => {
    const lane = laneOf(KEY_B);
    const errors = page.locator('#timeline .hop.error');
    expect(await errors.count()).toBe(2);
    expect(await lane.locator('.hop.error').count()).toBe(2);
    expect(await lane.locator('.hop.error').evaluateAll((els) => els.map((e) => e.getAttribute('data-type')))).toEqual(['lambda.invoke.error', 'lambda.invoke.error']);
    expect(await errors.first().evaluate((el) => (globalThis as unknown as InPage).getComputedStyle(el).backgroundColor)).toBe('rgb(213, 0, 0)');
    expect(await lane.locator('.hop.retry').count()).toBe(4);
    expect(await lane.locator('.hop.dlq[data-type="sqs.redrive"]').count()).toBe(1);
    expect(await lane.locator('.badge-error').textContent()).toBe('2 errors');
    expect(await laneOf(KEY_C).first().locator('.hop.coalesced').count()).toBe(1);
  });

  it('positions marks by virtual time, with the wall time in the tooltip', async () => {
    const marks = await laneOf(KEY_B)
      .locator('.hop')
      .evaluateAll((els) => els.map((e) => ({ time: Number(e.getAttribute('data-time')), left: e.getBoundingClientRect().left, title: e.getAttribute('title') ?? '' })));
    for (let i = 1; i < marks.length; i++) {
      expect(marks[i]!.left).toBeGreaterThan(marks[i - 1]!.left);
      expect(marks[i]!.time).toBeGreaterThanOrEqual(marks[i - 1]!.time);
    }
    expect(marks[0]!.title).toMatch(/^s3\.write {2}#\d+\nvirtual: 2026-01-01T00:00:01\.500Z \(\+1\.5s\)\nwall: {4}2026-03-14T09:26:53\.\d{3}Z\n/);

    // On the linear scale, distance is proportional to virtual time.
    await page.selectOption('#scale', 'linear');
    const linear = await laneOf(KEY_B)
      .locator('.hop')
      .evaluateAll((els) => els.map((e) => ({ time: Number(e.getAttribute('data-time')), x: e.getBoundingClientRect().left })));
    const first = linear[0]!;
    const last = linear[linear.length - 1]!;
    const pxPerMs = (last.x - first.x) / (last.time - first.time);
    for (const m of linear) expect(Math.abs(m.x - (first.x + (m.time - first.time) * pxPerMs))).toBeLessThan(1.5);
    await page.selectOption('#scale', 'compressed');
    expect(await page.locator('#timeline .hop[data-type]').count()).toBe(48);
  });

  it('filters lanes by a substring of the key, hiding the others', async () => {
    await page.fill('#filter', 'DAILY');
    expect(await visibleKeys()).toEqual([KEY_C, KEY_C]);
    expect(await page.locator('#lane-count').textContent()).toBe('showing 2 of 4 object lanes');
    expect(await page.locator('#timeline .lane.other').isVisible()).toBe(false);

    await page.fill('#filter', '<script>');
    expect(await visibleKeys()).toEqual([KEY_B]);

    await page.fill('#filter', 'no such key');
    expect(await visibleKeys()).toEqual([]);

    await page.fill('#filter', '');
    expect(await visibleKeys()).toHaveLength(5);
  });

  it('renders the <script> key as text: nothing injected', async () => {
    expect(await laneOf(KEY_B).locator('.lane-name').textContent()).toBe(KEY_B);
    expect(await page.evaluate(() => (globalThis as unknown as InPage).__pwned)).toBeUndefined();
    expect(await page.locator('script').count()).toBe(2);
    expect(await page.locator('#timeline script, #timeline img, #timeline iframe').count()).toBe(0);
    expect(await laneOf(KEY_B).locator('.hop[data-type="s3.write"]').getAttribute('title')).toContain(`key: ${KEY_B}`);
  });

  it('shows a mark’s details when clicked', async () => {
    await laneOf(KEY_B).locator('.hop.error').first().click();
    expect(await page.locator('#details-title').textContent()).toMatch(/^lambda\.invoke\.error {2}#\d+$/);
    const details = JSON.parse((await page.locator('#details-body').textContent()) ?? '{}');
    expect(details).toMatchObject({ type: 'lambda.invoke.error', requestId: 'LB1-0003', flags: ['error'], linkedBy: 'requestId' });
    expect(details.lane).toContain(KEY_B);
  });
});
