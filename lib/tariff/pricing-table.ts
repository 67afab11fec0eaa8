/**
 * A pricing as a dashboard table shows it: amounts rounded to the currency's minor unit with its
 * symbol (2.09 €, 186.00 CHF, 1200 JPY), quantities to a tenth of the unit (12.3 kWh), unit prices
 * as the tariff gives them (0.1696 €/kWh), and the span the subscription covers in local dates and
 * times. Text in one form whatever the host's locale (a dot for decimals, no grouping), so that a
 * table reads the same on every dashboard; the pricing itself keeps the exact numbers.
 */
import type { LocalDateTime } from './clock';
import type { Pricing } from './pricing';
import type { Subscription } from './tariff';

export interface PricingTable {
    currency: string;
    unit: string;
    /** The span the subscription covers, local `YYYY-MM-DD HH:MM`, and its local days; null without data. */
    covered: { from: string; to: string; days: string } | null;
    /** The energy of each period under each tariff in force, in the pricing's order. */
    lines: EnergyRow[];
    /** The subscription of each tariff in force over the span. */
    subscriptions: SubscriptionRow[];
    quantity: string;
    energy: string;
    subscription: string;
    total: string;
}

export interface EnergyRow {
    /** The `from` date of the tariff. */
    tariff: string;
    period: string;
    /** The period as people name it (the caller's labels), its name when it has none. */
    label: string;
    quantity: string;
    price: string;
    cost: string;
}

export interface SubscriptionRow {
    tariff: string;
    amount: string;
    per: Subscription['per'];
    days: string;
    cost: string;
}

interface CurrencyFormat {
    symbol: string;
    digits: number;
}

const currencyFormats = new Map<string, CurrencyFormat>();

export function pricingTable(pricing: Pricing, labelOf: (period: string) => string = (period) => period): PricingTable {
    const money = (amount: number) => moneyText(amount, pricing.currency);
    const quantity = (value: number) => `${value.toFixed(1)} ${pricing.unit}`;
    const symbol = currencySymbol(pricing.currency);
    const covered = pricing.covered;
    return {
        currency: pricing.currency,
        unit: pricing.unit,
        covered:
            covered === null
                ? null
                : { from: localText(covered.localStart), to: localText(covered.localEnd), days: covered.days.toFixed(2) },
        lines: pricing.energyLines.map((line) => ({
            tariff: line.tariff,
            period: line.period,
            label: labelOf(line.period),
            quantity: quantity(line.quantity),
            price: `${Number(line.price.toPrecision(6))} ${symbol}/${pricing.unit}`,
            cost: money(line.cost),
        })),
        subscriptions: pricing.subscriptionLines.map((line) => ({
            tariff: line.tariff,
            amount: money(line.amount),
            per: line.per,
            days: line.days.toFixed(2),
            cost: money(line.cost),
        })),
        quantity: quantity(pricing.quantity),
        energy: money(pricing.energy),
        subscription: money(pricing.subscription),
        total: money(pricing.total),
    };
}

/** An amount rounded to the currency's minor unit, with its symbol: 2.09 €, 12.50 CHF. */
export function moneyText(amount: number, currency: string): string {
    const { symbol, digits } = currencyFormat(currency);
    const scale = 10 ** digits;
    // Rounded half away from zero on the decimal value, not on its binary neighbour (1.005 € is 1.01 €).
    const rounded = (Math.sign(amount) * Math.round(Number((Math.abs(amount) * scale).toPrecision(12)))) / scale;
    return `${rounded.toFixed(digits)} ${symbol}`;
}

/** The currency's symbol as a table shows it: € for EUR, CHF for CHF. */
export function currencySymbol(currency: string): string {
    return currencyFormat(currency).symbol;
}

/** A local date and time as `YYYY-MM-DD HH:MM`. */
function localText(at: LocalDateTime): string {
    const minutes = Math.floor(at.minuteOfDay);
    const two = (n: number) => String(n).padStart(2, '0');
    return `${at.date} ${two(Math.floor(minutes / 60))}:${two(minutes % 60)}`;
}

function currencyFormat(currency: string): CurrencyFormat {
    let format = currencyFormats.get(currency);
    if (format === undefined) {
        const intl = new Intl.NumberFormat('en', { style: 'currency', currency, currencyDisplay: 'narrowSymbol' });
        const symbol = intl.formatToParts(0).find((part) => part.type === 'currency')?.value ?? currency;
        format = { symbol, digits: intl.resolvedOptions().maximumFractionDigits ?? 2 };
        currencyFormats.set(currency, format);
    }
    return format;
}
