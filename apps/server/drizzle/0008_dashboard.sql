CREATE TABLE "dash_daily" (
	"office_id" text NOT NULL,
	"day" date NOT NULL,
	"channel" text NOT NULL,
	"mode" text NOT NULL,
	"selection" text NOT NULL,
	"inspections" integer DEFAULT 0 NOT NULL,
	"released" integer DEFAULT 0 NOT NULL,
	"release_minutes" double precision DEFAULT 0 NOT NULL,
	"waited" integer DEFAULT 0 NOT NULL,
	"waiting_minutes" double precision DEFAULT 0 NOT NULL,
	"decided" integer DEFAULT 0 NOT NULL,
	"fraud" integer DEFAULT 0 NOT NULL,
	"critical" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "dash_daily_office_id_day_channel_mode_selection_pk" PRIMARY KEY("office_id","day","channel","mode","selection")
);
--> statement-breakpoint
CREATE TABLE "dash_dirty_orders" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dash_inspector_daily" (
	"office_id" text NOT NULL,
	"day" date NOT NULL,
	"inspector_id" text NOT NULL,
	"channel" text NOT NULL,
	"mode" text NOT NULL,
	"n" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "dash_inspector_daily_office_id_day_inspector_id_channel_mode_pk" PRIMARY KEY("office_id","day","inspector_id","channel","mode")
);
--> statement-breakpoint
CREATE TABLE "dash_order_facts" (
	"order_id" text PRIMARY KEY NOT NULL,
	"office_id" text NOT NULL,
	"enterprise_id" text NOT NULL,
	"inspector_id" text,
	"day" date NOT NULL,
	"channel" text NOT NULL,
	"mode" text NOT NULL,
	"selection" text NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"arrived_at" timestamp with time zone,
	"inspected_at" timestamp with time zone NOT NULL,
	"released_at" timestamp with time zone,
	"release_minutes" double precision,
	"waiting_minutes" double precision,
	"decided" boolean NOT NULL,
	"fraud" boolean NOT NULL,
	"critical" boolean NOT NULL,
	"reasons" jsonb NOT NULL,
	"simulated" boolean NOT NULL,
	"refreshed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dash_reason_daily" (
	"office_id" text NOT NULL,
	"day" date NOT NULL,
	"channel" text NOT NULL,
	"reason" text NOT NULL,
	"n" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "dash_reason_daily_office_id_day_channel_reason_pk" PRIMARY KEY("office_id","day","channel","reason")
);
--> statement-breakpoint
CREATE TABLE "dash_refresh_state" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dash_release_buckets" (
	"office_id" text NOT NULL,
	"day" date NOT NULL,
	"channel" text NOT NULL,
	"mode" text NOT NULL,
	"bucket" integer NOT NULL,
	"n" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "dash_release_buckets_office_id_day_channel_mode_bucket_pk" PRIMARY KEY("office_id","day","channel","mode","bucket")
);
--> statement-breakpoint
CREATE TABLE "dash_simulated_times" (
	"order_id" text PRIMARY KEY NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"arrived_at" timestamp with time zone,
	"inspected_at" timestamp with time zone NOT NULL,
	"released_at" timestamp with time zone,
	"generated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"run_id" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "dash_order_facts_office_day_idx" ON "dash_order_facts" USING btree ("office_id","day","mode","channel","release_minutes");