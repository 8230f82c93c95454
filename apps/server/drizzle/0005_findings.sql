CREATE TABLE "case_media" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"session_id" text,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"path" text NOT NULL,
	"content_type" text,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "decision_effects" (
	"order_id" text PRIMARY KEY NOT NULL,
	"decision_id" text NOT NULL,
	"outcome" text NOT NULL,
	"released_at" timestamp with time zone,
	"effective_at" timestamp with time zone NOT NULL,
	"fraud" boolean NOT NULL,
	"critical" boolean NOT NULL
);
--> statement-breakpoint
CREATE TABLE "decision_reviews" (
	"id" text PRIMARY KEY NOT NULL,
	"decision_id" text NOT NULL,
	"order_id" text NOT NULL,
	"verdict" text NOT NULL,
	"reason" text,
	"envelope" jsonb NOT NULL,
	"key_id" text NOT NULL,
	"signed_by" text NOT NULL,
	"signed_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "decisions" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"declaration_id" text NOT NULL,
	"office_id" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"outcome" text NOT NULL,
	"corrections" jsonb NOT NULL,
	"reason" text,
	"finding_ids" jsonb NOT NULL,
	"requires_approval" boolean NOT NULL,
	"envelope" jsonb NOT NULL,
	"key_id" text NOT NULL,
	"signed_by" text NOT NULL,
	"signed_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "findings" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"declaration_id" text NOT NULL,
	"office_id" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"kind" text NOT NULL,
	"step_key" text,
	"step_result" text,
	"type" text,
	"severity" text,
	"field" text,
	"declared_value" text,
	"observed_value" text,
	"note" text,
	"evidence" jsonb NOT NULL,
	"corrects" text,
	"retracted" boolean DEFAULT false NOT NULL,
	"suggestion_id" text,
	"envelope" jsonb NOT NULL,
	"key_id" text NOT NULL,
	"signed_by" text NOT NULL,
	"signed_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "retention_policies" (
	"record_type" text PRIMARY KEY NOT NULL,
	"period" text NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "suggested_findings" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"field" text NOT NULL,
	"declared_value" text,
	"observed_value" text,
	"confidence" double precision NOT NULL,
	"evidence" jsonb NOT NULL,
	"source" text DEFAULT 'vision' NOT NULL,
	"status" text DEFAULT 'suggested' NOT NULL,
	"finding_id" text,
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	"dismiss_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "case_media" ADD CONSTRAINT "case_media_order_id_inspection_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."inspection_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_effects" ADD CONSTRAINT "decision_effects_order_id_inspection_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."inspection_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_effects" ADD CONSTRAINT "decision_effects_decision_id_decisions_id_fk" FOREIGN KEY ("decision_id") REFERENCES "public"."decisions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_reviews" ADD CONSTRAINT "decision_reviews_decision_id_decisions_id_fk" FOREIGN KEY ("decision_id") REFERENCES "public"."decisions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_reviews" ADD CONSTRAINT "decision_reviews_order_id_inspection_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."inspection_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_reviews" ADD CONSTRAINT "decision_reviews_signed_by_users_id_fk" FOREIGN KEY ("signed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_order_id_inspection_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."inspection_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_declaration_id_declarations_id_fk" FOREIGN KEY ("declaration_id") REFERENCES "public"."declarations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_office_id_organisations_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_enterprise_id_organisations_id_fk" FOREIGN KEY ("enterprise_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_signed_by_users_id_fk" FOREIGN KEY ("signed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_order_id_inspection_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."inspection_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_declaration_id_declarations_id_fk" FOREIGN KEY ("declaration_id") REFERENCES "public"."declarations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_office_id_organisations_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_enterprise_id_organisations_id_fk" FOREIGN KEY ("enterprise_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_corrects_findings_id_fk" FOREIGN KEY ("corrects") REFERENCES "public"."findings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_signed_by_users_id_fk" FOREIGN KEY ("signed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retention_policies" ADD CONSTRAINT "retention_policies_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "suggested_findings" ADD CONSTRAINT "suggested_findings_order_id_inspection_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."inspection_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "suggested_findings" ADD CONSTRAINT "suggested_findings_finding_id_findings_id_fk" FOREIGN KEY ("finding_id") REFERENCES "public"."findings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "suggested_findings" ADD CONSTRAINT "suggested_findings_resolved_by_users_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "case_media_order_idx" ON "case_media" USING btree ("order_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "case_media_order_name_uq" ON "case_media" USING btree ("order_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "decision_reviews_decision_uq" ON "decision_reviews" USING btree ("decision_id");--> statement-breakpoint
CREATE INDEX "decision_reviews_order_idx" ON "decision_reviews" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "decisions_order_idx" ON "decisions" USING btree ("order_id","signed_at");--> statement-breakpoint
CREATE INDEX "decisions_office_idx" ON "decisions" USING btree ("office_id","signed_at");--> statement-breakpoint
CREATE INDEX "findings_order_idx" ON "findings" USING btree ("order_id","signed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "findings_corrects_uq" ON "findings" USING btree ("corrects") WHERE corrects is not null;--> statement-breakpoint
CREATE INDEX "suggested_findings_order_idx" ON "suggested_findings" USING btree ("order_id","created_at");