import { CUSTOMS_ROLES, type Role } from '@rvi/contracts';
import type { Actor } from './actor.ts';
import { AppError, forbidden, notFound } from './errors.ts';

/**
 * One policy layer for the whole server.
 * Layer 1 (role): which kinds of action a role may take at all.
 * Layer 2 (organisation): which records an actor may see or change: enterprise staff their own organisation's,
 * customs staff those handled by their office. The auditor reads but never changes.
 */
export const ACTIONS = [
  'declaration.read',
  'declaration.create',
  'declaration.import',
  'declaration.apply',
  'arrival_notice.create',
  'audit.read',
  'audit.verify',
  'org.read',
  'user.read',
  // risk targeting (issue 3): scores and explanations are customs-only, never shown to enterprises
  'risk.read',
  'risk.select',
  'model.read',
  'model.manage',
  // inspection orders, dispatch, eligibility, booking (issue 4)
  'order.read',
  'order.plan',
  'order.dispatch',
  'order.reassign',
  'order.decide_eligibility',
  'order.schedule',
  'order.book',
  // live sessions (issue 5), vision (issue 6)
  'session.conduct',
  'session.observe',
  // findings, decisions, evidence (issue 7)
  'finding.record',
  'decision.propose',
  'decision.approve',
  'evidence.export',
  // command platform and administration (issue 8)
  'dashboard.read',
  'admin.manage',
  /** Webhook endpoints of the caller's organisation (administrators: their office and the enterprises it supervises). */
  'webhook.manage',
  // which side of the border a route belongs to (issue 13 matrix): customs staff read their office's working records
  // (inspections, findings, rosters, rule sets, dispatch runs, live sessions); enterprise staff their camera devices
  'office.read',
  'device.use',
] as const;
export type Action = (typeof ACTIONS)[number];

const ROLE_ACTIONS: Record<Role, readonly Action[]> = {
  enterprise_user: ['declaration.read', 'declaration.create', 'declaration.import', 'declaration.apply', 'arrival_notice.create', 'org.read', 'order.read', 'order.book', 'device.use', 'webhook.manage'],
  onsite_operator: ['declaration.read', 'org.read', 'order.read', 'device.use'],
  inspector: ['declaration.read', 'org.read', 'risk.read', 'order.read', 'order.decide_eligibility', 'order.schedule', 'session.conduct', 'session.observe', 'finding.record', 'decision.propose', 'office.read'],
  supervisor: ['declaration.read', 'org.read', 'user.read', 'audit.read', 'risk.read', 'risk.select', 'model.read', 'order.read', 'order.plan', 'order.dispatch', 'order.reassign', 'session.observe', 'decision.approve', 'evidence.export', 'dashboard.read', 'office.read'],
  administrator: ['declaration.read', 'org.read', 'user.read', 'audit.read', 'audit.verify', 'declaration.import', 'risk.read', 'model.read', 'model.manage', 'order.read', 'evidence.export', 'dashboard.read', 'admin.manage', 'webhook.manage', 'office.read'],
  auditor: ['declaration.read', 'org.read', 'user.read', 'audit.read', 'audit.verify', 'risk.read', 'model.read', 'order.read', 'evidence.export', 'dashboard.read', 'office.read'],
};
/** The actions a role may take (the scopes an API token with that role may carry). */
export function roleActions(role: Role): readonly Action[] {
  return ROLE_ACTIONS[role];
}
const roleActionSets = new Map<string, Set<Action>>(Object.entries(ROLE_ACTIONS).map(([r, a]) => [r, new Set(a)]));

export function isCustoms(actor: Actor): boolean {
  return actor.kind === 'user' && (CUSTOMS_ROLES as readonly string[]).includes(actor.role);
}
export function isEnterprise(actor: Actor): boolean {
  return actor.kind === 'user' && actor.orgKind === 'enterprise';
}

/**
 * Layer 1: may this actor take this kind of action at all? The system actor (CLI, jobs) may do everything; an API
 * token only what its role allows *and* its scopes name.
 */
export function roleAllows(actor: Actor, action: Action): boolean {
  if (actor.kind === 'system') return true;
  if (actor.token && !actor.token.scopes.includes(action)) return false;
  return roleActionSets.get(actor.role)?.has(action) ?? false;
}

/** A record owned by an enterprise and handled by a customs office. */
export interface OrgScoped {
  orgId: string;
  customsOfficeId: string;
}

/** Layer 2: can the actor see this record at all? */
export function canSee(actor: Actor, rec: OrgScoped): boolean {
  if (actor.kind === 'system') return true;
  if (isEnterprise(actor)) return actor.orgId === rec.orgId;
  if (isCustoms(actor)) return actor.officeId === rec.customsOfficeId;
  return false;
}

export function can(actor: Actor, action: Action, rec?: OrgScoped): boolean {
  if (!roleAllows(actor, action)) return false;
  if (!rec) return true;
  if (!canSee(actor, rec)) return false;
  // Only the owning enterprise changes its own declarations; customs roles act on them in later workflow steps.
  if (action === 'declaration.create' || action === 'declaration.apply' || action === 'arrival_notice.create') {
    return actor.kind === 'system' || actor.orgId === rec.orgId;
  }
  return true;
}

/**
 * Throws unless allowed. A record the actor may not even see answers 404 (never reveal that another
 * organisation's record exists); a visible record with a forbidden action answers 403.
 */
export function authorize(actor: Actor, action: Action, rec?: OrgScoped | null, what = 'Record', id?: string): asserts rec {
  if (actor.token) actor.token.consulted = true;
  if (rec === null) throw notFound(what, id);
  if (rec && !canSee(actor, rec)) throw notFound(what, id);
  if (!can(actor, action, rec ?? undefined)) throw refusal(actor, action);
}

export function requireRole(actor: Actor, action: Action): void {
  if (actor.token) actor.token.consulted = true;
  if (!roleAllows(actor, action)) throw refusal(actor, action);
}

/** 403 naming what is missing: the token's scope, or the role's permission. */
function refusal(actor: Actor, action: Action): AppError {
  if (actor.token && !actor.token.scopes.includes(action)) {
    return new AppError('missing_scope', 403, `This API token lacks the scope ${action}`, { scope: action, tokenId: actor.token.id });
  }
  return forbidden(`Your role (${actor.role}) may not ${action.replace('.', ': ')}`);
}

/**
 * One rule of a resource: the action of the rule table it needs (role and organisation, layers 1 and 2) and what the
 * record itself must satisfy on top of it (assignment, state). `refuse` says why when the action is allowed but the
 * record rule fails (403 by default; a state rule answers 409).
 */
export interface PolicyRule<R> {
  action: Action;
  when?: (actor: Actor, r: R) => boolean;
  refuse?: (actor: Actor, r: R) => AppError;
}

export interface Policy<R, K extends string> {
  readonly rules: Readonly<Record<K, PolicyRule<R>>>;
  /** The `can` map sent with the record: every rule, evaluated exactly as `authorize` enforces it. */
  can(actor: Actor, r: R): Record<K, boolean>;
  /** Enforces one rule: 404 when the record is missing or not visible to the actor, 403 (or the rule's refusal) otherwise. */
  authorize(actor: Actor, rule: K, r: R | null | undefined, id: string): asserts r is R;
}

/**
 * The rules of one resource, written once: the UI's `can` map and the services' enforcement are both derived from
 * them (as immich's permission decorators and its UI share one permission list).
 *
 *   export const orderPolicy = definePolicy<OrderRecord, 'book' | ...>({ resource: 'Inspection order', scope, rules: {
 *     book: { action: 'order.book', when: (a, o) => o.mode === 'remote' && ..., refuse: () => conflict(...) },
 *   } });
 *   orderPolicy.can(actor, order).book;            // presenter
 *   orderPolicy.authorize(actor, 'book', order, id); // service
 */
export function definePolicy<R, K extends string>(def: { resource: string; scope: (r: R) => OrgScoped; rules: Record<K, PolicyRule<R>> }): Policy<R, K> {
  const entries = Object.entries(def.rules) as [K, PolicyRule<R>][];
  return {
    rules: def.rules,
    can(actor, r) {
      const rec = def.scope(r);
      return Object.fromEntries(entries.map(([k, rule]) => [k, can(actor, rule.action, rec) && (rule.when?.(actor, r) ?? true)])) as Record<K, boolean>;
    },
    authorize(actor, key, r, id) {
      const rule = def.rules[key];
      authorize(actor, rule.action, r ? def.scope(r) : null, def.resource, id);
      if (rule.when && !rule.when(actor, r!)) throw rule.refuse?.(actor, r!) ?? forbidden(`This ${def.resource.toLowerCase()} does not allow that now (${key})`);
    },
  };
}

type DeclarationRecord = OrgScoped & { status?: string };

/** Declarations: read, apply for an inspection (while filed), file the arrival notice (the owning enterprise). */
export const declarationPolicy: Policy<DeclarationRecord, 'read' | 'apply' | 'fileArrivalNotice'> = definePolicy<DeclarationRecord, 'read' | 'apply' | 'fileArrivalNotice'>({
  resource: 'Declaration',
  scope: (r) => r,
  rules: {
    read: { action: 'declaration.read' },
    apply: { action: 'declaration.apply', when: (_a, r) => r.status === undefined || r.status === 'filed' },
    fileArrivalNotice: { action: 'arrival_notice.create' },
  },
});

/** The `can` map sent with a declaration, so the UI never re-derives role logic. */
export const declarationCan = (actor: Actor, rec: DeclarationRecord): Record<string, boolean> => declarationPolicy.can(actor, rec);

/** The global `can` map for the logged-in user (navigation). */
export function globalCan(actor: Actor): Record<string, boolean> {
  return Object.fromEntries(ACTIONS.map((a) => [a, roleAllows(actor, a)]));
}
