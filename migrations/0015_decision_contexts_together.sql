-- decision_context (0012) for many decisions recorded by themselves at once: the rules' context for all that they name,
-- and for each (one_codes, one_case_numbers, one_period_ids, in order) the reservation 0012 gave one, so that decisions
-- posted at the same moment read what their checks need in one statement (src/queries/decisions.ts, contextForOne), as
-- they are then written in one (src/http/group-commit.ts). An import passes no ones and gets no reservations.
CREATE FUNCTION decision_contexts(
  case_numbers text[], period_ids bigint[], codes text[], one_codes text[], one_case_numbers text[],
  one_period_ids bigint[]
) RETURNS TABLE (periods json, municipalities json, recorded_at timestamptz, reservations json)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  RETURN QUERY SELECT
    (SELECT coalesce(json_agg(json_build_object('id', p.id, 'case_number', p.case_number, 'years', (
        SELECT coalesce(json_agg(json_build_object('year', y.year, 'join_deadline', y.join_deadline) ORDER BY y.year),
          '[]')
        FROM recommendation_period_years y WHERE y.period_id = p.id))), '[]')
      FROM recommendation_periods p WHERE p.case_number = ANY(case_numbers) OR p.id = ANY(period_ids)),
    (SELECT coalesce(json_agg(m.code), '[]') FROM municipalities m WHERE m.code = ANY(codes)),
    now(),
    (SELECT coalesce(json_agg(json_build_object('id', nextval(pg_get_serial_sequence('decisions', 'id')), 'shown', (
        SELECT json_build_object('period_case_number', p.case_number, 'municipality_name', m.name,
          'county_code', m.county_code, 'latest', (
            SELECT json_build_object('received_on', l.received_on, 'id', l.decision_id) FROM latest_decisions l
            WHERE l.period_id = p.id AND l.municipality_code = m.code))
        FROM recommendation_periods p JOIN municipalities m ON m.code = o.code
        WHERE p.case_number = o.case_number OR p.id = o.period_id LIMIT 1)) ORDER BY o.n), '[]')
      FROM unnest(one_codes, one_case_numbers, one_period_ids) WITH ORDINALITY AS o (code, case_number, period_id, n));
END $$;

DROP FUNCTION decision_context(text[], bigint[], text[], text, text, bigint);
