/**
 * The `tariff-cost` node's pure parts: its properties parsed (the schedule as JSON text or as a
 * list, the series periods, the time zone) and refused with their keys, the refusals of
 * lib/tariff worded with their data (a stand-in translator shows key and parameters), and its
 * locales: every code of TariffError and ConsumptionError worded, the same keys in English and French.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConsumptionError, type ConsumptionErrorReason } from '../../lib/tariff/consumption-input';
import { TariffError, type TariffErrorReason } from '../../lib/tariff/tariff-error';
import { ConfigError } from '../../nodes/shared/config-error';
import { parseTariffCost, periodList, unpricedPeriods } from '../../nodes/tariff-cost/config';
import { consumptionReason, tariffReason } from '../../nodes/tariff-cost/reasons';
import { projectRoot } from '../support/paths';
import { HPHC } from '../support/tariff';

const t = (key: string, params?: Record<string, string | number>) => (params === undefined ? key : `${key} ${JSON.stringify(params)}`);

const TARIFF_REASONS = [
    'schedule',
    'tariff',
    'currency',
    'unit',
    'mixedCurrencies',
    'mixedUnits',
    'subscription',
    'prices',
    'period',
    'price',
    'date',
    'overlap',
    'window',
    'windowPeriod',
    'localTime',
    'interval',
    'quantity',
    'noTariff',
    'unpricedPeriod',
    'option',
] as const satisfies readonly TariffErrorReason[];
const CONSUMPTION_REASONS = [
    'shape',
    'end',
    'interval',
    'periods',
    'point',
    'sample',
    'time',
] as const satisfies readonly ConsumptionErrorReason[];
// Fails to compile when a code is added to either error and not here (and so not checked in the locales).
const everyTariffReason: Exclude<TariffErrorReason, (typeof TARIFF_REASONS)[number]>[] = [];
const everyConsumptionReason: Exclude<ConsumptionErrorReason, (typeof CONSUMPTION_REASONS)[number]>[] = [];

function refusal(run: () => unknown): ConfigError {
    try {
        run();
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err;
    }
    assert.fail('not refused');
}

describe('tariff-cost properties', () => {
    const describeError = (err: TariffError) => `${err.reason}`;

    test('the schedule as the editor saves it (JSON text) or as a flow file may hold it (a list, one tariff)', () => {
        const settings = parseTariffCost({ schedule: JSON.stringify([HPHC]), periods: 'HC, HP' }, describeError);
        assert.deepEqual(settings, { schedule: [HPHC], periods: ['HC', 'HP'], timeZone: 'Europe/Paris' });
        assert.deepEqual(parseTariffCost({ schedule: [HPHC], periods: ['HP', 'HP'], timeZone: 'Europe/Zurich' }, describeError).periods, [
            'HP',
            'HP',
        ]);
        assert.deepEqual(parseTariffCost({ schedule: HPHC, periods: '' }, describeError), {
            schedule: [HPHC],
            periods: undefined,
            timeZone: 'Europe/Paris',
        });
    });

    test("refused: each with its key, the property and its value, and the reason's parameters", () => {
        const refused = (p: Record<string, unknown>) =>
            refusal(() => parseTariffCost({ schedule: [HPHC], periods: 'HC,HP', ...p }, describeError));
        assert.deepEqual(
            { ...refused({ schedule: ' ' }) },
            { key: 'tariff-cost.errors.noSchedule', property: 'schedule', value: ' ', params: {} },
        );
        assert.equal(refused({ schedule: '[{' }).key, 'tariff-cost.errors.scheduleJson');
        assert.deepEqual(
            { ...refused({ schedule: [{ ...HPHC, unit: '' }] }) },
            {
                key: 'tariff-cost.errors.schedule',
                property: 'schedule',
                value: [{ ...HPHC, unit: '' }],
                params: { reason: 'unit' },
            },
        );
        assert.equal(refused({ schedule: [] }).params.reason, 'schedule');
        assert.deepEqual(
            { ...refused({ periods: 'HC;HP' }) },
            { key: 'tariff-cost.errors.periods', property: 'periods', value: 'HC;HP', params: {} },
        );
        assert.deepEqual(
            { ...refused({ periods: 'HC,HP,HPE,HPE' }) },
            {
                key: 'tariff-cost.errors.unpricedPeriods',
                property: 'periods',
                value: 'HC,HP,HPE,HPE',
                params: { periods: 'HPE' },
            },
        );
        assert.deepEqual(
            { ...refused({ timeZone: 'Paris' }) },
            { key: 'tariff-cost.errors.timeZone', property: 'timeZone', value: 'Paris', params: {} },
        );
    });

    test('period lists', () => {
        assert.deepEqual(periodList('HC,HP'), ['HC', 'HP']);
        assert.deepEqual(periodList(' blueHC  blueHP,whiteHC '), ['blueHC', 'blueHP', 'whiteHC']);
        assert.deepEqual(periodList(undefined), []);
        assert.deepEqual(periodList(''), []);
        assert.equal(periodList(['HC', 1]), undefined);
        assert.equal(periodList('HC,2HP'), undefined);
        assert.equal(periodList({ HC: 1 }), undefined);
        assert.deepEqual(unpricedPeriods([HPHC, { ...HPHC, from: '2026-01-01', prices: { base: 0.2 } }], ['HC', 'base', 'T1', 'T1']), [
            'T1',
        ]);
    });
});

describe('tariff-cost wording of refusals', () => {
    test('positions from 1, a missing one as a dash, values as JSON cut short, names and dates as they are', () => {
        assert.equal(
            tariffReason(t, new TariffError('price', { tariff: 0, period: 'HP', value: -0.2 })),
            'tariff-cost.tariffErrors.price {"tariff":1,"period":"HP","value":"-0.2"}',
        );
        assert.equal(
            tariffReason(t, new TariffError('overlap', { tariff: 2, other: 1, date: '2025-08-01' })),
            'tariff-cost.tariffErrors.overlap {"tariff":3,"other":2,"date":"2025-08-01"}',
        );
        assert.equal(
            tariffReason(t, new TariffError('window', { tariff: 0, window: null, field: 'clock', value: 'HC' })),
            'tariff-cost.tariffErrors.window {"tariff":1,"window":"—","field":"clock","value":"\\"HC\\""}',
        );
        assert.equal(
            tariffReason(t, new TariffError('unpricedPeriod', { interval: 4, period: 'base', tariff: '2025-02-01' })),
            'tariff-cost.tariffErrors.unpricedPeriod {"interval":5,"period":"base","tariff":"2025-02-01"}',
        );
        const long = consumptionReason(t, new ConsumptionError('shape', { value: 'x'.repeat(200) }));
        assert.equal(long, `tariff-cost.consumptionErrors.shape {"value":"\\"${'x'.repeat(78)}…"}`);
        assert.equal(
            consumptionReason(t, new ConsumptionError('periods', { count: 2, periods: ['HC'] })),
            'tariff-cost.consumptionErrors.periods {"count":2,"periods":"[\\"HC\\"]"}',
        );
    });

    test('the locales word every code, and English and French have the same keys', () => {
        assert.deepEqual([everyTariffReason, everyConsumptionReason], [[], []]);
        type Catalog = { 'tariff-cost': { tariffErrors: object; consumptionErrors: object } };
        const catalog = (language: string) =>
            JSON.parse(
                fs.readFileSync(path.join(projectRoot, 'nodes', 'tariff-cost', 'locales', language, 'tariff-cost.json'), 'utf8'),
            ) as Catalog;
        const keys = (value: unknown, prefix = ''): string[] =>
            typeof value === 'object' && value !== null
                ? Object.entries(value).flatMap(([key, inner]) => keys(inner, `${prefix}${key}.`))
                : [prefix.slice(0, -1)];
        // French has a plural form English has not.
        const comparable = (list: string[]) => list.filter((key) => !key.endsWith('_many')).sort();
        const [english, french] = [catalog('en-US'), catalog('fr')];
        assert.deepEqual(comparable(keys(french)), comparable(keys(english)));
        for (const messages of [english, french]) {
            assert.deepEqual(Object.keys(messages['tariff-cost'].tariffErrors).sort(), [...TARIFF_REASONS].sort());
            assert.deepEqual(Object.keys(messages['tariff-cost'].consumptionErrors).sort(), [...CONSUMPTION_REASONS].sort());
        }
    });
});

describe('tariff-cost in the shipped flows', () => {
    type FlowNode = Record<string, unknown> & { id: string; type: string; name?: string };
    const read = (...file: string[]) => JSON.parse(fs.readFileSync(path.join(projectRoot, ...file), 'utf8')) as FlowNode[];
    const example = read('examples', 'tariff-cost.json');
    const homeLinky = read('flows', 'home-linky.json');
    const format = (flow: FlowNode[], name: string) => flow.find((n) => n.type === 'ui_template' && n.name === name)!.format;

    test("the home Linky flow uses the example's editor and table as they are", () => {
        const [editor, table] = [format(example, 'Tariff editor'), format(example, 'Cost')];
        assert.match(String(editor), /tariff-editor/);
        assert.match(String(table), /tariff-cost-table/);
        for (const name of ['Home tariff editor', 'Solar house tariff editor']) assert.equal(format(homeLinky, name), editor, name);
        for (const name of ['Home cost', 'Solar house cost']) assert.equal(format(homeLinky, name), table, name);
    });

    test('every tariff-cost node of the shipped flows and examples has properties the node accepts', () => {
        const nodes = [...example, ...homeLinky].filter((n) => n.type === 'tariff-cost');
        assert.equal(nodes.length, 3);
        for (const node of nodes)
            assert.doesNotThrow(
                () => parseTariffCost({ schedule: node.schedule, periods: node.periods, timeZone: node.timeZone }, (err) => err.reason),
                node.id,
            );
    });
});
