/** The contract's `info`: what the API is, who answers for it, its terms and its limits, for readers of the docs. */
import { release } from '../release.ts'

const DESCRIPTION = `The system of record for Swedish municipalities' joint financing of knowledge management in
social services (gemensam finansiering av socialtjänstens kunskapsstyrning).

SKR (Sveriges Kommuner och Regioner) recommends that all 290 municipalities (kommuner) finance national
support together; each municipality decides for itself. This API holds the reference data (counties,
municipalities, SCB population figures), the decisions, the uptake figures, each municipality's cost share
and the payouts to the quality registers.

**Conventions.** JSON in and out, \`snake_case\` fields, dates \`YYYY-MM-DD\`, timestamps RFC 3339 in UTC,
municipality codes as 4-digit strings. Lists take \`page\` (from 1) and \`limit\` (default 20, at most 500)
and send RFC 8288 \`Link\` headers. Reads send an \`ETag\` and answer \`If-None-Match\` with 304. Lists and
reports also come as CSV (\`Accept: text/csv\`, \`format=csv\`, or the operation's \`.csv\` twin, which generated
clients type as text). Request bodies are JSON or CSV, at most 1 MiB (decision imports: 4 MiB). Every error is an RFC 9457
\`application/problem+json\` document; validation problems list every failing field.

**Authentication.** Send an API key as \`Authorization: Bearer <token>\`. Each operation names the scope it
needs in \`x-required-scopes\` (\`read\`, \`decisions:write\`, \`finance:write\`, \`allocations:write\` or \`admin\`). A deployment may
open reads to everyone (\`PUBLIC_READ=true\`).

**Swedish terms.** *kommun*: municipality; *län*: county; *SKR*: the Swedish Association of Local Authorities
and Regions; *rekommendation*: SKR's recommendation, identified by its *diarienummer* (case number, e.g.
\`18/00295\`); *beslut*: a municipality's decision to adopt (*anta*) or decline; *anslutning*: uptake;
*kostnadsandel*: cost share; *folkmängd*: population (SCB's figures); *indexuppräkning*: index adjustment;
*kvalitetsregister*: national quality register; *utbetalning*: payout; *nämnd*: committee;
*verksamhetsområde*: operational area.

**Terms of use** are at \`/terms\`. Population figures: Källa/Source: SCB (Statistics Sweden), CC BY 4.0.`

export const TERMS_OF_USE = `# Terms of use

1. The API serves Swedish municipalities, SKR, their registrar, finance and BI systems, and the national quality
   registers, for the joint financing of knowledge management in social services.
2. API keys are personal to the system they were issued to: keep them secret, never put them in URLs or logs, and
   ask for a new key (the old one is revoked) if one may have leaked. Every write records the key that made it.
3. Keep within the documented limits (page sizes, body sizes, request rates) and back off on 429 and 503 as
   \`Retry-After\` says.
4. Data: decisions, cost shares and payouts are public records (allmänna handlingar). Population figures come from
   SCB (Statistics Sweden) under CC BY 4.0: cite "Källa: SCB". The service holds no personal data; do not send any
   (names of officials belong in your own systems, not in notes).
5. Changes to the contract follow its versioning and deprecation policy: breaking changes only in a new major
   version, and a retired operation announces itself with \`Deprecation\` and \`Sunset\` headers well ahead.
`

export const info = {
  title: release.name,
  version: release.version,
  description: DESCRIPTION,
  termsOfService: '/terms',
  contact: {
    name: 'SKR, joint financing of knowledge management in social services (API support)',
    url: 'https://skr.se/'
  },
  license: {
    name: 'Data: CC BY 4.0 (SCB population figures); reference data sources in data/PROVENANCE.md',
    url: 'https://creativecommons.org/licenses/by/4.0/'
  },
  // DIGG DOK.08: the service level, as objectives the operator commits to in its agreement with SKR.
  'x-sla': {
    availability:
      '99.5 % per month, planned maintenance excepted (announced five working days ahead, outside office hours).',
    response_time:
      'Reads within 200 ms and writes within 500 ms for 99 % of requests at normal load; measured by `npm run ' +
      'bench` before each release.',
    support: 'Office hours (weekdays 08–17 CET) via the contact above; quote the `request_id` of a problem response.'
  },
  'x-limitations': {
    timeouts:
      'A request must arrive whole within 30 s; a database statement is given up after 30 s (answered 503); idle ' +
      'keep-alive connections close after 72 s. JSON bodies nest at most 32 levels; path parameters are at most ' +
      '100 characters.',
    load_shedding:
      'When the service is overloaded (event-loop delay past its threshold) or its database is away, requests are ' +
      'refused at once with 503 and Retry-After rather than left waiting.',
    rate_limit:
      'By default 600 requests a minute per API key (per client address without one, and apart per address for ' +
      'tokens not yet seen valid), counted per instance before any work, so refused requests count too; answers ' +
      '304 are free. Over the limit: 429 with Retry-After. The RateLimit-* headers of every answer give the limit ' +
      'in force.',
    page_size: 'limit: 1 to 500 items per page (default 20); page: 1 to 1,000,000.',
    body_size:
      "Request bodies: at most 1 MiB (Fastify's default); decision imports at most 4 MiB and 5,000 rows; population " +
      "imports at most 10,000 rows; each operation's `x-max-body-bytes` says. A list longer than its limit is " +
      'refused before any row is read; a JSON body gives no field twice in one object.',
    numbers:
      'Every number in a path, query or CSV cell is a plain decimal (digits, an optional sign, a fraction where the ' +
      'field takes one): no Infinity, NaN, exponents or hexadecimal. Every number is finite and within its ' +
      'documented bounds, or the request is a 400 naming it.',
    error_lists:
      'A problem lists at most its first 100 failing fields in `errors`, and counts them all in `error_count`; a ' +
      'problem document is at most 64 KiB.',
    headers: 'Request headers: at most 16 KiB in all (431 past that).',
    csv:
      'Every list and report answers CSV (`Accept: text/csv`, `format=csv`, or its `.csv` twin); no cell starts ' +
      'as a spreadsheet formula (=, +, -, @, tab, carriage return get a leading apostrophe; plain numbers stay ' +
      'numbers).'
  }
}

/**
 * Relative, so the document fits every deployment that serves it; partners outside the public sector's networks may
 * call it too.
 */
export const servers = [
  {
    url: '/',
    description: 'This deployment: production, test or local alike, since each serves its own contract.',
    'x-internal': false
  }
]
