/**
 * Where a node keeps files of its own (saved state, a spool): under Node-RED's userDir, which an
 * embedded runtime may leave unset; Node-RED's own default stands in for it then.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeAPI } from 'node-red';

export function userDirPath(RED: NodeAPI, ...segments: string[]): string {
    return path.join(RED.settings.userDir ?? path.join(os.homedir(), '.node-red'), ...segments);
}
