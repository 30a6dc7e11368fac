import { mkdir, writeFile } from 'node:fs/promises'
import { chromium } from 'playwright-core'
import t from 'tap'
import { COLOURS, escapeXml, legendOf, uptakeMapSvg, wrap, type MapMunicipality } from '../src/routes/uptake/map-svg.ts'
import { importNovember2019 } from './fixtures.ts'
import { testApp } from './helpers.ts'
import { chromiumOptions, noBrowser } from './browser.ts'

const context = await testApp(t)
const { app, bearer } = context
const reader = bearer('read')
const get = (url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers: { ...reader, ...headers } })

const picture = await importNovember2019(context)
const periodId = (await get('/v1/recommendation-periods?case_number=18/00295')).json().items[0].id as number
const mapUrl = `/v1/recommendation-periods/${periodId}/uptake/map`

const response = await get(`${mapUrl}?as_of=2019-11-30`)
if (response.statusCode !== 200) throw new Error(`the map was not drawn: ${response.statusCode} ${response.body}`)
const svg = response.body

/** Every municipality shape's id, status and fill, in document order. */
const shapesOf = (document: string) =>
  [
    ...document.matchAll(
      /<path id="m-(\d{4})" data-status="(\w+)"[^>]* fill="(#[0-9A-F]{6})" d="[^"]+"><title>([^<]+)<\/title><\/path>/g
    )
  ].map(([, code, status, fill, title]) => ({ code: code!, status: status!, fill: fill!, title: title! }))

t.test(
  'the map of November 2019 has one shape per municipality: 260 adopted, 21 declined, 9 without an answer',
  async t => {
    t.equal(response.headers['content-type'], 'image/svg+xml; charset=utf-8')
    const shapes = shapesOf(svg)
    t.equal(shapes.length, 290)
    t.equal(new Set(shapes.map(s => s.code)).size, 290, 'every id is unique')
    t.equal((svg.match(/data-status=/g) ?? []).length, 290, 'nothing else carries a status')
    const count = (status: string) => shapes.filter(s => s.status === status).length
    t.same([count('adopted'), count('declined'), count('no_answer')], [260, 21, 9])
    t.same(
      shapes.find(s => s.code === '0138'),
      { code: '0138', status: 'adopted', fill: COLOURS.adopted, title: 'Tyresö: antagit, deltar från 2020' }
    )
    t.same(
      shapes.filter(s => s.status === 'declined').map(s => s.code),
      picture.decliners
    )
    t.same(
      shapes.filter(s => s.status === 'no_answer').map(s => s.code),
      picture.silent
    )
    t.ok(
      shapes.every(s => s.fill === COLOURS[s.status as keyof typeof COLOURS]),
      "each shape is filled with its status's colour"
    )
  }
)

t.test('the map agrees with the participation endpoint for every municipality', async t => {
  const participation = (await get(`/v1/recommendation-periods/${periodId}/participation?as_of=2019-11-30`)).json()
  const expected = participation.municipalities.map((m: { code: string; name: string; status: string }) => [
    m.code,
    m.status,
    m.name
  ])
  t.same(
    shapesOf(svg).map(s => [s.code, s.status, s.title.slice(0, s.title.indexOf(':'))]),
    expected
  )
})

t.test('the map is titled, dated, has a legend with counts and shares, the source, and a text alternative', async t => {
  t.match(
    svg,
    /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*role="img" aria-labelledby="map-title" aria-describedby="map-desc"/
  )
  t.match(
    svg,
    /<title id="map-title">Anslutning till rekommendation 18\/00295, Sverige: beslut mottagna till och med 2019-11-30<\/title>/
  )
  const desc = /<desc id="map-desc">([^<]+)<\/desc>/.exec(svg)?.[1] ?? ''
  t.match(
    desc,
    /^Karta över Sveriges 290 kommuner .* 2019-11-30\. Antagit: 260 \(89,7\u00a0%\)\. Avslagit: 21 \(7,2\u00a0%\): .*Ej svarat: 9 \(3,1\u00a0%\): /
  )
  t.match(desc, /Källa: SCB\.$/)
  for (const code of [...picture.decliners, ...picture.silent]) {
    const name = shapesOf(svg)
      .find(s => s.code === code)!
      .title.split(':')[0]!
    t.ok(desc.includes(escapeXml(name)), `the text alternative names ${name}, one of the few without an adoption`)
  }
  t.match(svg, />18\/00295 Rekommendation om gemensam finansiering<\/tspan>/)
  t.match(svg, />Sverige: beslut mottagna till och med 2019-11-30</)
  const legend = /<g id="legend"[^>]*>([\s\S]*?)\n<\/g>/.exec(svg)?.[1] ?? ''
  const rows = [
    ...legend.matchAll(
      /<g data-legend="(\w+)"><rect [^>]*fill="(#[0-9A-F]{6})"[^>]*\/><text [^>]*>([^<]+)<tspan[^>]*>([^<]+)<\/tspan>/g
    )
  ].map(([, key, fill, label, share]) => [key, fill, `${label}${share}`])
  t.same(rows, [
    ['adopted', COLOURS.adopted, 'Antagit: 260 (89,7\u00a0%)'],
    ['declined', COLOURS.declined, 'Avslagit: 21 (7,2\u00a0%)'],
    ['no_answer', COLOURS.no_answer, 'Ej svarat: 9 (3,1\u00a0%)']
  ])
  t.match(legend, />290 kommuner</)
  t.match(svg, />Källa: SCB \(kommungränser, CC BY 4\.0\)</)
})

t.test('the map is small: under 300 kB', async t => {
  const bytes = Buffer.byteLength(svg)
  t.ok(bytes < 300_000, `${bytes} bytes`)
  t.comment(`map.svg: ${bytes} bytes`)
})

t.test('the map carries an ETag, and If-None-Match gets a 304 without a body', async t => {
  const etag = response.headers.etag as string
  t.match(etag, /^"[\w-]{32}"$/)
  const again = await get(`${mapUrl}?as_of=2019-11-30`, { 'if-none-match': etag })
  t.equal(again.statusCode, 304)
  t.equal(again.body, '')
  t.not((await get(`${mapUrl}?as_of=2019-06-30`)).headers.etag, etag, 'another day is another picture')
})

t.test("a county's map shows its municipalities only", async t => {
  const county = await get(`${mapUrl}?as_of=2019-11-30&county=01`)
  const shapes = shapesOf(county.body)
  t.equal(shapes.length, 26)
  t.ok(shapes.every(s => s.code.startsWith('01')))
  t.match(county.body, />Stockholms län: beslut mottagna till och med 2019-11-30</)
})

t.test('colour_by=first_year shades adopters by the first year they take part in', async t => {
  const body = (await get(`${mapUrl}?as_of=2019-11-30&colour_by=first_year`)).body
  t.match(body, /<g data-legend="adopted-2020"><rect [^>]*fill="#0072B2"[^>]*\/><text [^>]*>Antagit, från 2020: 260 </)
  t.match(body, /<g data-legend="adopted-2023"><rect [^>]*\/><text [^>]*>Antagit, från 2023: 0 </)
  t.match(body, /<path id="m-0138" data-status="adopted" data-first-year="2020" fill="#0072B2"/)
})

t.test('an unknown period is a 404, a missing key a 401, a bad parameter a 400', async t => {
  t.equal((await get('/v1/recommendation-periods/999/uptake/map')).statusCode, 404)
  const anonymous = await app.inject({ method: 'GET', url: mapUrl })
  t.equal(anonymous.statusCode, 401)
  t.match(anonymous.headers['content-type'], /^application\/problem\+json/)
  t.match((await get(`${mapUrl}?colour_by=rainbow`)).json(), { status: 400, errors: [{ parameter: 'colour_by' }] })
  t.match((await get(`${mapUrl}?format=csv`)).json(), { status: 400, errors: [{ parameter: 'format' }] })
})

t.test('every text from data is escaped, and characters XML cannot hold are dropped', async t => {
  t.equal(
    escapeXml('Rock & <Roll> "quoted" \'single\'\u0001'),
    'Rock &amp; &lt;Roll&gt; &quot;quoted&quot; &apos;single&apos;'
  )
  const municipalities: MapMunicipality[] = [
    { code: '0138', name: 'Tyresö <b>&', status: 'declined', first_year: null }
  ]
  const geometry = {
    width: 100,
    height: 200,
    municipalities: [{ code: '0138', bbox: [0, 0, 10, 10], d: 'M0 0l10 0 0 10z' }]
  }
  const out = uptakeMapSvg({
    geometry,
    municipalities,
    heading: { case_number: '18/00295', title: '</text><script>alert(1)</script>', as_of: '2019-11-30' },
    colourBy: 'status',
    years: [2020]
  })
  t.notMatch(out, /<script|<b>/)
  t.match(out, /&lt;\/text&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;/)
  t.match(out, /<title>Tyresö &lt;b&gt;&amp;: avslagit<\/title>/)
})

t.test('the legend counts every municipality once, and a long title wraps at spaces', async t => {
  const m = (code: string, status: MapMunicipality['status'], first_year: number | null = null): MapMunicipality => ({
    code,
    name: code,
    status,
    first_year
  })
  const all = [
    m('0114', 'adopted', 2020),
    m('0115', 'adopted', 2021),
    m('0117', 'adopted', 2021),
    m('0120', 'declined'),
    m('0123', 'no_answer')
  ]
  const byStatus = legendOf(all, 'status', [2020, 2021])
  t.same(
    byStatus.entries.map(e => [e.key, e.count]),
    [
      ['adopted', 3],
      ['declined', 1],
      ['no_answer', 1]
    ]
  )
  const byYear = legendOf(all, 'first_year', [2020, 2021])
  t.same(
    byYear.entries.map(e => [e.key, e.colour, e.count]),
    [
      ['adopted-2020', COLOURS.adopted, 1],
      ['adopted-2021', '#95CBEE', 2],
      ['declined', COLOURS.declined, 1],
      ['no_answer', COLOURS.no_answer, 1]
    ]
  )
  t.same(wrap('18/00295 Rekommendation om gemensam finansiering', 20), [
    '18/00295',
    'Rekommendation om',
    'gemensam',
    'finansiering'
  ])
})

t.test(
  'in Chromium the map draws 290 shapes, Tyresö in the adopted blue, and the legend with its counts',
  { skip: noBrowser },
  async t => {
    // Chromium loads the map over HTTP as a client would: the content type, the CSP header and the XML parser all take
    // part.
    const address = await app.listen({ host: '127.0.0.1', port: 0 })
    const launched = performance.now()
    const browser = await chromium.launch(chromiumOptions())
    t.teardown(() => browser.close())
    const started = performance.now()
    const [, width, height] = /viewBox="0 0 (\d+) (\d+)"/.exec(svg)!.map(Number)
    const scale = 2 // Tyresö is about 10 by 7 units: doubled, its inside is many pixels wide
    const page = await browser.newPage({
      viewport: { width: width!, height: height! },
      deviceScaleFactor: scale,
      extraHTTPHeaders: reader
    })
    const loaded = await page.goto(`${address}${mapUrl}?as_of=2019-11-30`)
    t.equal(loaded?.headers()['content-type'], 'image/svg+xml; charset=utf-8')

    const seen = await page.evaluate(() => {
      const shapes = [...document.querySelectorAll<SVGPathElement>('[data-status]')]
      const tyreso = document.getElementById('m-0138') as unknown as SVGPathElement
      // A point well inside Tyresö (1 unit from the outline in every direction), nearest its box's centre, in screen
      // pixels.
      const box = tyreso.getBBox()
      const inside = (x: number, y: number) => tyreso.isPointInFill(new DOMPoint(x, y))
      let best: { x: number; y: number; distance: number } | undefined
      for (let i = 0; i <= 40; i++) {
        for (let j = 0; j <= 40; j++) {
          const x = box.x + (box.width * i) / 40
          const y = box.y + (box.height * j) / 40
          if (
            ![
              [0, 0],
              [1, 0],
              [-1, 0],
              [0, 1],
              [0, -1]
            ].every(([dx, dy]) => inside(x + dx!, y + dy!))
          )
            continue
          const distance = Math.hypot(x - box.x - box.width / 2, y - box.y - box.height / 2)
          if (best === undefined || distance < best.distance) best = { x, y, distance }
        }
      }
      const point =
        best === undefined ? undefined : new DOMPoint(best.x, best.y).matrixTransform(tyreso.getScreenCTM()!)
      return {
        documentType: document.documentElement.namespaceURI,
        shapes: shapes.length,
        drawn: shapes.filter(s => {
          const b = s.getBBox()
          return b.width > 0 && b.height > 0
        }).length,
        tyresoFill: getComputedStyle(tyreso).fill,
        legend: [...document.querySelectorAll('#legend text')].map(text => text.textContent),
        legendWidth: (document.querySelector('#legend text') as SVGTextElement).getComputedTextLength(),
        point: point === undefined ? undefined : { x: point.x, y: point.y }
      }
    })
    t.equal(seen.documentType, 'http://www.w3.org/2000/svg', 'parsed as an SVG document, so it is well-formed XML')
    t.equal(seen.shapes, 290)
    t.equal(seen.drawn, 290, 'every shape has an area on screen')
    t.equal(seen.tyresoFill, 'rgb(0, 114, 178)')
    t.same(seen.legend, [
      '290 kommuner',
      'Antagit: 260 (89,7\u00a0%)',
      'Avslagit: 21 (7,2\u00a0%)',
      'Ej svarat: 9 (3,1\u00a0%)'
    ])
    t.ok(seen.legendWidth > 0, "the legend's text is laid out with a font")
    if (seen.point === undefined) throw new Error('no point well inside Tyresö was found')

    const screenshot = await page.screenshot({ type: 'png' })
    const rendered = performance.now()
    const path = new URL('../.tap/uptake-map.png', import.meta.url)
    await mkdir(new URL('.', path), { recursive: true })
    await writeFile(path, screenshot)
    t.comment(
      `Chromium: launch ${Math.round(started - launched)} ms, load, inspect and screenshot ${Math.round(rendered - started)} ms; screenshot in ${path.pathname}`
    )

    // The pixel, read back on a canvas from the PNG Chromium made: the blue is really painted where Tyresö lies.
    const decoder = await browser.newPage()
    const pixel = await decoder.evaluate(
      async ({ png, x, y }) => {
        const image = new Image()
        image.src = `data:image/png;base64,${png}`
        await image.decode()
        const canvas = document.createElement('canvas')
        canvas.width = image.width
        canvas.height = image.height
        const context = canvas.getContext('2d')!
        context.drawImage(image, 0, 0)
        return [...context.getImageData(x, y, 1, 1).data]
      },
      { png: screenshot.toString('base64'), x: Math.round(seen.point.x * scale), y: Math.round(seen.point.y * scale) }
    )
    const [r, g, b] = pixel
    t.ok(
      Math.abs(r! - 0x00) <= 2 && Math.abs(g! - 0x72) <= 2 && Math.abs(b! - 0xb2) <= 2,
      `the pixel inside Tyresö is the adopted blue #0072B2, got rgb(${pixel.slice(0, 3).join(', ')})`
    )
  }
)
