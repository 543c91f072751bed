/**
 * piscina's task function for the offload-blocking adapter (piscina.js): the work cannot cross into
 * a worker as a closure, so the task names its module (`filename`, the run's id in its query --
 * which piscina's own `filename` option would drop, as it turns a file URL into a path) and the
 * item. Its value or error is piscina's to send back.
 * @module
 */

/**
 * @param {{filename: string, item: unknown}} task
 * @returns {Promise<unknown>}
 */
export default async function runWork({filename, item}) {
  const {default: work} = await import(filename);
  return work(item);
}
