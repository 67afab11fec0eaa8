/**
 * The `teleinfo-in` properties as saved in a flow file, checked and turned into typed settings.
 * Part of the flow-file contract: names and values are documented in the node's help.
 */
import type { BaudSetting } from '../../lib/teleinfo/baud-hunter';
import type { TicModeSetting } from '../../lib/teleinfo/decoder';
import type { OutputSetting } from '../../lib/teleinfo/emit-policy';
import { PropertyReader, type NumberLimits } from '../shared/properties';

export interface TeleinfoInProperties {
    source?: string;
    port?: string;
    baud?: string;
    host?: string;
    tcpPort?: string | number;
    mode?: string;
    output?: string;
    interval?: string | number;
}

export type TeleinfoSource =
    { kind: 'serial'; path: string; baud: BaudSetting } | { kind: 'tcp'; host: string; port: number } | { kind: 'input' };

export interface TeleinfoInSettings {
    source: TeleinfoSource;
    mode: TicModeSetting;
    output: OutputSetting;
    intervalMs: number;
}

/** Shared with the editor's validators (the exported setting teleinfoInLimits). */
export const TELEINFO_IN_LIMITS = {
    tcpPort: { integer: true, min: 1, max: 65535 },
    /** Seconds. */
    interval: { above: 0 },
} as const satisfies Record<string, NumberLimits>;

const SOURCES = ['serial', 'tcp', 'input'] as const;
const MODES = ['auto', 'historic', 'standard'] as const;
const OUTPUTS = ['frame', 'changes', 'interval'] as const;
const BAUDS = ['auto', '1200', '9600'] as const;

export function parseTeleinfoIn(p: TeleinfoInProperties): TeleinfoInSettings {
    const read = new PropertyReader('teleinfo-in', p);
    const mode = read.oneOf('mode', MODES, { default: 'auto' });
    const output = read.oneOf('output', OUTPUTS, { default: 'frame' });
    const intervalMs = output === 'interval' ? read.durationMs('interval', TELEINFO_IN_LIMITS.interval) : 0;
    return { source: parseSource(read), mode, output, intervalMs };
}

function parseSource(read: PropertyReader): TeleinfoSource {
    switch (read.oneOf('source', SOURCES, { default: 'serial' })) {
        case 'serial': {
            const baud = read.oneOf('baud', BAUDS, { default: 'auto' });
            return { kind: 'serial', path: read.text('port'), baud: baud === 'auto' ? 'auto' : (Number(baud) as 1200 | 9600) };
        }
        case 'tcp':
            return { kind: 'tcp', host: read.text('host'), port: read.integer('tcpPort', TELEINFO_IN_LIMITS.tcpPort) };
        case 'input':
            return { kind: 'input' };
    }
}
