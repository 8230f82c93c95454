CREATE TABLE "risk_labels" (
	"declaration_id" text PRIMARY KEY NOT NULL,
	"fraud" boolean NOT NULL,
	"critical" boolean NOT NULL,
	"source" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "risk_models" (
	"id" text PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"status" text NOT NULL,
	"trained_from" text NOT NULL,
	"trained_to" text NOT NULL,
	"training_rows" integer NOT NULL,
	"train_seconds" double precision NOT NULL,
	"metrics" jsonb NOT NULL,
	"curve" jsonb NOT NULL,
	"importances" jsonb NOT NULL,
	"features" jsonb NOT NULL,
	"source" text NOT NULL,
	"model_json" text NOT NULL,
	"sha256" text NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"activated_at" timestamp with time zone,
	CONSTRAINT "risk_models_version_unique" UNIQUE("version")
);
--> statement-breakpoint
CREATE TABLE "risk_scores" (
	"declaration_id" text PRIMARY KEY NOT NULL,
	"model_id" text NOT NULL,
	"score" double precision NOT NULL,
	"channel" text NOT NULL,
	"explanation" jsonb,
	"scored_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "selection_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"office_id" text NOT NULL,
	"model_id" text,
	"algorithm" text NOT NULL,
	"seed" text NOT NULL,
	"rate" double precision NOT NULL,
	"random_share" double precision NOT NULL,
	"items" jsonb NOT NULL,
	"result" jsonb NOT NULL,
	"trigger" text NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "selections" (
	"declaration_id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"reason" text NOT NULL,
	"rank" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "targeting_settings" (
	"office_id" text PRIMARY KEY NOT NULL,
	"inspection_rate" double precision NOT NULL,
	"random_share" double precision NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "risk_labels" ADD CONSTRAINT "risk_labels_declaration_id_declarations_id_fk" FOREIGN KEY ("declaration_id") REFERENCES "public"."declarations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_models" ADD CONSTRAINT "risk_models_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_scores" ADD CONSTRAINT "risk_scores_declaration_id_declarations_id_fk" FOREIGN KEY ("declaration_id") REFERENCES "public"."declarations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_scores" ADD CONSTRAINT "risk_scores_model_id_risk_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."risk_models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "selection_runs" ADD CONSTRAINT "selection_runs_office_id_organisations_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "selection_runs" ADD CONSTRAINT "selection_runs_model_id_risk_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."risk_models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "selection_runs" ADD CONSTRAINT "selection_runs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "selections" ADD CONSTRAINT "selections_declaration_id_declarations_id_fk" FOREIGN KEY ("declaration_id") REFERENCES "public"."declarations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "selections" ADD CONSTRAINT "selections_run_id_selection_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."selection_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "targeting_settings" ADD CONSTRAINT "targeting_settings_office_id_organisations_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "risk_scores_score_idx" ON "risk_scores" USING btree ("score");--> statement-breakpoint
CREATE INDEX "selection_runs_office_idx" ON "selection_runs" USING btree ("office_id","created_at");