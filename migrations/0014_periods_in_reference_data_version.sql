-- Recommendation periods join the reference data's version (0013). Every report reads its period, and a period
-- changes about as seldom as the reference data does (SKR decides a recommendation once; a correction is rare), so
-- reports keep the period per version too (src/reports/periods.ts): the first report after a decision then reads
-- the decisions alone, in one statement whose version proves the kept period and municipalities are what its own
-- snapshot sees. Locks taken on a period's years (register allocations, payouts) change nothing and advance nothing.
CREATE TRIGGER reference_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON recommendation_periods
  FOR EACH STATEMENT EXECUTE FUNCTION advance_reference_data_version();
CREATE TRIGGER reference_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON recommendation_period_years
  FOR EACH STATEMENT EXECUTE FUNCTION advance_reference_data_version();
CREATE TRIGGER reference_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON recommendation_period_budget_lines
  FOR EACH STATEMENT EXECUTE FUNCTION advance_reference_data_version();
