/**
 * The YAML spec (`spec/patterns/*.yaml`) read from JavaScript, for the tests and the scripts, and
 * the run requests the harness builds from it (harness/asyncconf/engine.py `request_for`).
 * @module
 */

import {readdirSync, readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {parse} from 'yaml';

export const SPEC_DIR = fileURLToPath(new URL('../../spec/patterns/', import.meta.url));

/**
 * @typedef {object} Scenario
 * @property {string} id
 * @property {string[]} covers
 * @property {Record<string, unknown>} [params]
 * @property {Record<string, unknown[]>} plan
 * @property {number | null} [cancel_at_ms]
 * @property {number[]} [random]
 * @property {Record<string, any>} expect
 */

/**
 * @typedef {object} Pattern
 * @property {string} id
 * @property {Record<string, unknown>} params
 * @property {{id: string, text: string}[]} rules
 * @property {Record<string, {name: string, since?: string}[]>} api
 * @property {{id: string, text: string, langs?: string[]}[]} antipatterns
 * @property {Scenario[]} scenarios
 */

/** @returns {Pattern[]} Every pattern of the spec, by id. */
export function loadSpec() {
  return readdirSync(SPEC_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => /** @type {Pattern} */ (parse(readFileSync(new URL(name, `file://${SPEC_DIR}`), 'utf8'))));
}

/**
 * The anti-pattern ids of a pattern that have a JavaScript form (no `langs:`, or it names javascript).
 * @param {Pattern} pattern
 */
export function javascriptAntipatterns(pattern) {
  return (pattern.antipatterns ?? []).filter((a) => !a.langs || a.langs.includes('javascript')).map((a) => a.id);
}

/**
 * The scenario's expected duration (the upper bound when a range), 0 when it gives none.
 * @param {Scenario} scenario
 */
function longestExpectedMs(scenario) {
  const elapsed = scenario.expect.elapsed_ms;
  if (elapsed && typeof elapsed === 'object') return Number(elapsed.max ?? elapsed.min ?? 0);
  return Number(elapsed ?? 0);
}

/**
 * The protocol's run request for one scenario, as the harness builds it.
 * @param {Pattern} pattern
 * @param {Scenario} scenario
 * @param {{impl?: string, clock?: 'virtual' | 'real', id?: unknown}} [options]
 */
export function requestFor(pattern, scenario, {impl = 'reference', clock = 'virtual', id = 1} = {}) {
  const longest = longestExpectedMs(scenario);
  return {
    id,
    op: 'run',
    pattern: pattern.id,
    impl,
    params: {...pattern.params, ...scenario.params},
    plan: scenario.plan,
    cancel_at_ms: scenario.cancel_at_ms ?? null,
    random: scenario.random ?? [],
    clock,
    limit_ms: clock === 'virtual' ? Math.max(10 * longest, 60_000) : 2 * longest + 1000,
    max_calls: 1000,
  };
}
