// @rvi/dispatch: pure domain logic from selection to an agreed appointment (issue #4). No I/O: inputs and results are
// plain JSON so the server can store them in the audit log and replay them.
export * from './errors.ts';
export * from './prng.ts';
export * from './calendar.ts';
export * from './dispatch.ts';
export * from './eligibility.ts';
export * from './timezone.ts';
export * from './booking.ts';
export * from './order-state.ts';
