#!/usr/bin/env node
// The `rvi` command. Runs the TypeScript sources through tsx (no build step).
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
const argv = process.argv.slice(2);
const code = await main(argv);
// `serve` keeps running on its server; any other command is done when main returns: exit now, so a handle left open
// (a LISTEN connection of the context on Postgres, a pool's idle timer) cannot hold the command for ever
if (argv[0] === 'serve') process.exitCode = code;
else process.exit(code);
