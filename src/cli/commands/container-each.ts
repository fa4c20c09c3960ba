/** Runs an action for each container argument, Docker style: report failures, go on, exit 1 if any failed. */
import { isBerthError } from '../../internal/errors.js';
import { resolveContainer } from '../../engine/containers/resolve-container.js';
import type { ContainerHost } from '../../engine/containers/container-host.js';
import type { ContainerRecord } from '../../store/metadata/containers.js';
import { reportError } from '../report-error.js';

export async function forEachContainer(host: ContainerHost, inputs: string[], action: (record: ContainerRecord, input: string) => Promise<void>): Promise<number> {
  let failed = false;
  for (const input of inputs) {
    try {
      await action(resolveContainer(host.store, input), input);
    } catch (err) {
      if (!isBerthError(err)) throw err;
      reportError(err, false);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}
