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
