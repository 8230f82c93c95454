import { boolean, doublePrecision, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { declarations, organisations, users } from './core.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Model registry: every trained targeting model with its figures; exactly one is active. */
export const riskModels = pgTable('risk_models', {
  id: text('id').primaryKey(),
  version: integer('version').notNull().unique(),
  status: text('status').$type<'active' | 'candidate' | 'retired' | 'rejected'>().notNull(),
  trainedFrom: text('trained_from').notNull(),
  trainedTo: text('trained_to').notNull(),
  trainingRows: integer('training_rows').notNull(),
  trainSeconds: doublePrecision('train_seconds').notNull(),
  /** Figures: the model's own holdout, and the validation window used to compare it with the model it would replace. */
  metrics: jsonb('metrics').notNull(),
  curve: jsonb('curve').notNull(),
  importances: jsonb('importances').notNull(),
  features: jsonb('features').notNull(),
  source: text('source').notNull(),
  modelJson: text('model_json').notNull(),
  sha256: text('sha256').notNull(),
  createdBy: text('created_by').references(() => users.id),
  createdAt: ts('created_at').notNull().defaultNow(),
  activatedAt: ts('activated_at'),
});

/** The score of each declaration by the model active when it was scored, its channel and (for yellow/red) why. */
export const riskScores = pgTable('risk_scores', {
  declarationId: text('declaration_id').primaryKey().references(() => declarations.id),
  modelId: text('model_id').notNull().references(() => riskModels.id),
  score: doublePrecision('score').notNull(),
  channel: text('channel').$type<'green' | 'yellow' | 'red'>().notNull(),
  explanation: jsonb('explanation'),
  scoredAt: ts('scored_at').notNull().defaultNow(),
}, (t) => [index('risk_scores_score_idx').on(t.score)]);

/** Outcomes of inspections, the labels the next retraining learns from. */
export const riskLabels = pgTable('risk_labels', {
  declarationId: text('declaration_id').primaryKey().references(() => declarations.id),
  fraud: boolean('fraud').notNull(),
  critical: boolean('critical').notNull(),
  source: text('source').notNull(),
  recordedAt: ts('recorded_at').notNull().defaultNow(),
});

/** Per-office targeting settings: the inspection rate and the share of it drawn at random. */
export const targetingSettings = pgTable('targeting_settings', {
  officeId: text('office_id').primaryKey().references(() => organisations.id),
  inspectionRate: doublePrecision('inspection_rate').notNull(),
  randomShare: doublePrecision('random_share').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Every selection draw with its seed and inputs, so an auditor can replay it. */
export const selectionRuns = pgTable('selection_runs', {
  id: text('id').primaryKey(),
  officeId: text('office_id').notNull().references(() => organisations.id),
  modelId: text('model_id').references(() => riskModels.id),
  algorithm: text('algorithm').notNull(),
  seed: text('seed').notNull(),
  rate: doublePrecision('rate').notNull(),
  randomShare: doublePrecision('random_share').notNull(),
  /** The scored items drawn from: [{id, score}]. */
  items: jsonb('items').notNull(),
  /** The recorded selection (risk picks by rank, random picks in draw order). */
  result: jsonb('result').notNull(),
  trigger: text('trigger').notNull(),
  createdBy: text('created_by').references(() => users.id),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('selection_runs_office_idx').on(t.officeId, t.createdAt)]);

/** Which declarations a draw selected and why (risk or random); the reason is never shown to the enterprise. */
export const selections = pgTable('selections', {
  declarationId: text('declaration_id').primaryKey().references(() => declarations.id),
  runId: text('run_id').notNull().references(() => selectionRuns.id),
  reason: text('reason').$type<'risk' | 'random'>().notNull(),
  rank: integer('rank'),
  createdAt: ts('created_at').notNull().defaultNow(),
});
