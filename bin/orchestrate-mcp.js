#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { launch } from '../dist/src/runner/launch.js';

// launch decides on Node built-ins alone; the MCP SDK, zod, pino and SQLite load only when this
// process serves inline, runs a subcommand or is the background runner, never to bridge.
launch({ argv: process.argv.slice(2), env: process.env, bin: fileURLToPath(import.meta.url) }).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error) => {
    process.stderr.write(`orchestrate-mcp: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
