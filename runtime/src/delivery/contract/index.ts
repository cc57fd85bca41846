/**
 * Scaffolding for the contract tests of HTTP destinations: a local server imitating a
 * vendor's API and the calls every such test makes. The vitest hooks are in hooks.suite.ts
 * (kept out of the image, like every module that imports vitest).
 */
export { basicCredentials, bodyOf, FakeApi, type Answerer, type ApiAnswer, type SeenRequest } from './fake-api.ts';
export { errorOf, send, withDestination } from './client.ts';
