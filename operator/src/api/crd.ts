import { GROUP, VERSION } from './common.ts';
import { KINDS, kindDefinition, type KindDefinition, type KindName, type PrinterColumn } from './kinds.ts';
import { toStructural, type JSONSchemaProps } from './structural.ts';

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    scope: 'Namespaced';
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: JSONSchemaProps };
    }>;
  };
}

/** The whole object's schema: apiVersion, kind, metadata (name only), spec, status. */
export function objectSchema(def: KindDefinition): JSONSchemaProps {
  const metadata: JSONSchemaProps = { type: 'object' };
  if (def.name) metadata.properties = { name: { type: 'string', maxLength: def.name.maxLength } };
  const schema: JSONSchemaProps = {
    description: def.description,
    type: 'object',
    properties: {
      apiVersion: {
        description: `APIVersion defines the versioned schema of this representation of an object: ${GROUP}/${VERSION}.`,
        type: 'string',
      },
      kind: { description: `Kind is the REST resource this object represents: ${def.kind}.`, type: 'string' },
      metadata,
      spec: toStructural(def.spec, 'spec'),
      status: toStructural(def.status, 'status'),
    },
    required: ['spec'],
  };
  if (def.name) {
    // A rule rather than a pattern on metadata.name, so the message says why.
    schema['x-kubernetes-validations'] = [
      { rule: `self.metadata.name.matches('${def.name.pattern}')`, message: def.name.message, fieldPath: '.metadata.name' },
    ];
  }
  return schema;
}

export function buildCrd(def: KindDefinition): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'sluice' } },
    spec: {
      group: GROUP,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames,
        categories: ['sluice'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.printerColumns,
          schema: { openAPIV3Schema: objectSchema(def) },
        },
      ],
    },
  };
}

const cache = new Map<KindName, CustomResourceDefinition>();

/** The CRD of a kind, built once from the TypeBox definition. */
export function crdFor(kind: KindName): CustomResourceDefinition {
  let crd = cache.get(kind);
  if (!crd) {
    crd = buildCrd(kindDefinition(kind));
    cache.set(kind, crd);
  }
  return crd;
}

export function allCrds(): CustomResourceDefinition[] {
  return KINDS.map((k) => crdFor(k.kind));
}

export type { JSONSchemaProps, KindName };
