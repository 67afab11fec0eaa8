/**
 * The `teleinfo-in` properties as saved in a flow file, checked and turned into typed settings.
 * Part of the flow-file contract: names and values are documented in the node's help.
 */
import type { BaudSetting } from '../../lib/teleinfo/baud-hunter';
import type { TicModeSetting } from '../../lib/teleinfo/decoder';
import type { OutputSetting } from '../../lib/teleinfo/emit-policy';
import { ConfigError } from '../../lib/util/config-error';

export { ConfigError };

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
    | { kind: 'serial'; path: string; baud: BaudSetting }
    | { kind: 'tcp'; host: string; port: number }
    | { kind: 'input' };

export interface TeleinfoInSettings {
    source: TeleinfoSource;
    mode: TicModeSetting;
    output: OutputSetting;
    intervalMs: number;
}

const MODES = ['auto', 'historic', 'standard'];
const OUTPUTS = ['frame', 'changes', 'interval'];

export function parseTeleinfoIn(p: TeleinfoInProperties): TeleinfoInSettings {
    const mode = p.mode || 'auto';
    if (!MODES.includes(mode)) throw new ConfigError('teleinfo-in.errors.mode', 'mode', p.mode);
    const output = p.output || 'frame';
    if (!OUTPUTS.includes(output)) throw new ConfigError('teleinfo-in.errors.output', 'output', p.output);
    let intervalMs = 0;
    if (output === 'interval') {
        const seconds = Number(p.interval);
        if (!(seconds > 0) || !Number.isFinite(seconds)) throw new ConfigError('teleinfo-in.errors.interval', 'interval', p.interval);
        intervalMs = seconds * 1000;
    }
    return { source: parseSource(p), mode: mode as TicModeSetting, output: output as OutputSetting, intervalMs };
}

function parseSource(p: TeleinfoInProperties): TeleinfoSource {
    switch (p.source || 'serial') {
        case 'serial': {
            const path = (p.port ?? '').trim();
            if (path === '') throw new ConfigError('teleinfo-in.errors.port', 'port', p.port);
            const baud = p.baud || 'auto';
            if (baud !== 'auto' && baud !== '1200' && baud !== '9600') throw new ConfigError('teleinfo-in.errors.baud', 'baud', p.baud);
            return { kind: 'serial', path, baud: baud === 'auto' ? 'auto' : (Number(baud) as 1200 | 9600) };
        }
        case 'tcp': {
            const host = (p.host ?? '').trim();
            if (host === '') throw new ConfigError('teleinfo-in.errors.host', 'host', p.host);
            const port = Number(p.tcpPort);
            if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError('teleinfo-in.errors.tcpPort', 'tcpPort', p.tcpPort);
            return { kind: 'tcp', host, port };
        }
        case 'input':
            return { kind: 'input' };
        default:
            throw new ConfigError('teleinfo-in.errors.source', 'source', p.source);
    }
}
