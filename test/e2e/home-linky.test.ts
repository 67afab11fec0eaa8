/**
 * End to end: the demo stack (private influxd, simulated meters on socat pseudo-terminals, a real
 * headless Node-RED 4.1 running the shipped flows), checked through the admin API and through the
 * dashboard in headless Chromium, then started again on the same folder as a user starts it the
 * next day. Saves a screenshot of the dashboard in test-output/; with UPDATE_SCREENSHOT=1, also
 * over the one the README shows (a run must not leave the clone changed).
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDemo, type Demo } from '../../scripts/stack/demo-stack';
import { deployFlows, nodeErrors } from '../../scripts/stack/node-red';
import { influxRows } from '../support/influx';
import { projectRoot } from '../support/paths';
import { eventually } from '../support/wait';

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

/** Each simulated meter (its `meter` tag) and the indexes it sends. */
const METER_INDEXES: Record<string, string[]> = {
    '021975348497': ['HCHC', 'HCHP'],
    '042176123456': ['EAST', 'EASF01', 'EASF02', 'EASF03', 'EASF04', 'EASF05', 'EASF06', 'EASD01', 'EAIT'],
};

/** One aggregate (first, last) of every index of a meter over a time condition, label → value; undefined while there is no point. */
async function indexesWhere(aggregate: 'first' | 'last', meter: string, condition: string): Promise<Record<string, number> | undefined> {
    const labels = METER_INDEXES[meter];
    const [row] = await influxRows(
        demo.influxUrl,
        'energy',
        `SELECT ${labels.map((l) => `${aggregate}(${l}) AS ${l}`).join(', ')} FROM teleinfo WHERE meter = '${meter}' AND ${condition}`,
    );
    return row === undefined ? undefined : Object.fromEntries(labels.map((l) => [l, Number(row[l])]));
}

/** Users' flows: what the editor deploys. */
async function deployedFlows(): Promise<{ id: string; type: string }[]> {
    return (await (await fetch(`${demo.nodeRed.url}/flows`)).json()) as { id: string; type: string }[];
}

test("Node-RED's log goes to a file in the demo folder, across a restart of Node-RED", () => {
    assert.equal(demo.nodeRedLog, path.join(dir, 'node-red.log'));
    const log = fs.readFileSync(demo.nodeRedLog, 'utf8');
    assert.ok((log.match(/\[info\] Started flows/g)?.length ?? 0) >= 2, 'the first start and the restart');
    assert.match(log, /\[info\] Server now running at http:\/\/127\.0\.0\.1:\d+\//);
});

test(
    'the whole demo started again: the flows deployed in the editor are kept, every index carries on without going down',
    {
        timeout: 240_000,
    },
    async () => {
        // A change deployed the way the editor deploys one.
        const note = { id: 'e2e-user-note', type: 'comment', z: 'home-linky', name: 'deployed in the editor', wires: [] };
        await deployFlows(demo.nodeRed.url, [...(await deployedFlows()), note]);
        await demo.stop();
        const stoppedAt = Date.now();
        demo = await startDemo({ dir, nodeRedPort: 0 });

        assert.deepEqual(demo.flows, { action: 'kept', file: path.join(dir, 'node-red', 'flows.json'), differsFromShipped: true });
        assert.ok(
            (await deployedFlows()).some((n) => n.id === note.id),
            'the deployed change is running again',
        );
        const backups = fs.readdirSync(path.join(dir, 'node-red')).filter((f) => /^flows(_cred)?-backup-/.test(f));
        assert.deepEqual(backups, [], 'nothing replaced, nothing backed up');
        assert.match(fs.readFileSync(`${demo.nodeRedLog}.1`, 'utf8'), /\[info\] Started flows/, "the previous start's log is kept");

        for (const [meter, labels] of Object.entries(METER_INDEXES)) {
            const before = await indexesWhere('last', meter, `time < ${stoppedAt}ms`);
            const after = await eventually(() => indexesWhere('first', meter, `time > ${stoppedAt}ms`), 90_000, 1000);
            assert.ok(before !== undefined);
            for (const label of labels) {
                assert.ok(after[label] >= before[label], `${meter} ${label}: ${before[label]} before the restart, ${after[label]} after`);
            }
        }
        // The whole stored series, from the back-filled history through the live frames of both runs.
        for (const [meter, labels] of Object.entries(METER_INDEXES)) {
            const rows = await influxRows(demo.influxUrl, 'energy', `SELECT ${labels.join(', ')} FROM teleinfo WHERE meter = '${meter}'`);
            assert.ok(rows.length > 40_000, `${rows.length} points of ${meter}`);
            for (const label of labels) {
                const down = rows.findIndex((row, i) => i > 0 && Number(row[label]) < Number(rows[i - 1][label]));
                const where =
                    down < 0 ? '' : `${String(rows[down - 1].time)} (${String(rows[down - 1][label])}) → ${String(rows[down].time)}`;
                assert.equal(down, -1, `${meter} ${label} goes down at ${where}`);
            }
        }
    },
);
