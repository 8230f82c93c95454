// Who may do what to the findings and decision of an inspection. Role actions come from platform/policy.ts
// (finding.record, decision.propose, decision.approve, evidence.export, audit.read); the record rules here add
// what is specific to a case: only the assigned inspector records and decides, a decision needs a second person of
// the same office (four eyes), and each step is open only in the order states where it makes sense.
import type { Actor } from '../../platform/actor.ts';
import { AppError, forbidden } from '../../platform/errors.ts';
import { authorize, can, type Action } from '../../platform/policy.ts';
import { scopeOf } from '../orders/orders.policy.ts';

export interface CaseOrder {
  id: string;
  officeId: string;
  enterpriseId: string;
  state: string;
  inspectorId: string | null;
}

/** Order states in which findings may be recorded (the inspection is under way or finished but not decided). */
export const RECORDING_STATES: readonly string[] = ['in_progress', 'inspected'];

const isAssigned = (actor: Actor, o: CaseOrder) => !!o.inspectorId && actor.userId === o.inspectorId;

export interface CaseFacts {
  /** A decision waits for approval. */
  pending: boolean;
  /** A decision took effect. */
  decided: boolean;
}

/** The `can` map of an inspection for the UI. */
export function inspectionCan(actor: Actor, o: CaseOrder, f: CaseFacts): Record<string, boolean> {
  const rec = scopeOf(o);
  const allowed = (a: Action) => can(actor, a, rec);
  const open = RECORDING_STATES.includes(o.state) && !f.decided;
  return {
    record: allowed('finding.record') && isAssigned(actor, o) && open && !f.pending,
    decide: allowed('decision.propose') && isAssigned(actor, o) && open && !f.pending,
    complete: allowed('finding.record') && isAssigned(actor, o) && o.state === 'in_progress',
    approve: allowed('decision.approve') && f.pending && !isAssigned(actor, o),
    readCase: allowed('audit.read'),
    exportEvidence: allowed('evidence.export'),
  };
}

/**
 * 404 when the actor may not see the order, 403 when the role forbids the action; with `assigned`, only the
 * inspector assigned to the order may act.
 */
export function authorizeCase(actor: Actor, action: Action, o: CaseOrder | null, id: string, opts: { assigned?: boolean } = {}): asserts o {
  authorize(actor, action, o ? scopeOf(o) : null, 'Inspection order', id);
  if (opts.assigned && !isAssigned(actor, o!)) throw forbidden('Only the inspector assigned to this order may do this');
}

/**
 * Four eyes: a decision that needs approval is approved by a supervisor of the order's office who is neither the
 * inspector who signed it nor the one assigned to the order.
 */
export function assertFourEyes(actor: Actor, o: CaseOrder, signedBy: string): void {
  if (actor.userId === signedBy || actor.userId === o.inspectorId) {
    throw new AppError('four_eyes', 403, 'Four eyes: the approver must be a different person from the inspector who signed the decision');
  }
  if (actor.kind !== 'user' || actor.officeId !== o.officeId) throw forbidden('Only a supervisor of the office that handles the order may approve its decision');
}
