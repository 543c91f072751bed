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

import {realpathSync} from 'node:fs';
import {createInterface} from 'node:readline';
import {pathToFileURL} from 'node:url';
import {handle} from './protocol.js';

/**
 * Serves the requests of `input`, one at a time, writing each answer to `write`.
 * @param {NodeJS.ReadableStream} input
 * @param {(line: string) => void} write
 * @param {(request: unknown) => Promise<Record<string, unknown>>} [answer] What answers a request
 *   (default: `handle`, with the anti-patterns; the testing seam passes its candidates').
 */
export async function serve(input, write, answer = handle) {
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
    write(JSON.stringify(await answer(request)));
  }
}

/** @param {string} line */
function writeLine(line) {
  process.stdout.write(`${line}\n`);
}

/**
 * The runner as this process: serves stdin to stdout until stdin closes, then ends the process.
 * @param {(request: unknown) => Promise<Record<string, unknown>>} [answer]
 */
export async function serveProcess(answer = handle) {
  // Outside a run nothing should throw or reject; if something left behind does, say so on stderr
  // and keep serving rather than die with the requests still to come.
  process.on('uncaughtException', (error) => console.error('asyncconf runner: uncaught exception:', error));
  process.on('unhandledRejection', (reason) => console.error('asyncconf runner: unhandled rejection:', reason));
  await serve(process.stdin, writeLine, answer);
  // stdin closed: leave once stdout has flushed, whatever a run may have left behind.
  process.stdout.write('', () => process.exit(0));
}

// The loop starts only when this file is the program: importing it (the testing seam does) starts nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) await serveProcess();
