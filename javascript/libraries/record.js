#!/usr/bin/env node
/**
 * `node libraries/record.js [--record]`: run the npm libraries' adapters through the seam and
 * compare their results with the recorded ones (exit 1 on a difference), or write them.
 * @module
 */

import {differences, recorded, runAll, write} from './adapters.js';

const {results, problems} = await runAll();
if (process.argv.includes('--record')) {
  if (problems.length) {
    for (const line of problems) console.error(line);
    console.error('nothing recorded: every failure needs its cause, as found, in its adapter\'s `why`');
    process.exit(1);
  }
  for (const library of results) {
    write(library);
    console.error(`recorded libraries/results/javascript-${library.library}.json`);
  }
} else {
  const lines = [...problems, ...results.flatMap((library) => differences(recorded(library.library), library))];
  for (const line of lines) console.error(line);
  if (lines.length) process.exit(1);
  console.error(`${results.length} libraries: as recorded`);
}
