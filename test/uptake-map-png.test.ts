import { monitorEventLoopDelay } from 'node:perf_hooks'
import { PNG } from 'pngjs'
import t from 'tap'
import { MAX_QUEUED_RENDERS, PNG_ZOOM } from '../src/routes/uptake/map-png.ts'
import { COLOURS } from '../src/routes/uptake/map-svg.ts'
import { testApp } from './helpers.ts'

// The PNG form of the uptake map, read back pixel by pixel: Tyresö, having adopted, is painted in the adopted blue
// where the SVG draws it, and the title, legend and source line are drawn as text.
const { app, bearer } = await testApp(t)
const reader = bearer('read')
const get = (url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers: { ...reader, ...headers } })

const periodId = (await get('/v1/recommendation-periods?case_number=18/00295')).json().items[0].id as number
const recorded = await app.inject({
  method: 'POST',
  url: '/v1/decisions',
  headers: bearer('decisions:write'),
  payload: {
    municipality_code: '0138',
    period_case_number: '18/00295',
    outcome: 'adopted',
    decided_on: '2019-04-24',
    decided_by: 'Kommunfullmäktige',
    received_on: '2019-05-02'
  }
})
if (recorded.statusCode !== 201) throw new Error(`Tyresö's decision was not recorded: ${recorded.body}`)

const mapUrl = `/v1/recommendation-periods/${periodId}/uptake/map?as_of=2019-11-30`
const svg = (await get(mapUrl)).body
const response = await get(mapUrl, { accept: 'image/png' })
if (response.statusCode !== 200) throw new Error(`the PNG was not drawn: ${response.statusCode} ${response.body}`)
const png = PNG.sync.read(response.rawPayload)

/** The RGB of the PNG's pixel that covers the SVG point (x, y). */
const pixelAt = (x: number, y: number) => {
  const i = (Math.floor(y * PNG_ZOOM) * png.width + Math.floor(x * PNG_ZOOM)) * 4
  return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!]
}
const hex = (rgb: number[]) => `#${rgb.map(c => c.toString(16).padStart(2, '0').toUpperCase()).join('')}`
const attributes = (tag: string) =>
  Object.fromEntries([...tag.matchAll(/([\w-]+)="([^"]*)"/g)].map(([, name, value]) => [name!, value!]))

/**
 * A point well inside a municipality, in the SVG's own units: its outline (`M x y l dx dy … z` rings) from the SVG,
 * through the nested map viewport (preserveAspectRatio's default, xMidYMid meet), then the grid point of its box
 * nearest the centre whose neighbours one unit away in every direction are inside too, clear of the white border.
 */
function pointInside(code: string) {
  const viewport = attributes(/<svg x="[^>]+>/.exec(svg)![0])
  const [vx, vy, vw, vh] = viewport.viewBox!.split(' ').map(Number) as [number, number, number, number]
  const [x, y, width, height] = [viewport.x, viewport.y, viewport.width, viewport.height].map(Number) as [
    number,
    number,
    number,
    number
  ]
  const scale = Math.min(width / vw, height / vh)
  const toSvg = ([px, py]: [number, number]): [number, number] => [
    x + (width - vw * scale) / 2 + (px - vx) * scale,
    y + (height - vh * scale) / 2 + (py - vy) * scale
  ]
  const d = new RegExp(`<path id="m-${code}"[^>]* d="([^"]+)"`).exec(svg)![1]!
  const rings: Array<Array<[number, number]>> = []
  let at: [number, number] = [0, 0]
  let command = ''
  const tokens = d.match(/[Mlz]|-?(?:\d+(?:\.\d+)?|\.\d+)/g)!
  for (let i = 0; i < tokens.length; ) {
    if (/[Mlz]/.test(tokens[i]!)) command = tokens[i++]!
    if (command === 'z') continue
    const [a, b] = [Number(tokens[i++]), Number(tokens[i++])]
    at = command === 'M' ? [a, b] : [at[0] + a, at[1] + b]
    if (command === 'M') rings.push([])
    rings.at(-1)!.push(toSvg(at))
  }
  const inside = ([px, py]: [number, number]) => {
    let crossings = 0
    for (const ring of rings)
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i]!
        const [xj, yj] = ring[j]!
        if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) crossings++
      }
    return crossings % 2 === 1
  }
  const all = rings.flat()
  const [x0, x1] = [Math.min(...all.map(p => p[0])), Math.max(...all.map(p => p[0]))]
  const [y0, y1] = [Math.min(...all.map(p => p[1])), Math.max(...all.map(p => p[1]))]
  let best: { point: [number, number]; distance: number } | undefined
  for (let i = 0; i <= 40; i++)
    for (let j = 0; j <= 40; j++) {
      const point: [number, number] = [x0 + ((x1 - x0) * i) / 40, y0 + ((y1 - y0) * j) / 40]
      const margin = scale // one unit of the outline's own coordinates
      const clear = [
        [0, 0],
        [margin, 0],
        [-margin, 0],
        [0, margin],
        [0, -margin]
      ].every(([dx, dy]) => inside([point[0] + dx!, point[1] + dy!]))
      const distance = Math.hypot(point[0] - (x0 + x1) / 2, point[1] - (y0 + y1) / 2)
      if (clear && (best === undefined || distance < best.distance)) best = { point, distance }
    }
  if (best === undefined) throw new Error(`no point well inside ${code} was found`)
  return best.point
}

/** Pixels in an SVG-unit box whose every channel is at most `darkest` (text, where the background is white). */
function darkPixels(box: { x: number; y: number; width: number; height: number }, darkest: number) {
  let count = 0
  for (let py = Math.floor(box.y * PNG_ZOOM); py < Math.ceil((box.y + box.height) * PNG_ZOOM); py++)
    for (let px = Math.floor(box.x * PNG_ZOOM); px < Math.ceil((box.x + box.width) * PNG_ZOOM); px++) {
      const i = (py * png.width + px) * 4
      if (png.data[i]! <= darkest && png.data[i + 1]! <= darkest && png.data[i + 2]! <= darkest) count++
    }
  return count
}

t.test('Accept: image/png gives a PNG of the SVG at twice its size, with Vary: Accept', async t => {
  t.equal(response.headers['content-type'], 'image/png')
  t.match(response.headers.vary, /\bAccept\b/i)
  t.same([...response.rawPayload.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'the PNG signature')
  const [, width, height] = /viewBox="0 0 (\d+) (\d+)"/.exec(svg)!.map(Number)
  t.same([png.width, png.height], [width! * PNG_ZOOM, height! * PNG_ZOOM])
  t.comment(`map.png: ${png.width} × ${png.height}, ${response.rawPayload.length} bytes`)
})

t.test("Tyresö is painted in the adopted blue, Haninge beside it in no answer's grey", async t => {
  for (const [code, colour] of [
    ['0138', COLOURS.adopted],
    ['0136', COLOURS.no_answer]
  ] as const) {
    const [x, y] = pointInside(code)
    t.equal(hex(pixelAt(x, y)), colour, `the pixel inside ${code} at (${x.toFixed(1)}, ${y.toFixed(1)})`)
  }
})

t.test('the title, the legend and the source line are drawn as text in the shipped font', async t => {
  // Without a font resvg draws no text at all, so dark pixels where the SVG puts its text are the text itself.
  const legend = attributes(/<g id="legend"[^>]*>\s*<text [^>]*>/.exec(svg)![0].replace(/^<g [^>]*>/, ''))
  const legendTop = Number(legend.y) - 13
  const rows = (svg.match(/<g data-legend=/g) ?? []).length
  t.equal(rows, 3)
  const legendBox = { x: 12, y: legendTop, width: 200, height: 16 + rows * 21 }
  const [, width, height] = /viewBox="0 0 (\d+) (\d+)"/.exec(svg)!.map(Number) as [number, number, number]
  const counted = {
    title: darkPixels({ x: 12, y: 12, width: width - 24, height: 20 }, 0x40),
    legend: darkPixels(legendBox, 0x40),
    source: darkPixels({ x: width / 2, y: height - 20, width: width / 2 - 12, height: 16 }, 0x80),
    // A box as large east of the legend, where the SVG has no text (the map's north, or nothing): no dark pixels.
    empty: darkPixels({ ...legendBox, x: width - 12 - 200 }, 0x80)
  }
  t.comment(`dark pixels: ${JSON.stringify(counted)}`)
  t.ok(counted.title > 1000, 'the title is drawn in near-black')
  t.ok(counted.legend > 1000, "the legend's lines are drawn in near-black")
  t.ok(counted.source > 300, '"Källa: SCB …" is drawn in grey, bottom right')
  t.equal(counted.empty, 0, 'and there is no text where the SVG has none')
})

t.test('the PNG is the same bytes again, with its own ETag, and If-None-Match gets a 304', async t => {
  const again = await get(mapUrl, { accept: 'image/png' })
  t.equal(again.headers['content-type'], 'image/png')
  t.ok(again.rawPayload.equals(response.rawPayload), 'identical bytes')
  const etag = response.headers.etag as string
  t.match(etag, /^"[\w-]{32}"$/)
  t.equal(again.headers.etag, etag)
  t.not(etag, (await get(mapUrl)).headers.etag, 'the SVG has another tag')
  const notModified = await get(mapUrl, { accept: 'image/png', 'if-none-match': etag })
  t.equal(notModified.statusCode, 304)
  t.equal(notModified.rawPayload.length, 0)
})

t.test('SVG stays the default: PNG only when Accept ranks it above SVG; neither is a 406', async t => {
  const typeFor = async (accept: string | undefined) =>
    (await get(mapUrl, accept === undefined ? {} : { accept })).headers['content-type']
  t.equal(await typeFor(undefined), 'image/svg+xml; charset=utf-8')
  t.equal(await typeFor('*/*'), 'image/svg+xml; charset=utf-8')
  t.equal(await typeFor('image/*'), 'image/svg+xml; charset=utf-8')
  t.equal(await typeFor('image/svg+xml,image/*,*/*;q=0.8'), 'image/svg+xml; charset=utf-8', "a browser's <img>")
  t.equal(await typeFor('image/svg+xml, image/png'), 'image/svg+xml; charset=utf-8')
  t.equal(await typeFor('image/png, image/svg+xml'), 'image/png')
  t.equal(await typeFor('image/svg+xml;q=0.5, image/png'), 'image/png')
  t.equal(await typeFor('image/png, */*;q=0.1'), 'image/png')
  const refused = await get(mapUrl, { accept: 'application/json' })
  t.equal(refused.statusCode, 406)
  t.match(refused.json().detail, /image\/svg\+xml or image\/png/)
})

t.test('a render does not hold up the event loop: it runs in a worker thread', async t => {
  // A new Accept header is not in the read cache, so the map is drawn again (its report is memoised already). Drawn on
  // the event loop, the render would hold it, and use the main thread's CPU, for most of the request (0.3 to 1 s
  // here). Both bounds are shares of the request's own time, since a busy machine slows the render and the loop alike.
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  const cpu = process.threadCpuUsage()
  const started = performance.now()
  const drawn = await get(mapUrl, { accept: 'image/png;q=0.9, image/svg+xml;q=0.8' })
  const took = performance.now() - started
  const used = process.threadCpuUsage(cpu)
  delay.disable()
  t.equal(drawn.headers['content-type'], 'image/png')
  t.ok(drawn.rawPayload.equals(response.rawPayload), 'the same picture')
  const max = delay.max / 1e6
  const mainThread = (used.user + used.system) / 1000
  t.comment(
    `render request: ${took.toFixed(0)} ms; main thread CPU ${mainThread.toFixed(1)} ms; event loop delay max ${max.toFixed(1)} ms`
  )
  t.ok(mainThread < took / 4, `the main thread worked ${mainThread.toFixed(1)} of the ${took.toFixed(0)} ms`)
  t.ok(max < took / 2, `the event loop was held ${max.toFixed(1)} ms at most, of the ${took.toFixed(0)} ms`)
})

t.test(
  'a burst of PNGs beyond the render queue is refused at once with a 503 and Retry-After, never queued',
  async t => {
    // County maps, each of its own day so that none is cached: one drawing, MAX_QUEUED_RENDERS waiting, the rest refused.
    const days = Array.from({ length: MAX_QUEUED_RENDERS + 4 }, (_, i) => `2019-10-${String(i + 1).padStart(2, '0')}`)
    const answers = await Promise.all(
      days.map(day =>
        get(`/v1/recommendation-periods/${periodId}/uptake/map?as_of=${day}&county=25`, { accept: 'image/png' })
      )
    )
    const refused = answers.filter(a => a.statusCode === 503)
    t.same([...new Set(answers.map(a => a.statusCode))].sort(), [200, 503], 'each is drawn or refused, nothing else')
    t.ok(answers.filter(a => a.statusCode === 200).length >= MAX_QUEUED_RENDERS, 'the queue is used to its limit')
    t.match(refused[0]!.headers, { 'retry-after': '5', 'content-type': /^application\/problem\+json/ })
  }
)
