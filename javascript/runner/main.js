#!/usr/bin/env node
/**
 * `node javascript/runner/main.js`: the Node runner as a long-lived JSON Lines process
 * (spec/PROTOCOL.md section 1).
 *
 * One request per line on stdin, one answer per line on stdout, in order, until stdin closes. A
 * line that is not JSON gets an `error` answer with a null id; nothing a request does ends the
 * process. Diagnostics go to stderr.
 * @module
 */

import {createInterface} from 'node:readline';
import {handle} from './protocol.js';

// Outside a run nothing should throw or reject; if something left behind does, say so on stderr
// and keep serving rather than die with the requests still to come.
process.on('uncaughtException', (error) => console.error('asyncconf runner: uncaught exception:', error));
process.on('unhandledRejection', (reason) => console.error('asyncconf runner: unhandled rejection:', reason));

/**
 * Serves the requests of `input`, one at a time, writing each answer to `write`.
 * @param {NodeJS.ReadableStream} input
 * @param {(line: string) => void} write
 */
export async function serve(input, write) {
  const lines = createInterface({input, crlfDelay: Infinity});
  for await (const line of lines) {
    if (!line.trim()) continue;
    /** @type {unknown} */
    let request;
    try {
      request = JSON.parse(line);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      write(JSON.stringify({id: null, error: {kind: 'bad-request', message: `not JSON: ${message}`}}));
      continue;
    }
    write(JSON.stringify(await handle(request)));
  }
}

/** @param {string} line */
function writeLine(line) {
  process.stdout.write(`${line}\n`);
}

await serve(process.stdin, writeLine);
// stdin closed: leave once stdout has flushed, whatever a run may have left behind.
process.stdout.write('', () => process.exit(0));
