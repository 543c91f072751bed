import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {withTimeout} from '../src/timeout.js';
import {answer, checkPattern, checkScenario, scenarios, serve, testPattern} from './index.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
/** The Python the seam runs the checker with when ASYNCCONF_PYTHON is not set, if the checkout has it. */
const VENV_PYTHON = fileURLToPath(new URL('../../.venv/bin/python', import.meta.url));

/**
 * A timeout that never times out: waits for the operation, whatever the limit.
 * @param {(options: {signal?: AbortSignal}) => Promise<unknown>} operation
 * @param {number} _timeoutMs
 * @param {{signal?: AbortSignal}} [options]
 */
const noTimeout = (operation, _timeoutMs, {signal} = {}) => operation({signal});

/**
 * Runs `node ARGS` with `input` on stdin; its exit code and output.
 * @param {string[]} args
 * @param {string} [input]
 * @returns {Promise<{code: number | null, stdout: string, stderr: string}>}
 */
function node(args, input = '') {
  return new Promise((resolve) => {
    // Not as a child of this test run (NODE_TEST_CONTEXT): a nested `node --test` reports on its own.
    const {NODE_TEST_CONTEXT: _, ...env} = process.env;
    const child = spawn(process.execPath, args, {cwd: HERE, env});
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({code, stdout, stderr}));
    child.stdin.end(input);
  });
}

describe('asyncconf-javascript/testing', () => {
  it('starts nothing on import: a program that only imports it ends at once', async () => {
    const {code, stdout} = await node(['--input-type=module', '-e', "await import('asyncconf-javascript/testing'); console.log('done')"]);
    assert.equal(code, 0);
    assert.equal(stdout, 'done\n');
  });

  it('passes the reference: every scenario judged pass by the harness checker', async () => {
    const report = await checkPattern('timeout', withTimeout);
    assert.ok(report.ok, report.explain());
    assert.ok(report.results.length >= 10);
    assert.deepEqual(new Set(report.results.map((r) => r.status)), new Set(['pass']));
  });

  it('fails a wrong implementation, with the checker reasons and both traces', async () => {
    const report = await checkPattern('timeout', noTimeout);
    assert.equal(report.ok, false);
    const exceeds = report.results.find((r) => r.scenario.id === 'exceeds-limit');
    assert.equal(exceeds?.status, 'fail');
    const text = report.explain();
    assert.match(text, /NOT OK/);
    assert.match(text, /FAIL timeout\/exceeds-limit/);
    assert.match(text, /outcome: expected \{"ok": null\}, saw \{"ok": "data"\}/);
    assert.match(text, /differs from the JavaScript reference/);
    assert.match(text, /trace \(yours \| the reference's\):\n\s+0 call {3}op#1 +\| +0 call {3}op#1\n {4}! +80 ok {5}op#1 +\| +50 cancel op#1/);
    assert.throws(() => exceeds?.assertOk(), /FAIL timeout\/exceeds-limit/);
  });

  it('tries a run that read a block once more: a block that does not repeat is said, one that does fails', async () => {
    const [scenario] = (await scenarios('timeout')).filter((s) => s.id === 'completes-in-time');
    /** @param {boolean[]} blocks For each call in turn, whether it blocks the loop for 80 ms first (a stalled machine, or the code). */
    const blocking = (blocks) => (/** @type {any[]} */ ...args) => {
      if (blocks.shift()) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 80);
      return withTimeout(args[0], args[1], args[2]);
    };
    const once = await checkScenario(scenario, blocking([true]));
    assert.equal(once.status, 'pass', once.explain());
    assert.match(once.firstTry ?? '', /^blocked the event loop for \d+ ms \(limit 50\)$/);
    assert.match(once.explain(), /a second try: the first blocked the event loop for/);
    const always = await checkScenario(scenario, blocking([true, true]));
    assert.equal(always.status, 'fail', always.explain());
    assert.match(always.explain(), /blocked the event loop for/);
    // A third try after a clean second: code that blocks every other call passed on the second.
    const everyOther = await checkScenario(scenario, blocking([true, false, true]));
    assert.equal(everyOther.status, 'fail', everyOther.explain());
    assert.match(everyOther.firstTry ?? '', /the second try did not block, the third did/);
  });

  it("sets the test framework's rejection listeners aside for every run of checks gathered at once", async () => {
    // The first check to end put them back while the second one's run was still to come: a rejection a library
    // abandons in that run (p-limit, p-timeout do) would have failed the test instead of reaching the checker.
    const [scenario] = (await scenarios('timeout')).filter((s) => s.id === 'completes-in-time');
    const before = process.rawListeners('unhandledRejection');
    assert.ok(before.length > 0, "node:test's own listener is there to be set aside");
    /** @type {boolean[]} */
    const frameworkListening = [];
    const watching = (/** @type {any[]} */ ...args) => {
      frameworkListening.push(process.rawListeners('unhandledRejection').some((listener) => before.includes(listener)));
      return withTimeout(args[0], args[1], args[2]);
    };
    const results = await Promise.all([checkScenario(scenario, watching), checkScenario(scenario, watching), checkScenario(scenario, watching)]);
    assert.deepEqual(results.map((result) => result.status), ['pass', 'pass', 'pass']);
    assert.deepEqual(frameworkListening, [false, false, false]);
    assert.deepEqual(process.rawListeners('unhandledRejection'), before); // put back, each once
  });

  it('n/a is never a pass: not run, reason kept, and n/a alone is not ok', async () => {
    let calls = 0;
    const counted = (/** @type {any[]} */ ...args) => {
      calls += 1;
      return withTimeout(args[0], args[1], args[2]);
    };
    const report = await checkPattern('timeout', counted, {notApplicable: () => 'cannot take any limit'});
    assert.equal(calls, 0);
    assert.equal(report.ok, false);
    assert.ok(report.results.every((r) => r.status === 'n/a' && r.reasons[0] === 'cannot take any limit'));

    const some = await checkPattern('timeout', withTimeout, {notApplicable: (s) => (s.params.timeout_ms === 0 ? 'no zero' : null)});
    assert.ok(some.ok, some.explain());
    const zero = some.results.find((r) => r.scenario.id === 'zero-limit-is-invalid');
    assert.equal(zero?.status, 'n/a');
    assert.deepEqual(some.failures, []); // an n/a is not a failure either
    // One n/a result is not ok, and assertOk does not return as if it passed (a node:test test around it
    // was shown as passed): it skips through the skip given -- node:test's `t.skip` -- or throws.
    assert.equal(zero?.ok, false);
    assert.throws(() => zero?.assertOk(), /N\/A timeout\/zero-limit-is-invalid[\s\S]*not a pass: give assertOk your test's skip/);
    /** @type {string[]} */
    const skipped = [];
    zero?.assertOk((why) => skipped.push(why));
    assert.deepEqual(skipped, ['n/a: no zero']);
  });

  it("asks the checker for a pattern's scenarios once, and hands out copies", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'asyncconf-judge-'));
    const log = join(folder, 'calls');
    const real = process.env.ASYNCCONF_PYTHON ?? (existsSync(VENV_PYTHON) ? VENV_PYTHON : 'python3');
    const python = join(folder, 'python');
    writeFileSync(python, `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real}' "$@"\n`, {mode: 0o755});
    const before = process.env.ASYNCCONF_PYTHON;
    process.env.ASYNCCONF_PYTHON = python;
    try {
      const [first, again] = await Promise.all([scenarios('timeout'), scenarios('timeout')]);
      first[0].params.timeout_ms = -1;
      const later = await scenarios('timeout');
      assert.deepEqual(again, later);
      assert.notEqual(later[0].params.timeout_ms, -1);
      assert.equal((await scenarios('retry-backoff'))[0].pattern, 'retry-backoff');
      await assert.rejects(scenarios('no-such-pattern'), /unknown pattern 'no-such-pattern'/);
      await assert.rejects(scenarios('no-such-pattern'), /unknown pattern 'no-such-pattern'/); // a failure is asked again
      assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), [
        '-m asyncconf.judge scenarios timeout',
        '-m asyncconf.judge scenarios retry-backoff',
        '-m asyncconf.judge scenarios no-such-pattern',
        '-m asyncconf.judge scenarios no-such-pattern',
      ]);
    } finally {
      if (before === undefined) delete process.env.ASYNCCONF_PYTHON;
      else process.env.ASYNCCONF_PYTHON = before;
      rmSync(folder, {recursive: true, force: true});
    }
  });

  it('checks one scenario', async () => {
    const [first] = await scenarios('timeout');
    assert.equal(first.pattern, 'timeout');
    assert.equal((await checkScenario(first, withTimeout)).status, 'pass');
    const exceeds = (await scenarios('timeout')).find((s) => s.id === 'exceeds-limit');
    assert.equal((await checkScenario(/** @type {any} */ (exceeds), noTimeout)).status, 'fail');
  });

  it('answers not-applicable for a candidate that declares it, and runs the rest', async () => {
    const registry = {timeout: {mine: {implementation: withTimeout, notApplicable: (/** @type {any} */ s) => (s.params.timeout_ms > 40 ? 'no long limits' : null)}}};
    const request = {id: 2, pattern: 'timeout', impl: 'mine', params: {timeout_ms: 50}, plan: {op: [{after_ms: 10, ok: 1}]}};
    assert.deepEqual(await answer(request, registry), {id: 2, error: {kind: 'not-applicable', message: 'no long limits'}});
    const ran = /** @type {any} */ (await answer({...request, params: {timeout_ms: 20}}, registry));
    assert.deepEqual(ran.outcome, {ok: 1});
  });

  it('describes your registry alone: neither our reference nor our anti-patterns', async () => {
    // It described `reference` for every pattern and our anti-patterns: `asyncconf run --runner` then checked
    // our reference as your candidate -- a registry with nothing for timeout passed `--pattern timeout`.
    const described = /** @type {any} */ (await answer({id: 1, op: 'describe'}, {timeout: {mine: withTimeout}, 'retry-backoff': {b: noTimeout, a: noTimeout}}));
    assert.deepEqual(described.patterns, {'retry-backoff': ['a', 'b'], timeout: ['mine']});
    assert.equal(described.protocol, 1);
    assert.equal(described.id, 1);
    // Nor does it run an anti-pattern of ours under its id.
    const ran = /** @type {any} */ (await answer({id: 2, pattern: 'timeout', impl: 'leaves-running', params: {timeout_ms: 20}, plan: {op: [{after_ms: 30, ok: 1}]}}, {timeout: {mine: withTimeout}}));
    assert.deepEqual(ran, {id: 2, error: {kind: 'unknown-impl', message: 'pattern "timeout" has no implementation "leaves-running" here (mine)'}});
    // A runner of yours, as the reviewer's: a registry of retry-backoff alone describes no timeout.
    const {code, stdout} = await node(['fixtures/serve-registry.js', JSON.stringify({'retry-backoff': ['mine']})], `${JSON.stringify({id: 1, op: 'describe'})}\n`);
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(stdout).patterns, {'retry-backoff': ['mine']});
  });

  it('refuses a pattern the spec does not have, naming it and the known ones', async () => {
    // `retry` for `retry-backoff`: served without a word, and `mine` never ran.
    const unknown = /`retry` is no pattern of the spec \(did you mean `retry-backoff`\?\): its patterns are async-lock, .*retry-backoff.*timeout/;
    const {code, stdout, stderr} = await node(['fixtures/serve-registry.js', JSON.stringify({retry: ['mine']})], `${JSON.stringify({id: 1, op: 'describe'})}\n`);
    assert.equal(code, 1);
    assert.equal(stdout, ''); // refused before it serves anything
    assert.match(stderr.trim().split('\n').slice(-5).join('\n'), unknown); // the lines `asyncconf run` reports of a runner that exits
    await assert.rejects(serve({registry: {retry: {mine: withTimeout}}}), unknown);
    await assert.rejects(answer({id: 1, op: 'describe'}, {retry: {mine: withTimeout}}), unknown);
  });

  it("refuses an id of ours: `reference`, and any language's anti-pattern of the pattern in the spec", async () => {
    // thread-lock is async-lock's in Python and C# only (`langs:`), and the harness judges by the whole
    // catalogue: it was taken, and your lock counted as a rejected anti-pattern.
    const threadLock = /`thread-lock` is an anti-pattern of async-lock: give your implementation an id of its own/;
    const {code, stderr} = await node(['fixtures/serve-registry.js', JSON.stringify({'async-lock': ['mine', 'thread-lock']})], `${JSON.stringify({id: 1, op: 'describe'})}\n`);
    assert.equal(code, 1);
    assert.match(stderr, threadLock);
    await assert.rejects(serve({registry: {'async-lock': {mine: noTimeout, 'thread-lock': noTimeout}}}), threadLock);
    await assert.rejects(answer({id: 5, op: 'describe'}, {'async-lock': {'thread-lock': noTimeout}}), threadLock);
    // JavaScript's own: an anti-pattern's id replaced ours without a word -- the harness then judged your
    // implementation as that anti-pattern, a failing one counted as rejected, in a run that said OK.
    await assert.rejects(answer({id: 4, op: 'describe'}, {timeout: {'leaves-running': withTimeout}}), /`leaves-running` is an anti-pattern of timeout: give your implementation an id of its own/);
    await assert.rejects(serve({registry: {timeout: {'leaves-running': withTimeout}}}), /`leaves-running` is an anti-pattern of timeout/);
    await assert.rejects(answer({id: 3, op: 'describe'}, {timeout: {reference: withTimeout}}), /`reference` is ours/);
    // An id of another pattern's catalogue is yours here.
    const described = /** @type {any} */ (await answer({id: 6, op: 'describe'}, {timeout: {'no-lock': withTimeout}}));
    assert.deepEqual(described.patterns, {timeout: ['no-lock']});
  });

  it('serves a runner of your own over JSON Lines, and ends when stdin closes', async () => {
    const requests = [
      {id: 1, op: 'describe'},
      {id: 2, pattern: 'timeout', impl: 'mine', params: {timeout_ms: 20}, plan: {op: [{after_ms: 30, ok: 1}]}},
    ];
    const {code, stdout} = await node(['fixtures/runner.js'], requests.map((r) => JSON.stringify(r)).join('\n') + '\n');
    assert.equal(code, 0);
    const [described, ran] = stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(described.patterns, {timeout: ['mine']}); // yours alone
    assert.deepEqual(ran.outcome, {ok: 1}); // `mine` never times out
    assert.equal(ran.elapsed_ms, 30);
  });

  it('answers a process.exit() of your implementation as its crash, and keeps the process', async () => {
    // It ended the process: with exit code 0, `node --test` reported the file passed, a script ended as if done.
    const crash = /the implementation crashed with SystemExit: your implementation called process\.exit\(0\)/;
    const tested = await node(['--test', '--test-reporter=tap', 'fixtures/exits.test-fixture.js']);
    assert.equal(tested.code, 1, tested.stdout);
    assert.match(tested.stdout, /not ok \d+ - [\w-]+\n[\s\S]*?ERROR timeout\//);
    assert.match(tested.stdout, crash);
    assert.match(tested.stdout, /# fail [1-9]/);

    const script = await node(['fixtures/exits-script.js']);
    assert.equal(script.code, 0, script.stderr);
    const found = JSON.parse(script.stdout);
    assert.equal(found.ok, false);
    assert.equal(found.errors.length, 2); // the second call, and the third's `exit` of node:process
    for (const [, reasons] of found.errors) assert.match(reasons.join('\n'), crash);
    assert.equal(found.restored, true); // put back, for the process and for node:process's named export

    // A runner of yours: the run's answer is the crash, and the runner serves on.
    const requests = [
      {id: 1, pattern: 'timeout', impl: 'exits', params: {timeout_ms: 20}, plan: {op: [{after_ms: 30, ok: 1}]}},
      {id: 2, pattern: 'timeout', impl: 'mine', params: {timeout_ms: 20}, plan: {op: [{after_ms: 30, ok: 1}]}},
    ];
    const served = await node(['fixtures/serve-registry.js', JSON.stringify({timeout: ['exits', 'mine']})], requests.map((r) => JSON.stringify(r)).join('\n') + '\n');
    assert.equal(served.code, 0, served.stderr);
    const [exited, ran] = served.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(exited.outcome, {fail: 'other', type: 'SystemExit', message: 'your implementation called process.exit(3) (the seam kept the process alive)'});
    assert.deepEqual(ran.outcome, {ok: 1});
  });

  it('gives node:test one subtest per scenario: a failing implementation fails them, n/a ones are skipped', async () => {
    const {code, stdout} = await node(['--test', '--test-reporter=tap', 'fixtures/failing.test-fixture.js']);
    assert.equal(code, 1);
    assert.match(stdout, /not ok \d+ - exceeds-limit/);
    assert.match(stdout, /ok \d+ - completes-in-time\n/);
    assert.match(stdout, /ok \d+ - zero-limit-is-invalid # SKIP n\/a: no zero/);
  });
});

// The seam's own node:test helper, on the reference: one subtest per scenario, all passing.
await testPattern('timeout', withTimeout, {name: 'testPattern: the timeout reference'});
