/** Reading back what the nodes wrote to the test's influxd, and the times and numbers to compare it with. */
import { influxQuery, type InfluxCredentials } from '../../scripts/stack/influxd';
import { eventually } from './wait';

/** The points a query returns: each row an object keyed by column, its series' tags included. */
export async function influxRows(
    url: string,
    database: string,
    query: string,
    auth?: InfluxCredentials,
): Promise<Record<string, unknown>[]> {
    const [result] = await influxQuery(url, database, query, auth);
    return (result.series ?? []).flatMap((series) =>
        series.values.map((values) => ({
            ...series.tags,
            ...Object.fromEntries(series.columns.map((column, i) => [column, values[i]])),
        })),
    );
}

/** The rows once there are `count`: the store writes them on its own timer. */
export function landedRows(
    url: string,
    database: string,
    query: string,
    count: number,
    options: { auth?: InfluxCredentials; timeoutMs?: number } = {},
): Promise<Record<string, unknown>[]> {
    return eventually(async () => {
        const found = await influxRows(url, database, query, options.auth);
        return found.length >= count ? found : undefined;
    }, options.timeoutMs);
}

/** The integers from `from` up to `to`, `to` excluded. */
export const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A time as InfluxDB prints it (RFC 3339, no fraction on a whole second). */
export const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
