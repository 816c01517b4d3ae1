/** The renderer's one way to the engine: the typed API client over this window's carrier. */
import { createApiClient, type ApiClient } from '../../../main/api/client';
import { openCarrier } from './carrier';

let clientPromise: Promise<ApiClient> | null = null;

export function connectEngine(): Promise<ApiClient> {
  clientPromise ??= openCarrier().then(createApiClient);
  return clientPromise;
}

export { ApiError } from '../../../main/api/client';
