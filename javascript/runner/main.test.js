import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {tmpdir} from 'node:os';
import {describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {JsonLinesClient} from '../scripts/jsonl-client.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const PROTOCOL = new URL('./protocol.js', import.meta.url).href;

describe('the runner process (node runner/main.js)', () => {
  it('serves JSON Lines from any cwd, survives bad lines, and exits 0 when stdin closes', async () => {
    const runner = new JsonLinesClient(process.execPath, [MAIN], {cwd: tmpdir()});
    const describe = await runner.ask({id: 'a', op: 'describe'});
    assert.equal(describe.id, 'a');
    assert.equal(describe.runtime.name, 'node');
    const badLine = await runner.askRaw('{"id": 1, "op": ');
    assert.equal(badLine.id, null);
    assert.equal(badLine.error.kind, 'bad-request');
    const unknown = await runner.ask({id: 2, pattern: 'timeout', impl: 'nope'});
    assert.equal(unknown.error.kind, 'unknown-impl');
    const run = await runner.ask({id: 3, pattern: 'timeout', params: {timeout_ms: 50}, plan: {op: [{after_ms: 80, ok: 'x'}]}});
    assert.deepEqual([run.id, run.outcome, run.elapsed_ms], [3, {ok: null}, 50]);
    assert.equal(await runner.close(), 0);
  });

  it('reports an unhandled rejection of the run as a warning and as unobserved, and goes on', async () => {
    // In a child process of its own: node:test treats any unhandled rejection as a failed test.
    const script = `
      import {handle} from ${JSON.stringify(PROTOCOL)};
      const registry = {timeout: {floating: async () => { Promise.reject(new TypeError('nobody listens')); return 1; }}};
      const first = await handle({id: 1, pattern: 'timeout', impl: 'floating', params: {timeout_ms: 5}}, {registry});
      const second = await handle({id: 2, pattern: 'timeout', params: {timeout_ms: 5}, plan: {op: [{after_ms: 1, ok: 2}]}});
      console.log(JSON.stringify([first, second]));`;
    const {stdout} = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
    const [first, second] = JSON.parse(stdout);
    assert.deepEqual(first.outcome, {ok: 1});
    assert.deepEqual(first.warnings, ['unhandled rejection: TypeError: nobody listens']);
    // What the checker fails the run for (spec/PROTOCOL.md section 2), the process surviving it.
    assert.deepEqual(first.unobserved, ['unhandled rejection: TypeError: nobody listens']);
    assert.deepEqual([second.outcome, second.warnings, second.unobserved], [{ok: 2}, [], []]);
  });
});
