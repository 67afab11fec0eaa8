/** Where things are, whether a test runs from its source or from dist/. */
import * as fs from 'node:fs';
import * as path from 'node:path';

function findRoot(start: string): string {
    let dir = start;
    while (!fs.existsSync(path.join(dir, 'package.json'))) {
        const parent = path.dirname(dir);
        if (parent === dir) throw new Error(`no package.json above ${start}`);
        dir = parent;
    }
    return dir;
}

export const projectRoot = findRoot(__dirname);
/** The read-only reference material (vectors, tools) beside the checkout; SHARED_DIR overrides it. */
export const sharedDir = process.env.SHARED_DIR ?? path.resolve(projectRoot, '..', 'shared');
export const teleinfoVectorsDir = path.join(sharedDir, 'vectors', 'teleinfo');
/** Compiled node modules, as Node-RED loads them. */
export const distNodes = path.join(projectRoot, 'dist', 'nodes');
