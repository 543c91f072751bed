import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {promisify} from 'node:util';
import {offloadAll} from './offload-blocking.js';

/** A work module a worker can load: blocks its thread `ms` (Atomics.wait), then answers or throws as told. */
const WORK = `data:text/javascript,${encodeURIComponent(`
  import {isMainThread, threadId} from 'node:worker_threads';
  export default function work(item) {
    const [kind, ms] = String(item).split(':');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(ms));
    if (kind === 'fatal') throw Object.assign(new Error('fatal failure of ' + item), {code: 'EACCES', extra: 1});
    if (kind === 'timeout') throw new DOMException('timeout failure of ' + item, 'TimeoutError');
    if (kind === 'thread') return threadId;
    if (kind === 'exit') process.exit(3); // in a worker: ends the worker's thread, not the process
    if (kind === 'exitAfter') setTimeout(() => process.exit(4), Number(ms)); // once it has answered
    return {item, onMain: isMainThread};
  }
`)}`;

describe('offloadAll', () => {
  it('validates maxWorkers (Node validator style)', async () => {
    for (const maxWorkers of [0, 1.5, -1, Number.NaN, 2 ** 31]) {
      await assert.rejects(offloadAll({filename: WORK}, ['ok:0'], maxWorkers), {code: 'ERR_INVALID_ARG_VALUE'});
    }
    assert.deepEqual(await offloadAll({filename: WORK}, [], 2), []);
  });

  it('runs the work off the main thread, values in input order (R1, R3)', async () => {
    const values = await offloadAll({filename: WORK}, ['ok:30', 'ok:0', 'ok:5'], 2);
    assert.deepEqual(values, [
      {item: 'ok:30', onMain: false},
      {item: 'ok:0', onMain: false},
      {item: 'ok:5', onMain: false},
    ]);
  });

  it('rebuilds a failure as the work raised it: class, name, message, own properties (R4)', async () => {
    await assert.rejects(offloadAll({filename: WORK}, ['fatal:0'], 1), (error) => {
      assert.ok(error instanceof Error);
      assert.equal(error.message, 'fatal failure of fatal:0');
      assert.deepEqual({code: /** @type {any} */ (error).code, extra: /** @type {any} */ (error).extra}, {code: 'EACCES', extra: 1});
      return true;
    });
    await assert.rejects(offloadAll({filename: WORK}, ['timeout:0'], 1), (error) => {
      assert.ok(error instanceof DOMException);
      assert.equal(error.name, 'TimeoutError');
      return true;
    });
  });

  it('returns at once on abort with the signal reason, starting nothing more (R5)', async () => {
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(new DOMException('stop', 'AbortError')), 50);
    await assert.rejects(offloadAll({filename: WORK}, ['ok:5000', 'ok:5000'], 1, {signal: controller.signal}), {name: 'AbortError', message: 'stop'});
    assert.ok(performance.now() - started < 4000, 'did not wait for the 5 s block');
  });

  it('keeps its workers between calls: the next call runs on the same ones', async () => {
    const first = await offloadAll({filename: WORK}, ['thread:0', 'thread:0'], 1);
    const second = await offloadAll({filename: WORK}, ['thread:0'], 1);
    assert.equal(new Set([...first, ...second]).size, 1, `threads ${[...first, ...second]}`);
  });

  it('does not keep a worker still running when the call failed: the next call gets its own answers', async () => {
    await assert.rejects(offloadAll({filename: WORK}, ['fatal:0', 'ok:300'], 2), {code: 'EACCES'});
    const values = await offloadAll({filename: WORK}, ['ok:0', 'ok:1', 'ok:2'], 2);
    assert.deepEqual(values.map((value) => /** @type {{item: string}} */ (value).item), ['ok:0', 'ok:1', 'ok:2']);
  });

  it('fails, not hangs, when a worker stops while running an item (the work ended its thread)', {timeout: 20_000}, async () => {
    await assert.rejects(offloadAll({filename: WORK}, ['exit:0', 'ok:0'], 1), (error) => {
      assert.ok(error instanceof Error);
      assert.equal(error.message, 'a worker stopped (exit code 3) while it ran an item');
      return true;
    });
    const values = await offloadAll({filename: WORK}, ['ok:0', 'ok:1'], 2);
    assert.deepEqual(values.map((value) => /** @type {{item: string}} */ (value).item), ['ok:0', 'ok:1']);
  });

  it('never keeps a worker whose thread ended after it answered: the next call is answered', {timeout: 20_000}, async () => {
    // The first worker answers, ends its thread while the call still waits for the second, and
    // must not be handed the next call's item.
    const values = await offloadAll({filename: WORK}, ['exitAfter:0', 'ok:300'], 2);
    assert.deepEqual(/** @type {{item: string}} */ (values[1]).item, 'ok:300');
    const threads = await offloadAll({filename: WORK}, ['thread:0', 'thread:0'], 2);
    assert.equal(threads.length, 2);
  });

  it('never keeps a process alive with its idle workers (unref)', async () => {
    const program = `import {offloadAll} from ${JSON.stringify(new URL('./offload-blocking.js', import.meta.url).href)};
      console.log((await offloadAll({filename: ${JSON.stringify(WORK)}}, ['ok:0', 'ok:0'], 2)).length);`;
    // A file, not `-e`: a worker inherits the process's flags, and `--input-type` fails its imports.
    const dir = await mkdtemp(join(tmpdir(), 'offload-'));
    try {
      await writeFile(join(dir, 'main.mjs'), program);
      // Generous: the point is that it ends by itself (an idle worker ref'd would keep it alive for good).
      const {stdout} = await promisify(execFile)(process.execPath, [join(dir, 'main.mjs')], {timeout: 30_000});
      assert.equal(stdout.trim(), '2');
    } finally {
      await rm(dir, {recursive: true, force: true});
    }
  });
});

