import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {differences, nodeVersion, recorded, runAll} from './adapters.js';

describe('the npm libraries against the spec, through asyncconf-javascript/testing', () => {
  it('give the recorded results (libraries/results/javascript-*.json), every failure explained', async () => {
    const {results, problems} = await runAll();
    const changed = results.flatMap((library) => differences(recorded(library.library), library));
    assert.deepEqual([...problems, ...changed], [], 'find out why each changed, then `node libraries/record.js --record`');
    assert.deepEqual(results.map((r) => r.library).sort(), ['async-mutex', 'cockatiel', 'generic-pool', 'node', 'p-limit', 'p-map', 'p-queue', 'p-retry', 'p-timeout', 'piscina']);
  });

  it('see a changed result: the comparison can fail', () => {
    const old = /** @type {NonNullable<ReturnType<typeof recorded>>} */ (recorded('p-retry'));
    const fresh = structuredClone(old);
    fresh.checks[0].scenarios['first-attempt-succeeds'] = {status: 'fail', reason: 'x', seen: 'y'};
    assert.deepEqual(differences(old, fresh), ['p-retry retry-backoff/first-attempt-succeeds: recorded pass, now fail (y)']);
  });

  it("record Node's built-ins for the running Node's major.minor, and see another minor", () => {
    assert.equal(nodeVersion('20.20.2'), '20.20');
    assert.equal(nodeVersion('22.3.0'), '22.3');
    const old = /** @type {NonNullable<ReturnType<typeof recorded>>} */ (recorded('node'));
    assert.equal(old.version, nodeVersion(), `javascript-node.json was recorded on Node ${old.version}, this is ${process.versions.node}`);
    const fresh = {...structuredClone(old), version: '99.0'};
    assert.deepEqual(differences(old, fresh), [`node: version ${old.version} recorded, 99.0 installed`]);
  });
});
