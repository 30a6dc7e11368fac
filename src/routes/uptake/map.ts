import { readFile } from 'node:fs/promises'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { requireScope } from '../../plugins/auth.ts'
import { prefers } from '../../plugins/csv.ts'
import { problemResponses, StringEnum, TEXT } from '../../schemas/common.ts'
import { PeriodParams } from '../../schemas/recommendation-periods.ts'
import { COLOURS, uptakeMapSvg, type MapGeometry } from './map-svg.ts'
import { PNG_ZOOM, pngRenderer } from './map-png.ts'
import { reportFor } from '../../reports/participation.ts'
import { ReportQuery } from '../../schemas/uptake.ts'

const GEOMETRY_FILE = new URL('../../../data/municipality-map.json', import.meta.url)
let geometry: Promise<MapGeometry> | undefined

/**
 * Read on the first map asked for, then kept: most instances never draw one, and the file never changes while running.
 */
function loadGeometry() {
  geometry ??= readFile(GEOMETRY_FILE, 'utf8').then(
    text => JSON.parse(text) as MapGeometry,
    (error: unknown) => {
      geometry = undefined
      throw error
    }
  )
  return geometry
}

const MapQuery = Type.Object(
  {
    as_of: ReportQuery.properties.as_of,
    county: ReportQuery.properties.county,
    colour_by: Type.Optional(
      StringEnum(['status', 'first_year'], {
        default: 'status',
        description:
          '`status` (default): adopted, declined, no answer. `first_year`: adopters shaded by the first year they ' +
          'take part in, earliest darkest.',
        example: 'status'
      })
    )
  },
  { additionalProperties: false }
)

const SVG_TYPE = 'image/svg+xml; charset=utf-8'
const PNG_TYPE = 'image/png'

const routes: FastifyPluginAsyncTypebox = async app => {
  const png = pngRenderer()
  app.addHook('onClose', () => png.close())

  app.get(
    '/recommendation-periods/:id/uptake/map',
    {
      schema: {
        operationId: 'getUptakeMap',
        summary: 'Map of uptake by municipality',
        description:
          "A map of Sweden's municipalities (or one county's) coloured by their status on the as-of date, with the " +
          "period's case number and title, " +
          `the date, a legend with the count and share of each status and the source line "Källa: SCB". Colours are from the Okabe–Ito palette, safe for colour-blind readers ` +
          `and distinct in greyscale too: adopted ${COLOURS.adopted} (blue), declined ${COLOURS.declined} (orange), no answer ${COLOURS.no_answer} (light grey). ` +
          'The SVG is a text alternative in itself: `role="img"` with a `<title>` and a `<desc>` giving the counts ' +
          '(and the names, where a status has at most 30), ' +
          'and every municipality is a `<path id="m-0138" data-status="adopted">` with a `<title>` naming it and ' +
          'its status. Labels are in Swedish. ' +
          'About 100 kB for the whole country; cache it with `If-None-Match`.\n\n' +
          '`Accept: image/png` (ranked above `image/svg+xml`) gives the same drawing as a PNG, for documents and slides ' +
          `that take no SVG: ${PNG_ZOOM} pixels per SVG unit (930 pixels wide for the whole country), its text in the ` +
          'Liberation Sans the service ships, 250 to 400 kB. Without `Accept`, or with `*/*` or `image/*`, the answer is ' +
          'the SVG.',
        tags: ['uptake'],
        ...requireScope('read'),
        params: PeriodParams,
        querystring: MapQuery,
        response: {
          200: {
            description: 'The map, as an SVG document or, when `Accept` asks for it, a PNG image.',
            content: {
              'image/svg+xml': {
                schema: {
                  type: 'string',
                  maxLength: 16 * 1024 * 1024,
                  pattern: TEXT,
                  description: 'An SVG 1.1 document, UTF-8.',
                  example: '<svg xmlns="http://www.w3.org/2000/svg" role="img" …>…</svg>'
                }
              },
              [PNG_TYPE]: {
                // Sent as the bytes themselves (a Buffer), which Fastify does not serialise.
                schema: Type.Unsafe<Buffer>({
                  type: 'string',
                  format: 'binary',
                  maxLength: 16 * 1024 * 1024,
                  description: 'A PNG image (RGBA) of the same drawing.'
                })
              }
            }
          },
          ...problemResponses(400, 401, 403, 404)
        }
      }
    },
    async (request, reply) => {
      const [{ period, asOf, municipalities }, shapes] = await Promise.all([
        reportFor(app.readCache.memo, app.reportDb, { period_id: request.params.id, ...request.query }),
        loadGeometry()
      ])
      const svg = uptakeMapSvg({
        geometry: shapes,
        municipalities: municipalities.map(m => ({
          code: m.code,
          name: m.name,
          status: m.status,
          first_year: m.decision?.first_year ?? null
        })),
        heading: {
          case_number: period.case_number,
          title: period.title,
          as_of: asOf,
          county_name:
            request.query.county === undefined ? undefined : (municipalities[0]?.county_name ?? request.query.county)
        },
        colourBy: request.query.colour_by ?? 'status',
        years: period.years.map(y => y.year)
      })
      // The answer's form follows Accept: caches must key it by that too (the read cache does).
      reply.header('vary', 'Accept')
      // PNG only when Accept ranks it above SVG: no Accept, `*/*`, `image/*` and a browser's `<img>` keep the SVG.
      if (prefers(request.headers.accept, PNG_TYPE, 'image/svg+xml'))
        return reply.type(PNG_TYPE).send(await png.render(svg))
      // The document is ours and holds no script; should a title ever smuggle markup past the escaping, it still cannot
      // run.
      return reply
        .type(SVG_TYPE)
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
        .send(svg)
    }
  )
}

export default routes
