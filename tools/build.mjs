// Compiles apps/ and libs/ to dist/ with SWC. Path aliases (@ordermesh/*) are rewritten by .swcrc.
// Type checking is a separate step (`npm run typecheck`); SWC only strips types.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const swc = path.join(root, 'node_modules/.bin/swc');
const res = spawnSync(
  swc,
  ['apps', 'libs', '-d', 'dist', '--copy-files', '--ignore', '**/*.spec.ts,**/*.int-spec.ts', '--quiet'],
  { cwd: root, stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit' },
);
process.exit(res.status ?? 1);
