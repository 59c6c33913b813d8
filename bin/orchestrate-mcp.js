#!/usr/bin/env node
import { main } from '../dist/src/main.js';

main(process.argv.slice(2), process.env).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error) => {
    process.stderr.write(`orchestrate-mcp: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
