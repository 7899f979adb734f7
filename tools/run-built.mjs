// Builds the workspace with SWC (fast, incremental enough for dev) and runs one compiled entry point,
// forwarding the remaining arguments and signals. Usage: node tools/run-built.mjs <path-under-dist> [args...]
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node tools/run-built.mjs <entry relative to dist/> [args...]');
  process.exit(2);
}
const build = spawnSync(process.execPath, [path.join(root, 'tools/build.mjs'), '--quiet'], {
  stdio: 'inherit',
  cwd: root,
});
if (build.status !== 0) process.exit(build.status ?? 1);
const child = spawn(process.execPath, ['--enable-source-maps', path.join(root, 'dist', entry), ...args], {
  stdio: 'inherit',
  cwd: root,
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
