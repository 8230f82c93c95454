-- Figures of the command dashboard are refreshed incrementally: any change to an inspection order, its decision
-- effect or its eligibility decision queues the order in dash_dirty_orders, in the same transaction as the change,
-- whichever service (or bulk load) made it. The refresh recomputes only the queued orders.
CREATE OR REPLACE FUNCTION dash_queue_order() RETURNS trigger AS $$
BEGIN
  IF TG_TABLE_NAME = 'inspection_orders' THEN
    INSERT INTO dash_dirty_orders (order_id) VALUES (NEW.id);
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO dash_dirty_orders (order_id) VALUES (OLD.order_id);
  ELSE
    INSERT INTO dash_dirty_orders (order_id) VALUES (NEW.order_id);
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER inspection_orders_dash_queue AFTER INSERT OR UPDATE ON inspection_orders FOR EACH ROW EXECUTE FUNCTION dash_queue_order();
--> statement-breakpoint
CREATE TRIGGER decision_effects_dash_queue AFTER INSERT OR UPDATE OR DELETE ON decision_effects FOR EACH ROW EXECUTE FUNCTION dash_queue_order();
--> statement-breakpoint
CREATE TRIGGER eligibility_decisions_dash_queue AFTER INSERT ON eligibility_decisions FOR EACH ROW EXECUTE FUNCTION dash_queue_order();
--> statement-breakpoint
-- Orders that existed before this migration are queued once, so their figures appear after the first refresh.
INSERT INTO dash_dirty_orders (order_id) SELECT id FROM inspection_orders;
