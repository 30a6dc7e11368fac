-- A share says whether its population figure is the one on the rule's date or a substitute (the closest figure held),
-- invoicing on substitutes is finance's recorded decision, and a weighted-total period may compute its weights by the
-- membership-fee principle instead of having them imported.

-- `membership_fee`: each municipality weighs its population on population_reference_date, × 0.9 above 200,000
-- inhabitants (SKL's förbundsavgift); `imported`: the weights in cost_weights.
ALTER TABLE recommendation_periods
  ADD COLUMN weight_basis text CHECK (weight_basis IN ('membership_fee', 'imported'));
UPDATE recommendation_periods SET weight_basis = 'imported' WHERE cost_model = 'weighted_total';
ALTER TABLE recommendation_periods
  ADD CONSTRAINT recommendation_periods_weights_named_check
    CHECK ((cost_model = 'weighted_total') = (weight_basis IS NOT NULL)),
  ADD CONSTRAINT recommendation_periods_membership_fee_date_check
    CHECK (weight_basis IS DISTINCT FROM 'membership_fee' OR population_reference_date IS NOT NULL);

-- An invoice rests on a rate × a population, or on a weight, which membership-fee weights compute from a population
-- that the invoice then records too. NULL basis for imported weights, and for invoices issued before it was recorded.
ALTER TABLE invoices ADD COLUMN population_basis text CHECK (population_basis IN ('reference_date', 'substitute'));
ALTER TABLE invoices
  DROP CONSTRAINT invoices_check1,
  DROP CONSTRAINT invoices_check2,
  ADD CONSTRAINT invoices_rate_or_weight_check CHECK ((rate_per_inhabitant IS NULL) = (weight IS NOT NULL)),
  ADD CONSTRAINT invoices_rate_needs_population_check CHECK (rate_per_inhabitant IS NULL OR population IS NOT NULL),
  ADD CONSTRAINT invoices_basis_needs_population_check CHECK (population_basis IS NULL OR population IS NOT NULL);

-- Finance's decision to invoice a year although some participants' figures are substitutes: who decided and why.
ALTER TABLE invoiced_years
  ADD COLUMN substitute_population_decided_by text CHECK (substitute_population_decided_by <> ''),
  ADD COLUMN substitute_population_reason text CHECK (substitute_population_reason <> ''),
  ADD CONSTRAINT invoiced_years_substitute_population_check
    CHECK ((substitute_population_decided_by IS NULL) = (substitute_population_reason IS NULL));
