import { fileURLToPath } from 'node:url'
import { Piscina } from 'piscina'
import { problem } from '../../plugins/problems.ts'
import type { RenderTask } from './map-png-worker.ts'

/**
 * Pixels per SVG unit. At its own size the country's map is 465 px wide, its source line 11 px tall and Tyresö 10 × 7
 * px; twice that keeps every label legible on a slide or a high-density screen, for about twice the bytes (250 to 400
 * kB for the country) and render time.
 */
export const PNG_ZOOM = 2

/**
 * Renders waiting for the thread, at most: at about half a second each, the last waits some 8 s. Past it a PNG is a
 * 503 at once, so a burst of uncached maps (many `as_of` dates) cannot pile up work without bound.
 */
export const MAX_QUEUED_RENDERS = 16

// From src/ (`npm start`, the tests) the worker is the .ts file itself, whose types Node strips; from dist/ (the
// image) it is the .js that tsc wrote beside this module.
const WORKER = fileURLToPath(
  new URL(`./map-png-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)
)

/**
 * Draws the map's SVG as a PNG in a worker thread (map-png-worker.ts), so the event loop goes on serving meanwhile.
 * One thread: a render uses a core fully and the read cache keeps each PNG until the data changes, so more threads
 * would only take the cores the requests need. It starts with the first PNG asked for (most instances never draw one)
 * and ends after a minute without one, giving back the WebAssembly module's memory.
 */
export function pngRenderer() {
  let pool: Piscina<RenderTask, Uint8Array> | undefined
  return {
    async render(svg: string): Promise<Buffer> {
      pool ??= new Piscina({ filename: WORKER, minThreads: 0, maxThreads: 1, idleTimeout: 60_000 })
      if (pool.queueSize >= MAX_QUEUED_RENDERS)
        throw problem(503, 'Too many maps are being drawn as PNG right now; try again in a few seconds.', {
          headers: { 'retry-after': '5' }
        })
      const png = await pool.run({ svg, zoom: PNG_ZOOM })
      return Buffer.from(png.buffer, png.byteOffset, png.byteLength)
    },
    async close() {
      await pool?.destroy()
    }
  }
}
