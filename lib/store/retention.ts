/**
 * The database layout the store keeps when asked to manage retention: the RRDtool archives of the
 * original system, in InfluxDB 1.x.
 *
 *   raw        every point as written, kept `rawDays` (the DEFAULT policy: writes and plain
 *              queries go there)
 *   rollup_1m  one point per minute and series, kept `rollup1mDays`
 *   rollup_1h  one point per hour and series, kept `rollup1hDays`
 *
 * Two continuous queries fill the rollups, for every measurement and every series (GROUP BY *
 * keeps the tags as tags). Each numeric field `f` becomes `mean_f`, `min_f`, `max_f`, `first_f`
 * and `last_f` in rollup_1m, and `mean_mean_f`, `min_min_f`, `max_max_f`, `first_first_f`,
 * `last_last_f` in rollup_1h (InfluxQL names the result of a function over a regex
 * `<function>_<field>`, and a regex is what lets one query serve every measurement). first/last
 * are what energy per interval needs: the difference of an index between the ends of two
 * intervals. String and boolean fields keep their first and last values (and booleans min/max).
 *
 * Each query runs every interval over the last two (RESAMPLE … FOR twice the interval): points
 * that arrive a little after the end of their minute, or a minute rolled up just after its hour,
 * are taken in at the next run. Points written later than that (a spool replayed after an outage,
 * a back-fill) need `rollupStatements` over their time range.
 *
 * Everything here is pure text: the statements are compared with what SHOW CONTINUOUS QUERIES
 * prints, which is why identifiers are quoted only when InfluxQL needs it, as influxd prints them.
 */

export const RAW_POLICY = 'raw';
export const ROLLUP_1M_POLICY = 'rollup_1m';
export const ROLLUP_1H_POLICY = 'rollup_1h';

/** What each rollup keeps of a field, in the order of the continuous queries' SELECT. */
export const ROLLUP_AGGREGATES = ['mean', 'min', 'max', 'first', 'last'] as const;
export type RollupAggregate = (typeof ROLLUP_AGGREGATES)[number];

export interface RetentionSettings {
    database: string;
    /** Days each policy keeps its points; 0 keeps them forever. */
    rawDays: number;
    rollup1mDays: number;
    rollup1hDays: number;
}

export interface PolicyDefinition {
    name: string;
    /** 0 = forever (INF). */
    days: number;
    isDefault: boolean;
}

export interface ContinuousQueryDefinition {
    name: string;
    /** The CREATE CONTINUOUS QUERY statement, exactly as SHOW CONTINUOUS QUERIES prints it back. */
    create: string;
    /** The SELECT … INTO it runs; `rollupStatements` runs the same over a chosen time range. */
    select: string;
}

/** What SHOW DATABASES, SHOW RETENTION POLICIES and SHOW CONTINUOUS QUERIES report now. */
export interface ExistingLayout {
    databases: readonly string[];
    /** `duration` as influxd prints it: "720h0m0s", "0s" for forever. */
    policies: readonly { name: string; duration: string; default: boolean }[];
    continuousQueries: readonly { name: string; query: string }[];
}

export function retentionPolicies(settings: RetentionSettings): PolicyDefinition[] {
    return [
        { name: RAW_POLICY, days: settings.rawDays, isDefault: true },
        { name: ROLLUP_1M_POLICY, days: settings.rollup1mDays, isDefault: false },
        { name: ROLLUP_1H_POLICY, days: settings.rollup1hDays, isDefault: false },
    ];
}

export function continuousQueries(database: string): ContinuousQueryDefinition[] {
    return [
        rollup(database, ROLLUP_1M_POLICY, RAW_POLICY, '1m', '2m', () => '*'),
        // Over rollup_1m, each function reads the column it produced: min of the minutes' min, and so on.
        rollup(database, ROLLUP_1H_POLICY, ROLLUP_1M_POLICY, '1h', '2h', (aggregate) => `/^${aggregate}_/`),
    ];
}

function rollup(
    database: string,
    into: string,
    from: string,
    every: string,
    span: string,
    argument: (aggregate: RollupAggregate) => string,
): ContinuousQueryDefinition {
    const name = into;
    const db = quoteIdentifier(database);
    const functions = ROLLUP_AGGREGATES.map((aggregate) => `${aggregate}(${argument(aggregate)})`).join(', ');
    const select = `SELECT ${functions} INTO ${db}.${quoteIdentifier(into)}.:MEASUREMENT FROM ${db}.${quoteIdentifier(from)}./.*/ GROUP BY time(${every}), *`;
    return {
        name,
        select,
        create: `CREATE CONTINUOUS QUERY ${quoteIdentifier(name)} ON ${db} RESAMPLE EVERY ${every} FOR ${span} BEGIN ${select} END`,
    };
}

/**
 * The continuous queries' SELECT … INTO over [fromMs, toMs), rollup_1m first: what they would
 * have written had the points been there when they ran. Widen the range to whole hours, or the
 * first and last hours of rollup_1h are computed from part of their minutes.
 */
export function rollupStatements(database: string, fromMs: number, toMs: number): string[] {
    const range = `WHERE time >= ${Math.floor(fromMs)}ms AND time < ${Math.ceil(toMs)}ms GROUP BY`;
    return continuousQueries(database).map((cq) => cq.select.replace('GROUP BY', range));
}

/**
 * The statements that bring the database to the layout, and only those: run again on a database
 * already in shape, it returns nothing. A policy with another duration is altered (shortening it
 * deletes the older points: that is why managing retention is opt-in), a continuous query with
 * another definition is dropped and created again.
 */
export function setupStatements(settings: RetentionSettings, existing: ExistingLayout): string[] {
    const db = quoteIdentifier(settings.database);
    const statements: string[] = [];
    const databaseExists = existing.databases.includes(settings.database);
    if (!databaseExists) statements.push(`CREATE DATABASE ${db}`);
    for (const policy of retentionPolicies(settings)) {
        const found = databaseExists ? existing.policies.find((p) => p.name === policy.name) : undefined;
        const duration = policy.days === 0 ? 'INF' : `${policy.days}d`;
        const rp = quoteIdentifier(policy.name);
        if (found === undefined) {
            statements.push(
                `CREATE RETENTION POLICY ${rp} ON ${db} DURATION ${duration} REPLICATION 1${policy.isDefault ? ' DEFAULT' : ''}`,
            );
            continue;
        }
        const changes: string[] = [];
        if (durationHours(found.duration) !== policy.days * 24) changes.push(`DURATION ${duration}`);
        if (policy.isDefault && !found.default) changes.push('DEFAULT');
        if (changes.length > 0) statements.push(`ALTER RETENTION POLICY ${rp} ON ${db} ${changes.join(' ')}`);
    }
    for (const cq of continuousQueries(settings.database)) {
        const found = databaseExists ? existing.continuousQueries.find((q) => q.name === cq.name) : undefined;
        if (found?.query === cq.create) continue;
        if (found !== undefined) statements.push(`DROP CONTINUOUS QUERY ${quoteIdentifier(cq.name)} ON ${db}`);
        statements.push(cq.create);
    }
    return statements;
}

/** Hours in a Go duration as influxd prints a policy's ("720h0m0s"; "0s" is forever, 0). */
export function durationHours(duration: string): number {
    const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
    if (match === null) return NaN;
    return Number(match[1] ?? 0) + Number(match[2] ?? 0) / 60 + Number(match[3] ?? 0) / 3600;
}

/** InfluxQL's keywords (influxql/token.go, 1.x): an identifier spelled like one must be quoted. */
const KEYWORDS = new Set([
    'ALL',
    'ALTER',
    'ANALYZE',
    'ANY',
    'AS',
    'ASC',
    'BEGIN',
    'BY',
    'CARDINALITY',
    'CREATE',
    'CONTINUOUS',
    'DATABASE',
    'DATABASES',
    'DEFAULT',
    'DELETE',
    'DESC',
    'DESTINATIONS',
    'DIAGNOSTICS',
    'DISTINCT',
    'DROP',
    'DURATION',
    'END',
    'EVERY',
    'EXACT',
    'EXPLAIN',
    'FIELD',
    'FOR',
    'FROM',
    'GRANT',
    'GRANTS',
    'GROUP',
    'GROUPS',
    'IN',
    'INF',
    'INSERT',
    'INTO',
    'KEY',
    'KEYS',
    'KILL',
    'LIMIT',
    'MEASUREMENT',
    'MEASUREMENTS',
    'NAME',
    'OFFSET',
    'ON',
    'ORDER',
    'PASSWORD',
    'POLICY',
    'POLICIES',
    'PRIVILEGES',
    'QUERIES',
    'QUERY',
    'READ',
    'REPLICATION',
    'RESAMPLE',
    'RETENTION',
    'REVOKE',
    'SELECT',
    'SERIES',
    'SET',
    'SHARD',
    'SHARDS',
    'SLIMIT',
    'SOFFSET',
    'STATS',
    'SUBSCRIPTION',
    'SUBSCRIPTIONS',
    'TAG',
    'TO',
    'USER',
    'USERS',
    'VALUES',
    'WHERE',
    'WITH',
    'WRITE',
    'AND',
    'OR',
    'TRUE',
    'FALSE',
]);

/** An identifier as influxd prints it: bare when it can be, else in double quotes. */
export function quoteIdentifier(name: string): string {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name.toUpperCase())) return name;
    return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
