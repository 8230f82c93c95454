-- Signed records (findings, decisions, decision reviews) are never changed: a correction is a new record that names
-- the one it corrects. UPDATE is refused by the database too (DELETE stays possible for retention, which the
-- application allows only after the retention period, and audits).
CREATE OR REPLACE FUNCTION signed_record_refuse_update() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% rows are signed and never changed (UPDATE refused)', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER findings_no_update BEFORE UPDATE ON findings FOR EACH ROW EXECUTE FUNCTION signed_record_refuse_update();
--> statement-breakpoint
CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions FOR EACH ROW EXECUTE FUNCTION signed_record_refuse_update();
--> statement-breakpoint
CREATE TRIGGER decision_reviews_no_update BEFORE UPDATE ON decision_reviews FOR EACH ROW EXECUTE FUNCTION signed_record_refuse_update();
