/**
 * What a node's status function needs from the runtime: its translator. Each node words its status
 * from its counters in a pure function (nodes/<type>/status.ts), unit-tested with a stand-in translator.
 */
import type { NodeStatus } from 'node-red';

export type { NodeStatus };

/** RED._ as a status function uses it. */
export type Translate = (key: string, params?: Record<string, string | number>) => string;
