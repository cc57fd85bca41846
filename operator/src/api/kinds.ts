import type { TSchema } from '@sinclair/typebox';
import { DestinationSpec, DestinationStatus } from './destination.ts';
import { SourceSpec, SourceStatus } from './source.ts';
import { TrackingPlanSpec, TrackingPlanStatus } from './tracking-plan.ts';

export type KindName = 'Source' | 'Destination' | 'TrackingPlan';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  priority?: number;
}

/** Everything the CRD of one kind is generated from. */
export interface KindDefinition {
  kind: KindName;
  plural: string;
  singular: string;
  shortNames: string[];
  description: string;
  spec: TSchema;
  status: TSchema;
  /** Extra constraints on metadata.name, when the name becomes part of other objects' names. */
  name?: { pattern: string; maxLength: number; message: string };
  printerColumns: PrinterColumn[];
}

const condition = (type: string, field: 'status' | 'reason') => `.status.conditions[?(@.type=="${type}")].${field}`;

const READY: PrinterColumn[] = [
  { name: 'Ready', type: 'string', jsonPath: condition('Ready', 'status'), description: 'Whether the object is ready.' },
  { name: 'Reason', type: 'string', jsonPath: condition('Ready', 'reason'), description: 'Why it is (not) ready.' },
];
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation.' };

export const KINDS: readonly KindDefinition[] = [
  {
    kind: 'Source',
    plural: 'sources',
    singular: 'source',
    shortNames: ['src'],
    description: 'Source is an ingest endpoint speaking Segment\'s HTTP Tracking API, with the TrackingPlan it enforces.',
    spec: SourceSpec,
    status: SourceStatus,
    name: {
      // The name becomes the ingest Service's name and the bus stream's name.
      pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$',
      maxLength: 63,
      message: "a Source name must start with a letter and hold only lowercase letters, digits and '-': it names the ingest Service",
    },
    printerColumns: [
      ...READY,
      { name: 'Received', type: 'integer', jsonPath: '.status.received', description: 'Events received in the recent window.' },
      { name: 'Blocked', type: 'integer', jsonPath: '.status.blocked', description: 'Events quarantined by the plan in the recent window.' },
      { name: 'Endpoint', type: 'string', jsonPath: '.status.endpoint', description: 'Base URL SDKs send to.', priority: 1 },
      AGE,
    ],
  },
  {
    kind: 'Destination',
    plural: 'destinations',
    singular: 'destination',
    shortNames: ['dst'],
    description: 'Destination delivers the events of one or more Sources to a tool, filtered and mapped.',
    spec: DestinationSpec,
    status: DestinationStatus,
    name: {
      // The name becomes the delivery Deployment's name and a bus consumer's name.
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
      maxLength: 63,
      message: "a Destination name must hold only lowercase letters, digits and '-': it names the delivery Deployment",
    },
    printerColumns: [
      { name: 'Type', type: 'string', jsonPath: '.spec.type', description: 'The destination type.' },
      ...READY,
      { name: 'Lag', type: 'integer', jsonPath: '.status.lag', description: 'Events on the bus not yet delivered.' },
      { name: 'Delivered', type: 'integer', jsonPath: '.status.delivered', description: 'Events delivered in the recent window.' },
      { name: 'Dead-Lettered', type: 'integer', jsonPath: '.status.deadLettered', description: 'Events dead-lettered in the recent window.', priority: 1 },
      AGE,
    ],
  },
  {
    kind: 'TrackingPlan',
    plural: 'trackingplans',
    singular: 'trackingplan',
    shortNames: ['tp'],
    description: 'TrackingPlan is the schema events must follow and what happens to events that do not.',
    spec: TrackingPlanSpec,
    status: TrackingPlanStatus,
    printerColumns: [
      ...READY,
      { name: 'Events', type: 'integer', jsonPath: '.status.eventCount', description: 'Number of planned events.' },
      { name: 'Violations', type: 'integer', jsonPath: '.status.violations', description: 'Violations across its sources in the recent window.', priority: 1 },
      AGE,
    ],
  },
];

export function kindDefinition(kind: KindName): KindDefinition {
  const def = KINDS.find((k) => k.kind === kind);
  if (!def) throw new Error(`looking up the API kind ${kind}: not defined`);
  return def;
}
