/**
 * End to end: the demo stack (private influxd, simulated meters on socat pseudo-terminals, a real
 * headless Node-RED 4.1 running the shipped flows), checked through the admin API and through the
 * dashboard in headless Chromium. Saves a screenshot of the dashboard in test-output/; with
 * UPDATE_SCREENSHOT=1, also over the one the README shows (a run must not leave the clone changed).
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDemo, type Demo } from '../../scripts/stack/demo-stack';
import { nodeErrors } from '../../scripts/stack/node-red';
import { projectRoot } from '../support/paths';

const CHROMIUM_ARGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-dev-shm-usage',
];
const SCREENSHOT = path.join(projectRoot, 'test-output', 'home-linky-dashboard.png');
const README_SCREENSHOT = path.join(projectRoot, 'docs', 'home-linky-dashboard.png');

let demo: Demo;
/** What Node-RED printed before the restart test replaced its process. */
const earlierLogs: string[] = [];
let dir: string;

before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'energy-e2e-'));
    demo = await startDemo({ dir, nodeRedPort: 0 });
});

after(async () => {
    await demo?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
});

test('every shipped flow is deployed and its nodes load without error', async () => {
    assert.deepEqual(await nodeErrors(demo.nodeRed.url), []);
    const res = await fetch(`${demo.nodeRed.url}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } });
    const { flows } = (await res.json()) as { flows: { id: string; type: string }[] };
    const types = new Set(flows.map((n) => n.type));
    assert.ok(types.has('teleinfo-in'));
    assert.ok(
        flows.some((n) => n.id === 'home-linky'),
        'the Home Linky tab is deployed',
    );
});

test('the dashboard shows live values from both simulated meters', { timeout: 90_000 }, async () => {
    const browser: Browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
        await page.goto(demo.dashboardUrl);
        await page.waitForSelector('ui-card-panel');
        const text = (cls: string) => page.locator(`.${cls} .value`).first();
        // Home (historic, 1200 Bd: a frame every ~2 s) and solar house (standard) values.
        await page.waitForFunction(
            () => /^\d+\.\d{3}$/.test(document.querySelector('.home-hchc .value')?.textContent?.trim() ?? ''),
            undefined,
            { timeout: 60_000 },
        );
        await page.waitForFunction(
            () => /(Peak|Off-peak)/.test(document.querySelector('.home-ptec .value')?.textContent ?? ''),
            undefined,
            { timeout: 30_000 },
        );
        await page.waitForFunction(() => (document.querySelector('.solar-ltarf .value')?.textContent?.trim() ?? '') !== '', undefined, {
            timeout: 60_000,
        });
        await page.waitForFunction(() => document.querySelectorAll('.solar-phases tr').length === 4, undefined, { timeout: 30_000 });
        assert.match((await text('home-adps').textContent()) ?? '', /none|ADPS|A drawn/);
        assert.match((await text('solar-tempo').textContent()) ?? '', /Blue|White|Red|Not yet known/);
        const phases = await page.locator('.solar-phases td').allTextContents();
        assert.ok(
            phases.some((t) => /^\d+$/.test(t.trim())),
            'per-phase values are numbers',
        );
    } finally {
        await browser.close();
    }
});

/** The consumption the cost table shows for the period the history chart shows, once it has data. */
async function historyConsumption(page: Page, period: string): Promise<number> {
    await page.waitForFunction(
        (p) => {
            const text = document.querySelector('.history-cost')?.textContent ?? '';
            return text.includes(p) && /Consumption\s*[1-9]\d*\.\d kWh|Consumption\s*0\.[1-9] kWh/.test(text);
        },
        period,
        { timeout: 60_000 },
    );
    const text = (await page.locator('.history-cost').textContent()) ?? '';
    return Number(/Consumption\s*([\d.]+) kWh/.exec(text)![1]);
}

/** The home's example prices (the Home tariff node's properties), € per kWh by the table's period label, and € a month. */
const HOME_PRICES: Record<string, number> = { 'Off-peak (HC)': 0.1696, 'Peak (HP)': 0.2146 };
const HOME_SUBSCRIPTION = 15.5;

/** An amount as the table shows it, "4.62 €", in euros. */
function euros(text: string): number {
    const match = /^(\d+\.\d{2}) €$/.exec(text);
    assert.ok(match, `an amount: ${text}`);
    return Number(match[1]);
}

/**
 * The cost table's figures checked against each other and against the example prices: each
 * period's cost is its quantity at its price, the subscription is 15.50 € a month prorated by the
 * local days of each calendar month in the span the table says it covers, the total is their sum.
 */
async function assertCostTable(page: Page): Promise<void> {
    const rows = await page
        .locator('.history-cost tr')
        .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('th, td'), (c) => (c.textContent ?? '').trim())));
    const row = (label: string) => rows.find((r) => r[0] === label)!;
    const covers = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}) → (\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(row('Covers')[1]);
    assert.ok(covers, `the span covered: ${row('Covers')[1]}`);
    // Local dates and times as if in UTC: every local day counts as one, as the subscription counts them.
    const [from, to] = [covers.slice(1, 6), covers.slice(6, 11)].map(([y, mo, d, h, mi]) => Date.UTC(+y, +mo - 1, +d, +h, +mi));
    let months = 0;
    for (let start = from; start < to;) {
        const day = new Date(start);
        const [monthStart, monthEnd] = [
            Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1),
            Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 1),
        ];
        months += (Math.min(to, monthEnd) - start) / (monthEnd - monthStart);
        start = Math.min(to, monthEnd);
    }
    assert.ok(
        Math.abs(euros(row('Subscription')[2]) - HOME_SUBSCRIPTION * months) <= 0.006,
        `subscription ${row('Subscription')[2]} for ${months} month`,
    );
    let energy = 0;
    for (const [period, price] of Object.entries(HOME_PRICES)) {
        const [, quantity, cost] = row(period);
        // The table shows tenths of a kWh: a cost is its quantity at its price within half a tenth.
        assert.ok(
            Math.abs(euros(cost) - parseFloat(quantity) * price) <= 0.05 * price + 0.006,
            `${period}: ${quantity} at ${price} is not ${cost}`,
        );
        energy += euros(cost);
    }
    assert.ok(Math.abs(euros(row('Consumption')[2]) - energy) <= 0.011, "the energy is the periods' costs");
    assert.ok(
        Math.abs(euros(row('Total')[2]) - euros(row('Consumption')[2]) - euros(row('Subscription')[2])) <= 0.011,
        'total = energy + subscription',
    );
}

test(
    'the history views come from InfluxDB (back-filled at first start), and again after Node-RED restarts',
    { timeout: 180_000 },
    async () => {
        const browser: Browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
        try {
            const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
            await page.goto(demo.dashboardUrl);
            await page.waitForSelector('.history-chart canvas');
            const day = await historyConsumption(page, 'day');
            // A day of the simulated household is a few kWh to a few tens of kWh.
            assert.ok(day > 0.5 && day < 100, `day consumption ${day} kWh`);
            await assertCostTable(page);

            await page.click('.history-range md-select');
            await page.click('md-option[value="month"]');
            const month = await historyConsumption(page, 'month');
            assert.ok(month > day, `a month (${month} kWh) holds more than a day (${day} kWh)`);
            await assertCostTable(page);

            earlierLogs.push(demo.nodeRed.logs());
            await demo.restartNodeRed();
            await page.goto(demo.dashboardUrl);
            await page.waitForSelector('.history-chart canvas');
            const dayAfterRestart = await historyConsumption(page, 'day');
            assert.ok(dayAfterRestart > 0.5, 'the day view is filled from InfluxDB after the restart');

            // Let the gauges' animation settle before the picture the README shows.
            await page.waitForFunction(
                () => /^\d+\.\d{3}$/.test(document.querySelector('.home-hchc .value')?.textContent?.trim() ?? ''),
                undefined,
                { timeout: 60_000 },
            );
            await page.waitForTimeout(1500);
            fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
            await page.screenshot({ path: SCREENSHOT, fullPage: true });
            assert.ok(fs.statSync(SCREENSHOT).size > 10_000);
            if (process.env.UPDATE_SCREENSHOT === '1') fs.copyFileSync(SCREENSHOT, README_SCREENSHOT);
        } finally {
            await browser.close();
        }
    },
);

test('the Node-RED log shows no error from the shipped flows', () => {
    const errors = [...earlierLogs, demo.nodeRed.logs()]
        .join('\n')
        .split('\n')
        .filter((l) => /\[error\]/.test(l));
    assert.deepEqual(errors, []);
});
