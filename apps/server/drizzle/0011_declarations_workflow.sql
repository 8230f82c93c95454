CREATE TABLE "amendments" (
	"id" text PRIMARY KEY NOT NULL,
	"declaration_id" text NOT NULL,
	"org_id" text NOT NULL,
	"office_id" text NOT NULL,
	"order_id" text,
	"decision_id" text,
	"base_version" integer NOT NULL,
	"status" text DEFAULT 'filed' NOT NULL,
	"changes" jsonb NOT NULL,
	"reason" text NOT NULL,
	"filed_by" text,
	"filed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"decision_note" text,
	"result_version" integer
);
--> statement-breakpoint
CREATE TABLE "declaration_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"declaration_id" text NOT NULL,
	"version" integer NOT NULL,
	"data" jsonb NOT NULL,
	"amendment_id" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "arrival_notices" ADD COLUMN "updated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "declarations" ADD COLUMN "gross_mass_kg" double precision;--> statement-breakpoint
ALTER TABLE "declarations" ADD COLUMN "package_count" integer;--> statement-breakpoint
ALTER TABLE "declarations" ADD COLUMN "package_kind" text;--> statement-breakpoint
ALTER TABLE "declarations" ADD COLUMN "package_marks" text;--> statement-breakpoint
ALTER TABLE "declarations" ADD COLUMN "currency" text;--> statement-breakpoint
ALTER TABLE "declarations" ADD COLUMN "customs_value" double precision;--> statement-breakpoint
ALTER TABLE "declarations" ADD COLUMN "containers" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "declarations" ADD COLUMN "goods_lines" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "declarations" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "declarations" ADD COLUMN "amended_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "email" text;--> statement-breakpoint
ALTER TABLE "appointments" ADD COLUMN "ad_hoc" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "appointments" ADD COLUMN "consented_by" text;--> statement-breakpoint
ALTER TABLE "appointments" ADD COLUMN "consented_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "appointments" ADD COLUMN "confirmation_sent_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "office_order_settings" ADD COLUMN "lookahead_days" integer DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE "office_order_settings" ADD COLUMN "weight_tolerance_pct" double precision DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE "amendments" ADD CONSTRAINT "amendments_declaration_id_declarations_id_fk" FOREIGN KEY ("declaration_id") REFERENCES "public"."declarations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "amendments" ADD CONSTRAINT "amendments_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "amendments" ADD CONSTRAINT "amendments_office_id_organisations_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "amendments" ADD CONSTRAINT "amendments_filed_by_users_id_fk" FOREIGN KEY ("filed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "amendments" ADD CONSTRAINT "amendments_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "declaration_versions" ADD CONSTRAINT "declaration_versions_declaration_id_declarations_id_fk" FOREIGN KEY ("declaration_id") REFERENCES "public"."declarations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "declaration_versions" ADD CONSTRAINT "declaration_versions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "amendments_decl_idx" ON "amendments" USING btree ("declaration_id","filed_at");--> statement-breakpoint
CREATE INDEX "amendments_office_status_idx" ON "amendments" USING btree ("office_id","status","filed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "amendments_pending_uq" ON "amendments" USING btree ("declaration_id") WHERE status = 'filed';--> statement-breakpoint
CREATE UNIQUE INDEX "declaration_versions_decl_version_uq" ON "declaration_versions" USING btree ("declaration_id","version");--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_consented_by_users_id_fk" FOREIGN KEY ("consented_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;