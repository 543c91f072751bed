/**
 * A client of a JSON Lines runner process (spec/PROTOCOL.md section 1): one request out, one
 * answer back, in order.
 * @module
 */

import {spawn} from 'node:child_process';
import {createInterface} from 'node:readline';

export class JsonLinesClient {
  /** @type {((answer: any) => void)[]} */
  #waiting = [];
  #child;

  /**
   * @param {string} command
   * @param {string[]} args
   * @param {{cwd?: string}} [options]
   */
  constructor(command, args, {cwd} = {}) {
    this.#child = spawn(command, args, {cwd, stdio: ['pipe', 'pipe', 'inherit']});
    createInterface({input: /** @type {import('node:stream').Readable} */ (this.#child.stdout)}).on('line', (line) => {
      this.#waiting.shift()?.(JSON.parse(line));
    });
  }

  /**
   * @param {unknown} request
   * @returns {Promise<any>}
   */
  ask(request) {
    return this.askRaw(JSON.stringify(request));
  }

  /**
   * Sends one line as it is (a malformed one, say).
   * @param {string} line
   * @returns {Promise<any>}
   */
  askRaw(line) {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      /** @type {import('node:stream').Writable} */ (this.#child.stdin).write(`${line}\n`);
    });
  }

  /** Closes stdin; resolves with the exit code. */
  close() {
    return new Promise((resolve) => {
      this.#child.on('exit', resolve);
      /** @type {import('node:stream').Writable} */ (this.#child.stdin).end();
    });
  }
}
