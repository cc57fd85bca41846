import type { HttpRequestSpec, OutboundEvent } from '../../delivery/types.ts';
import { dryRun, type DryRunInput } from './dry-run.ts';
import type { ReadEvents } from './input.ts';
import type { PreviewReport } from './render.ts';
import type { PreviewTarget } from './target.ts';

export { dryRun, labelOf, type DryRun, type DryRunInput, type StepName, type StepResult } from './dry-run.ts';
export { MAX_PREVIEW_EVENTS, PreviewInputError, readEvents, type ReadEvents } from './input.ts';
export { prettyBody, renderRequest, renderText, type PreviewReport } from './render.ts';
export { loadPreviewTarget, PreviewSetupError, type PreviewTarget } from './target.ts';

/**
 * Runs each event through the Destination (see dryRun) and, when several get through
 * and the destination batches, the requests they would make together.
 */
export async function previewEvents(target: PreviewTarget, inputs: readonly DryRunInput[], refused: ReadEvents['refused'] = []): Promise<PreviewReport> {
  const { runtime, compiled } = target;
  const results = [];
  for (const input of inputs) results.push(await dryRun(runtime, compiled, input));
  const passing: OutboundEvent[] = [];
  results.forEach((r, i) => {
    if (!r.droppedAt && r.payload !== undefined) passing.push({ messageId: r.messageId, event: inputs[i]!.event, payload: r.payload });
  });
  let batched: HttpRequestSpec[] | undefined;
  const { client } = compiled;
  if (passing.length > 1 && compiled.batchSize > 1 && client.preview) {
    batched = [];
    for (let i = 0; i < passing.length; i += compiled.batchSize) batched.push(...client.preview(passing.slice(i, i + compiled.batchSize)));
  }
  return {
    destination: { name: runtime.name, type: compiled.type.type, sources: [...compiled.sources] },
    notes: target.notes,
    results,
    refused,
    ...(batched ? { batched } : {}),
  };
}
