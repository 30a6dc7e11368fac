import type { Status } from '../../domain/participation.ts'
import { percent } from '../../domain/uptake.ts'

/**
 * data/municipality-map.json: each municipality's outline as an SVG path on a width × height canvas (see
 * scripts/build-municipality-map.ts).
 */
export interface MapGeometry {
  width: number
  height: number
  municipalities: ReadonlyArray<{ code: string; bbox: readonly number[]; d: string }>
}

export interface MapMunicipality {
  code: string
  name: string
  status: Status
  first_year: number | null
}

export interface MapHeading {
  case_number: string
  title: string
  as_of: string
  /** The county's name when the map shows one county; the whole country otherwise. */
  county_name?: string | undefined
}

export type ColourBy = 'status' | 'first_year'

/**
 * Okabe–Ito blue and orange, told apart with every common colour-vision deficiency and also by lightness
 * (blue dark, orange middle, grey light), so the map survives greyscale printing.
 */
export const COLOURS = { adopted: '#0072B2', declined: '#E69F00', no_answer: '#DDDDDD' } as const
const LABELS = { adopted: 'Antagit', declined: 'Avslagit', no_answer: 'Ej svarat' } as const
/** Later first years fade from the adopted blue towards a light blue that stays clearly bluer than the grey. */
const LAST_YEAR_BLUE = '#95CBEE'

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }
/** Text for XML content and attribute values; characters XML 1.0 cannot carry at all are dropped, not escaped. */
export const escapeXml = (text: string) =>
  text
    .replace(
      /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
      ''
    )
    .replace(/[&<>"']/g, c => ENTITIES[c]!)

/** 89.7 → "89,7 %", as Swedish writes it. */
const percentText = (value: number) => `${String(value).replace('.', ',')}\u00a0%`

function mix(from: string, to: string, t: number) {
  const channel = (hex: string, i: number) => parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16)
  return (
    '#' +
    [0, 1, 2]
      .map(i =>
        Math.round(channel(from, i) + (channel(to, i) - channel(from, i)) * t)
          .toString(16)
          .padStart(2, '0')
      )
      .join('')
      .toUpperCase()
  )
}

/** Breaks text into lines of at most `width` characters at spaces (a word longer than that gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = lines.at(-1)
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`
    else lines.push(word)
  }
  return lines
}

export interface LegendEntry {
  key: string
  colour: string
  label: string
  count: number
}

/**
 * What the legend lists and which entry each municipality falls under: its status, or for adopters the first
 * year they take part in (one shade per year of the period, earliest darkest).
 */
export function legendOf(municipalities: readonly MapMunicipality[], colourBy: ColourBy, years: readonly number[]) {
  const shades =
    colourBy === 'status'
      ? new Map<number, string>()
      : new Map(
          years.map((year, i) => [
            year,
            years.length === 1 ? COLOURS.adopted : mix(COLOURS.adopted, LAST_YEAR_BLUE, i / (years.length - 1))
          ])
        )
  const byYear = [...shades].map(([year, colour]) => ({
    key: `adopted-${year}`,
    colour,
    label: `${LABELS.adopted}, från ${year}`,
    count: 0
  }))
  const byStatus = (['adopted', 'declined', 'no_answer'] as const).map(key => ({
    key,
    colour: COLOURS[key],
    label: LABELS[key],
    count: 0
  }))
  const entryOf = (m: MapMunicipality): LegendEntry =>
    byYear.find(entry => m.status === 'adopted' && entry.key === `adopted-${m.first_year}`) ??
    byStatus.find(entry => entry.key === m.status)!
  for (const m of municipalities) entryOf(m).count++
  // Adopters without a year of the period (none, when the data is sound) keep the plain adopted entry.
  const entries =
    colourBy === 'status'
      ? byStatus
      : [...byYear, ...byStatus.filter(entry => entry.key !== 'adopted' || entry.count > 0)]
  return { entries, entryOf }
}

/** The text alternative: counts and shares per legend entry, and the names where there are few enough to read out. */
export function describe(
  municipalities: readonly MapMunicipality[],
  heading: MapHeading,
  legend: ReturnType<typeof legendOf>
) {
  const total = municipalities.length
  const area =
    heading.county_name === undefined ? `Sveriges ${total} kommuner` : `de ${total} kommunerna i ${heading.county_name}`
  const parts = legend.entries.map(entry => {
    const names = municipalities.filter(m => legend.entryOf(m) === entry).map(m => m.name)
    return `${entry.label}: ${entry.count} (${percentText(percent(entry.count, total))})${names.length > 0 && names.length <= 30 ? `: ${names.join(', ')}` : ''}.`
  })
  return (
    `Karta över ${area} efter deras beslut om SKR:s rekommendation ${heading.case_number}, ` +
    `enligt beslut mottagna till och med ${heading.as_of}. ${parts.join(' ')} Kommungränser: Källa: SCB.`
  )
}

const FONT = 'Liberation Sans, Arial, Helvetica, sans-serif'
const MARGIN = 12
const STROKE = 0.4

/**
 * The uptake map as a standalone SVG document: a choropleth of every municipality's status (or adopters' first
 * year), with the title, the date, a legend with counts, the source line and text alternatives (`<title>` and
 * `<desc>` for the whole, a `<title>` per municipality). Every text from data is escaped.
 */
export function uptakeMapSvg(input: {
  geometry: MapGeometry
  municipalities: readonly MapMunicipality[]
  heading: MapHeading
  colourBy: ColourBy
  years: readonly number[]
}): string {
  const { geometry, municipalities, heading, colourBy, years } = input
  const width = geometry.width
  const legend = legendOf(municipalities, colourBy, years)
  const byCode = new Map(municipalities.map(m => [m.code, m]))
  const shapes = geometry.municipalities.filter(g => byCode.has(g.code))

  const titleLines = wrap(`${heading.case_number} ${heading.title}`, 50)
  const subtitle = `${heading.county_name ?? 'Sverige'}: beslut mottagna till och med ${heading.as_of}`
  const headerHeight = 28 + titleLines.length * 19 + 14
  const legendHeight = 26 + legend.entries.length * 21

  // The whole country leaves room for the legend over Norway, top left; a county is drawn below it.
  const country = heading.county_name === undefined
  const [x0, y0, x1, y1] =
    country || shapes.length === 0
      ? [0, 0, geometry.width, geometry.height]
      : [
          Math.min(...shapes.map(s => s.bbox[0]!)),
          Math.min(...shapes.map(s => s.bbox[1]!)),
          Math.max(...shapes.map(s => s.bbox[2]!)),
          Math.max(...shapes.map(s => s.bbox[3]!))
        ]
  const pad = country ? 0 : Math.max(x1 - x0, y1 - y0) * 0.03
  const view = { x: x0 - pad, y: y0 - pad, width: x1 - x0 + 2 * pad, height: y1 - y0 + 2 * pad }
  const mapTop = country ? headerHeight : headerHeight + legendHeight + 8
  const mapHeight = Math.round(Math.min(geometry.height, (width * view.height) / view.width))
  const zoom = Math.min(width / view.width, mapHeight / view.height)
  const height = mapTop + mapHeight + 24
  const round = (n: number) => Math.round(n * 100) / 100

  const statusText = (m: MapMunicipality) =>
    m.status === 'adopted' && m.first_year !== null
      ? `antagit, deltar från ${m.first_year}`
      : LABELS[m.status].toLowerCase()
  const paths = shapes.map(g => {
    const m = byCode.get(g.code)!
    const year = m.status === 'adopted' && m.first_year !== null ? ` data-first-year="${m.first_year}"` : ''
    return `<path id="m-${escapeXml(g.code)}" data-status="${m.status}"${year} fill="${legend.entryOf(m).colour}" d="${escapeXml(g.d)}"><title>${escapeXml(`${m.name}: ${statusText(m)}`)}</title></path>`
  })

  const legendTop = country ? headerHeight + 8 : headerHeight
  const legendRows = legend.entries.map((entry, i) => {
    const y = legendTop + 30 + i * 21
    const share = percentText(percent(entry.count, municipalities.length))
    return (
      `<g data-legend="${escapeXml(entry.key)}"><rect x="${MARGIN}" y="${y - 12}" width="16" height="16" fill="${entry.colour}" stroke="#595959" stroke-width="0.5"/>` +
      `<text x="${MARGIN + 24}" y="${y + 1}">${escapeXml(`${entry.label}: ${entry.count}`)} <tspan fill="#595959">(${share})</tspan></text></g>`
    )
  })

  return `${[
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="map-title" aria-describedby="map-desc" lang="sv" xml:lang="sv" font-family="${FONT}">`,
    `<title id="map-title">${escapeXml(`Anslutning till rekommendation ${heading.case_number}, ${subtitle}`)}</title>`,
    `<desc id="map-desc">${escapeXml(describe(municipalities, heading, legend))}</desc>`,
    `<rect width="${width}" height="${height}" fill="#FFFFFF"/>`,
    `<text x="${MARGIN}" y="28" font-size="16" font-weight="bold" fill="#111111">${titleLines.map((line, i) => `<tspan x="${MARGIN}" dy="${i === 0 ? 0 : 19}">${escapeXml(line)}</tspan>`).join('')}</text>`,
    `<text x="${MARGIN}" y="${28 + titleLines.length * 19 + 2}" font-size="13" fill="#333333">${escapeXml(subtitle)}</text>`,
    `<svg x="0" y="${mapTop}" width="${width}" height="${mapHeight}" viewBox="${round(view.x)} ${round(view.y)} ${round(view.width)} ${round(view.height)}">`,
    `<g id="municipalities" stroke="#FFFFFF" stroke-width="${round(STROKE / zoom)}" stroke-linejoin="round">`,
    ...paths,
    '</g></svg>',
    `<g id="legend" font-size="13" fill="#222222"><text x="${MARGIN}" y="${legendTop + 10}" font-weight="bold">${municipalities.length} kommuner</text>`,
    ...legendRows,
    '</g>',
    `<text x="${width - MARGIN}" y="${height - 8}" font-size="11" fill="#595959" text-anchor="end">Källa: SCB (kommungränser, CC BY 4.0)</text>`,
    '</svg>'
  ].join('\n')}\n`
}
