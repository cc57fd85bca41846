/**
 * What the HTTP destinations share: request plans packed by count and bytes, per-event
 * results from partly accepted requests, halving of whole-request rejections, reading
 * vendors' answers, and the client built from them.
 */
export { answerError, indicesAfter, jsonObject, listedPositions } from './answer.ts';
export { plannedClient, splittingClient, type SplitPlan } from './client.ts';
export { packBySize, refusal, sendPlan, wholeRequest, type Classifier, type PackLimits, type RequestPlan } from './plan.ts';
export { chunkPositions, resultOf, sendSplitting, shouldSplit, SPLIT_BUDGET, type BatchProtocol, type Verdict } from './split.ts';
