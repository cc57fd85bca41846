import { HttpClient, maskRequest, type PlannedRequest } from '../http.ts';
import type { DestinationClient, OutboundEvent, SendResult } from '../types.ts';
import { sendPlan, type Classifier, type RequestPlan } from './plan.ts';
import { sendSplitting, type BatchProtocol } from './split.ts';

/*
 * The client every HTTP destination returns: send the batch's requests, preview the same
 * requests with secrets masked, close the keep-alive connections. A destination supplies
 * only how to build its requests and read their answers.
 */

function withConnections(make: (http: HttpClient) => Pick<DestinationClient, 'send' | 'preview'>, maxBatchSize: number | undefined): DestinationClient {
  const http = new HttpClient();
  return {
    ...(maxBatchSize === undefined ? {} : { maxBatchSize }),
    ...make(http),
    close: () => {
      http.close();
      return Promise.resolve();
    },
  };
}

/** For APIs that may accept part of a request: the plan's requests, each answer spread over its events by `classify`. */
export function plannedClient<R extends PlannedRequest>(opts: {
  build: (batch: readonly OutboundEvent[]) => RequestPlan<R>;
  classify: Classifier<R>;
  secrets: readonly string[];
  maxBatchSize?: number | undefined;
}): DestinationClient {
  const { build, classify, secrets } = opts;
  return withConnections(
    (http) => ({
      send: (batch, signal) => sendPlan(http, build(batch), batch.length, signal, secrets, classify),
      preview: (batch) => build(batch).requests.map((r) => maskRequest(r.spec, secrets)),
    }),
    opts.maxBatchSize,
  );
}

/** How one batch goes out in whole-request APIs: the groups to send, how to send one, and results decided before sending. */
export interface SplitPlan {
  protocol: BatchProtocol;
  groups: readonly (readonly number[])[];
  preset?: ReadonlyMap<number, SendResult>;
}

/** For APIs that accept or reject a request as a whole: rejected groups are halved until the bad events stand alone. */
export function splittingClient(opts: { plan: (batch: readonly OutboundEvent[]) => SplitPlan; secrets: readonly string[]; maxBatchSize?: number | undefined }): DestinationClient {
  const { plan, secrets } = opts;
  return withConnections(
    (http) => ({
      send: (batch, signal) => {
        const { protocol, groups, preset } = plan(batch);
        return sendSplitting({ client: http, protocol, groups, size: batch.length, signal, secrets, ...(preset ? { preset } : {}) });
      },
      preview: (batch) => {
        const { protocol, groups } = plan(batch);
        return groups.map((g) => maskRequest(protocol.request(g), secrets));
      },
    }),
    opts.maxBatchSize,
  );
}
