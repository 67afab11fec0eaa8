/** Where things are, whether a test runs from its source or from dist/. */
import * as path from 'node:path';
import { projectRoot } from '../../scripts/stack/service';

export { projectRoot };
/** The read-only reference material (vectors, tools) beside the checkout; SHARED_DIR overrides it. */
export const sharedDir = process.env.SHARED_DIR ?? path.resolve(projectRoot, '..', 'shared');
export const teleinfoVectorsDir = path.join(sharedDir, 'vectors', 'teleinfo');
/** Compiled node modules, as Node-RED loads them. */
export const distNodes = path.join(projectRoot, 'dist', 'nodes');
