CREATE TABLE "vision_readings" (
	"id" text PRIMARY KEY NOT NULL,
	"snapshot_id" text NOT NULL,
	"session_id" text,
	"order_id" text,
	"status" text NOT NULL,
	"result" jsonb NOT NULL,
	"comparison" jsonb,
	"width" integer,
	"height" integer,
	"model" text,
	"ms" double precision NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "vision_readings_snapshot_id_unique" UNIQUE("snapshot_id")
);
--> statement-breakpoint
CREATE INDEX "vision_readings_order_idx" ON "vision_readings" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "vision_readings_session_idx" ON "vision_readings" USING btree ("session_id");