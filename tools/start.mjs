// npm start: build with SWC, then run the embedded stack (libs/devstack/src/cli/start.ts).
process.argv.splice(2, 0, 'libs/devstack/src/cli/start.js');
await import('./run-built.mjs');
