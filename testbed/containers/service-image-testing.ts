import { dockerEngineAnswers } from '../docker-engine.js';
import { imagePresent, NODE_BASE } from './base-images.js';

/** The tag the tests build the service image under (layer-cached across test files). */
export const TEST_IMAGE = 'payments-service:test';

/** Why the service image cannot be built here (no engine, no base image), or undefined when it can. */
export async function serviceImageSkipReason(): Promise<string | undefined> {
  if (!(await dockerEngineAnswers())) return 'no Docker engine answers';
  if ((await imagePresent(NODE_BASE)) || (await imagePresent('node:20-slim'))) return undefined;
  return `no base image (${NODE_BASE} or node:20-slim)`;
}
