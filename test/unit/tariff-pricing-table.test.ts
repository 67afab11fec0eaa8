/**
 * A pricing as a dashboard table shows it: amounts in the currency's minor unit with its symbol,
 * quantities to a tenth, unit prices as given, the span covered, two tariffs in one span.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { priceConsumption } from '../../lib/tariff/pricing';
import { currencySymbol, moneyText, pricingTable } from '../../lib/tariff/pricing-table';
import type { Tariff } from '../../lib/tariff/tariff';
import { TimeZone } from '../../lib/util/time-zone';
import { intervalIn } from '../support/tariff';

const paris = new TimeZone('Europe/Paris');

test("amounts: rounded half up on the decimal value, in the currency's minor unit, with its symbol", () => {
    assert.equal(moneyText(2.085, 'EUR'), '2.09 €');
    assert.equal(moneyText(1.005, 'EUR'), '1.01 €');
    assert.equal(moneyText(0.004999, 'EUR'), '0.00 €');
    assert.equal(moneyText(0, 'EUR'), '0.00 €');
    assert.equal(moneyText(12345.678, 'CHF'), '12345.68 CHF');
    assert.equal(moneyText(1234.5, 'JPY'), '1235 ¥');
    assert.equal(moneyText(3.14159, 'USD'), '3.14 $');
    assert.equal(moneyText(0.1235, 'KWD'), '0.124 KWD', 'three decimals for the dinar');
    assert.deepEqual(['EUR', 'CHF', 'GBP'].map(currencySymbol), ['€', 'CHF', '£']);
});

test('the table of a span with a price change: a line per period and tariff, a subscription line per tariff, the span', () => {
    const tariff = (from: string, monthly: number, prices: Record<string, number>): Tariff => ({
        from,
        currency: 'EUR',
        unit: 'kWh',
        subscription: { amount: monthly, per: 'month' },
        prices,
    });
    const start = paris.instant(2025, 7, 31, 12);
    const end = paris.instant(2025, 8, 1, 12);
    const pricing = priceConsumption(
        [tariff('2025-02-01', 15.74, { HC: 0.1696, HP: 0.2146 }), tariff('2025-08-01', 16.1, { HC: 0.2, HP: 0.1 + 0.2 })],
        [intervalIn(paris, start, end, { HC: 10, HP: 20.04 })],
    );
    const labels: Record<string, string> = { HC: 'Off-peak (HC)' };
    const table = pricingTable(pricing, (period) => labels[period] ?? period);
    assert.deepEqual(table, {
        currency: 'EUR',
        unit: 'kWh',
        covered: { from: '2025-07-31 12:00', to: '2025-08-01 12:00', days: '1.00' },
        lines: [
            // Half of the day under each tariff.
            { tariff: '2025-02-01', period: 'HC', label: 'Off-peak (HC)', quantity: '5.0 kWh', price: '0.1696 €/kWh', cost: '0.85 €' },
            { tariff: '2025-02-01', period: 'HP', label: 'HP', quantity: '10.0 kWh', price: '0.2146 €/kWh', cost: '2.15 €' },
            { tariff: '2025-08-01', period: 'HC', label: 'Off-peak (HC)', quantity: '5.0 kWh', price: '0.2 €/kWh', cost: '1.00 €' },
            { tariff: '2025-08-01', period: 'HP', label: 'HP', quantity: '10.0 kWh', price: '0.3 €/kWh', cost: '3.01 €' },
        ],
        subscriptions: [
            { tariff: '2025-02-01', amount: '15.74 €', per: 'month', days: '0.50', cost: '0.25 €' },
            { tariff: '2025-08-01', amount: '16.10 €', per: 'month', days: '0.50', cost: '0.26 €' },
        ],
        quantity: '30.0 kWh',
        energy: '7.00 €',
        subscription: '0.51 €',
        total: '7.52 €',
    });
});

test('without data: no span, nothing charged; another currency and unit', () => {
    const water: Tariff = {
        from: '2024-01-01',
        currency: 'CHF',
        unit: 'm³',
        subscription: { amount: 120, per: 'year' },
        prices: { base: 2.35 },
    };
    const table = pricingTable(priceConsumption([water], [intervalIn(paris, 0, 1000, { base: null })]));
    assert.deepEqual(table, {
        currency: 'CHF',
        unit: 'm³',
        covered: null,
        lines: [],
        subscriptions: [],
        quantity: '0.0 m³',
        energy: '0.00 CHF',
        subscription: '0.00 CHF',
        total: '0.00 CHF',
    });
});
