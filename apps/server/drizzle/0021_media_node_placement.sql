ALTER TABLE "organisations" ADD COLUMN "region" text;--> statement-breakpoint
ALTER TABLE "media_nodes" ADD COLUMN "region" text;--> statement-breakpoint
ALTER TABLE "media_nodes" ADD COLUMN "public_address" text;--> statement-breakpoint
ALTER TABLE "media_nodes" ADD COLUMN "capacity" integer DEFAULT 40 NOT NULL;--> statement-breakpoint
ALTER TABLE "media_nodes" ADD COLUMN "sessions" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "media_nodes" ADD COLUMN "cpu_pct" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "media_nodes" ADD COLUMN "free_disk_mb" integer;--> statement-breakpoint
ALTER TABLE "media_nodes" ADD COLUMN "draining" boolean DEFAULT false NOT NULL;