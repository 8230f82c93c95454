CREATE TABLE "appointments" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"kind" text NOT NULL,
	"inspector_id" text NOT NULL,
	"operator_user_id" text,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"proposed_by" text NOT NULL,
	"location" text,
	"operator_joined_at" timestamp with time zone,
	"reminder_sent_at" timestamp with time zone,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "arrival_confirmations" (
	"arrival_notice_id" text PRIMARY KEY NOT NULL,
	"declaration_id" text NOT NULL,
	"confirmed_by" text,
	"confirmed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "connection_tests" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"device_id" text NOT NULL,
	"passed" boolean NOT NULL,
	"rtt_ms" integer,
	"bitrate_kbps" integer,
	"tested_by" text,
	"tested_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dispatch_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"office_id" text NOT NULL,
	"algorithm" text NOT NULL,
	"seed" text NOT NULL,
	"run_date" date NOT NULL,
	"input" jsonb NOT NULL,
	"input_hash" text NOT NULL,
	"result" jsonb NOT NULL,
	"summary" jsonb NOT NULL,
	"actor_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "eligibility_decisions" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"rule_set_id" text NOT NULL,
	"rule_set_version" integer NOT NULL,
	"facts" jsonb NOT NULL,
	"recommendation" text NOT NULL,
	"fired" jsonb NOT NULL,
	"decided_mode" text NOT NULL,
	"overridden" boolean NOT NULL,
	"reason" text,
	"decided_by" text,
	"decided_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "eligibility_rule_sets" (
	"id" text PRIMARY KEY NOT NULL,
	"office_id" text NOT NULL,
	"version" integer NOT NULL,
	"rules" jsonb NOT NULL,
	"default_outcome" text DEFAULT 'remote' NOT NULL,
	"active" boolean DEFAULT false NOT NULL,
	"note" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "enterprise_devices" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inspection_orders" (
	"id" text PRIMARY KEY NOT NULL,
	"order_no" text NOT NULL,
	"declaration_id" text NOT NULL,
	"office_id" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"state" text NOT NULL,
	"mode" text,
	"goods_category" text NOT NULL,
	"hs6" text NOT NULL,
	"hazardous" boolean DEFAULT false NOT NULL,
	"channel" text NOT NULL,
	"selection" text NOT NULL,
	"inspect_on_arrival" boolean DEFAULT false NOT NULL,
	"goods_arrived_at" timestamp with time zone,
	"priority" integer DEFAULT 0 NOT NULL,
	"due_date" date NOT NULL,
	"inspector_id" text,
	"assigned_date" date,
	"dispatch_run_id" text,
	"unassigned_reason" jsonb,
	"proposed_slots" jsonb,
	"registered_at" timestamp with time zone,
	"missed_count" integer DEFAULT 0 NOT NULL,
	"application_id" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inspection_orders_order_no_unique" UNIQUE("order_no")
);
--> statement-breakpoint
CREATE TABLE "inspector_conflicts" (
	"inspector_id" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"reason" text NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inspector_conflicts_inspector_id_enterprise_id_pk" PRIMARY KEY("inspector_id","enterprise_id")
);
--> statement-breakpoint
CREATE TABLE "inspector_profiles" (
	"user_id" text PRIMARY KEY NOT NULL,
	"office_id" text NOT NULL,
	"qualifications" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"daily_capacity" integer DEFAULT 6 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inspector_rosters" (
	"inspector_id" text NOT NULL,
	"date" date NOT NULL,
	"on_duty" boolean NOT NULL,
	"note" text,
	CONSTRAINT "inspector_rosters_inspector_id_date_pk" PRIMARY KEY("inspector_id","date")
);
--> statement-breakpoint
CREATE TABLE "office_order_settings" (
	"office_id" text PRIMARY KEY NOT NULL,
	"weekly" jsonb NOT NULL,
	"closed_dates" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"slot_minutes" integer DEFAULT 60 NOT NULL,
	"buffer_minutes" integer DEFAULT 0 NOT NULL,
	"grace_minutes" integer DEFAULT 15 NOT NULL,
	"notice_minutes" integer DEFAULT 60 NOT NULL,
	"rotation_days" integer DEFAULT 7 NOT NULL,
	"reminder_minutes" integer DEFAULT 60 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "order_transitions" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"from_state" text,
	"to_state" text NOT NULL,
	"actor_id" text,
	"actor_role" text,
	"reason" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_order_id_inspection_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."inspection_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_inspector_id_users_id_fk" FOREIGN KEY ("inspector_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_operator_user_id_users_id_fk" FOREIGN KEY ("operator_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "arrival_confirmations" ADD CONSTRAINT "arrival_confirmations_arrival_notice_id_arrival_notices_id_fk" FOREIGN KEY ("arrival_notice_id") REFERENCES "public"."arrival_notices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "arrival_confirmations" ADD CONSTRAINT "arrival_confirmations_declaration_id_declarations_id_fk" FOREIGN KEY ("declaration_id") REFERENCES "public"."declarations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "arrival_confirmations" ADD CONSTRAINT "arrival_confirmations_confirmed_by_users_id_fk" FOREIGN KEY ("confirmed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connection_tests" ADD CONSTRAINT "connection_tests_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connection_tests" ADD CONSTRAINT "connection_tests_device_id_enterprise_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."enterprise_devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connection_tests" ADD CONSTRAINT "connection_tests_tested_by_users_id_fk" FOREIGN KEY ("tested_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dispatch_runs" ADD CONSTRAINT "dispatch_runs_office_id_organisations_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eligibility_decisions" ADD CONSTRAINT "eligibility_decisions_order_id_inspection_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."inspection_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eligibility_decisions" ADD CONSTRAINT "eligibility_decisions_rule_set_id_eligibility_rule_sets_id_fk" FOREIGN KEY ("rule_set_id") REFERENCES "public"."eligibility_rule_sets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eligibility_decisions" ADD CONSTRAINT "eligibility_decisions_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eligibility_rule_sets" ADD CONSTRAINT "eligibility_rule_sets_office_id_organisations_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eligibility_rule_sets" ADD CONSTRAINT "eligibility_rule_sets_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enterprise_devices" ADD CONSTRAINT "enterprise_devices_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enterprise_devices" ADD CONSTRAINT "enterprise_devices_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspection_orders" ADD CONSTRAINT "inspection_orders_declaration_id_declarations_id_fk" FOREIGN KEY ("declaration_id") REFERENCES "public"."declarations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspection_orders" ADD CONSTRAINT "inspection_orders_office_id_organisations_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspection_orders" ADD CONSTRAINT "inspection_orders_enterprise_id_organisations_id_fk" FOREIGN KEY ("enterprise_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspection_orders" ADD CONSTRAINT "inspection_orders_inspector_id_users_id_fk" FOREIGN KEY ("inspector_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspection_orders" ADD CONSTRAINT "inspection_orders_application_id_inspection_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."inspection_applications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspection_orders" ADD CONSTRAINT "inspection_orders_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspector_conflicts" ADD CONSTRAINT "inspector_conflicts_inspector_id_users_id_fk" FOREIGN KEY ("inspector_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspector_conflicts" ADD CONSTRAINT "inspector_conflicts_enterprise_id_organisations_id_fk" FOREIGN KEY ("enterprise_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspector_conflicts" ADD CONSTRAINT "inspector_conflicts_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspector_profiles" ADD CONSTRAINT "inspector_profiles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspector_profiles" ADD CONSTRAINT "inspector_profiles_office_id_organisations_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspector_rosters" ADD CONSTRAINT "inspector_rosters_inspector_id_users_id_fk" FOREIGN KEY ("inspector_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "office_order_settings" ADD CONSTRAINT "office_order_settings_office_id_organisations_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_transitions" ADD CONSTRAINT "order_transitions_order_id_inspection_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."inspection_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "appointments_order_idx" ON "appointments" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "appointments_inspector_idx" ON "appointments" USING btree ("inspector_id","start_at");--> statement-breakpoint
CREATE INDEX "appointments_operator_idx" ON "appointments" USING btree ("operator_user_id","start_at");--> statement-breakpoint
CREATE UNIQUE INDEX "appointments_inspector_start_uq" ON "appointments" USING btree ("inspector_id","start_at") WHERE status = 'accepted';--> statement-breakpoint
CREATE UNIQUE INDEX "appointments_operator_start_uq" ON "appointments" USING btree ("operator_user_id","start_at") WHERE status = 'accepted';--> statement-breakpoint
CREATE INDEX "connection_tests_org_idx" ON "connection_tests" USING btree ("org_id","tested_at");--> statement-breakpoint
CREATE INDEX "dispatch_runs_office_idx" ON "dispatch_runs" USING btree ("office_id","created_at");--> statement-breakpoint
CREATE INDEX "eligibility_decisions_order_idx" ON "eligibility_decisions" USING btree ("order_id");--> statement-breakpoint
CREATE UNIQUE INDEX "eligibility_rule_sets_office_version_uq" ON "eligibility_rule_sets" USING btree ("office_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "eligibility_rule_sets_active_uq" ON "eligibility_rule_sets" USING btree ("office_id") WHERE active;--> statement-breakpoint
CREATE INDEX "enterprise_devices_org_idx" ON "enterprise_devices" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "inspection_orders_office_state_idx" ON "inspection_orders" USING btree ("office_id","state");--> statement-breakpoint
CREATE INDEX "inspection_orders_inspector_idx" ON "inspection_orders" USING btree ("inspector_id","assigned_date");--> statement-breakpoint
CREATE INDEX "inspection_orders_enterprise_idx" ON "inspection_orders" USING btree ("enterprise_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "inspection_orders_live_decl_uq" ON "inspection_orders" USING btree ("declaration_id") WHERE state not in ('cancelled', 'closed');--> statement-breakpoint
CREATE INDEX "inspector_profiles_office_idx" ON "inspector_profiles" USING btree ("office_id");--> statement-breakpoint
CREATE INDEX "inspector_rosters_date_idx" ON "inspector_rosters" USING btree ("date");--> statement-breakpoint
CREATE INDEX "order_transitions_order_idx" ON "order_transitions" USING btree ("order_id","at");