/**
 * A TrackingPlan that cannot be enforced: a schema that does not compile, an unknown
 * keyword, a remote $ref, a duplicate event name, a schema over the size limits. The
 * operator surfaces the message verbatim in Stalled=True, so it names the plan, the spec
 * location and the exact problem:
 *   compiling TrackingPlan storefront: events[2] "Order Completed": properties: #/properties/revenue: unknown keyword "typ"
 */
export class PlanCompileError extends Error {
  /** Planned event name, when the problem is in one event. */
  readonly event?: string;
  /** Location in the spec, e.g. events[2].properties, common.jsonSchema, identify.traits. */
  readonly path: string;
  /** JSON pointer inside the schema, when known (e.g. #/properties/revenue). */
  readonly schemaPath?: string;
  /** The problem alone, without the plan and location prefix. */
  readonly detail: string;

  constructor(plan: string, opts: { path: string; label?: string; event?: string; schemaPath?: string; detail: string; cause?: unknown }) {
    const where = opts.label ?? opts.path;
    const inSchema = opts.schemaPath !== undefined ? `${opts.schemaPath}: ` : '';
    super(`compiling TrackingPlan ${plan}: ${where}: ${inSchema}${opts.detail}`, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'PlanCompileError';
    this.path = opts.path;
    this.detail = opts.detail;
    if (opts.event !== undefined) this.event = opts.event;
    if (opts.schemaPath !== undefined) this.schemaPath = opts.schemaPath;
  }
}
