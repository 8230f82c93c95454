/**
 * Domain events: what happened, named `aggregate.past_tense`. A use case emits them inside its transaction
 * (`uow.emit` in apps/server/src/platform/unit-of-work.ts); they are stored as outbox rows with the change and
 * delivered at least once after commit to the handlers that modules register (jobs, in-process reactions), each
 * idempotent. Payloads are plain JSON: keep them small and stable (ids, not records) — a handler re-reads what it
 * needs, because the row may be delivered again long after it was written.
 */
export interface DomainEvents {
  /** One declaration was filed (web form or JSON API): it is scored, then drawn or not. */
  'declaration.submitted': { declarationId: string; orgId: string; officeId: string };
  /** A CSV import stored a batch (HTTP and CLI alike): the batch is scored, then a selection is drawn for it. */
  'declaration.imported': { batchId: string; orgId: string; officeId: string; inserted: number };
  /** A selection draw picked declarations for inspection: each becomes an inspection order. */
  'risk.selected': { officeId: string; runId: string; seed?: string; selected: { declarationId: string; reason: 'risk' | 'random' }[] };
  /** A newly trained model became the active one: declarations still without a score are scored. */
  'risk.model_activated': { modelId: string; version: number };
  /** An administrator asked for a retraining on the inspection outcomes. */
  'risk.retrain_requested': { requestedBy: string | null };
  /**
   * A full-resolution snapshot from a live session was stored. key: its object-store key; path: the local file when
   * the store is a local directory (else the key), for label recognition.
   */
  'snapshot.stored': { sessionId: string; snapshotId: string; path: string; orderId: string; key?: string };
  /** A decision took effect (the order is closed): the enterprise is sent its release notice when the goods are released. */
  'decision.effective': { decisionId: string; orderId: string; outcome: string; released: boolean };
}
export type DomainEventName = keyof DomainEvents;
