import { afterAll, beforeAll, beforeEach } from 'vitest';
import { FakeApi, type Answerer } from './fake-api.ts';

/** For a destination's contract test file: one fake API, started before its tests, reset before each, closed after. */
export function useFakeApi(answer?: Answerer): FakeApi {
  const api = new FakeApi(answer);
  beforeAll(async () => {
    await api.start();
  });
  afterAll(() => api.close());
  beforeEach(() => api.reset());
  return api;
}
