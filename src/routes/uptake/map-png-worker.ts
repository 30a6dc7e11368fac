/**
 * The body of map-png.ts's worker thread: resvg, compiled to WebAssembly, draws the map's SVG as a PNG. The whole
 * country at twice its size takes a few hundred milliseconds, which on the main thread would hold up every other
 * request meanwhile.
 */
import { readFileSync } from 'node:fs'
import { initWasm, Resvg } from '@resvg/resvg-wasm'

/** The fonts the project ships (assets/fonts), the same path from src/ and from dist/. */
const FONTS = new URL('../../../assets/fonts/', import.meta.url)
const fontBuffers = ['LiberationSans-Regular.ttf', 'LiberationSans-Bold.ttf'].map(name =>
  readFileSync(new URL(name, FONTS))
)

// Once per thread, not per render (initWasm refuses a second call anyway).
await initWasm(readFileSync(new URL(import.meta.resolve('@resvg/resvg-wasm/index_bg.wasm'))))

export interface RenderTask {
  svg: string
  /** Pixels per SVG unit. */
  zoom: number
}

export default function render({ svg, zoom }: RenderTask): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: zoom },
    // Only the shipped fonts, never the machine's: the picture is the same on every install and in the image.
    font: {
      fontBuffers,
      loadSystemFonts: false,
      defaultFontFamily: 'Liberation Sans',
      sansSerifFamily: 'Liberation Sans'
    }
  })
  try {
    const image = resvg.render()
    try {
      return image.asPng()
    } finally {
      image.free()
    }
  } finally {
    // WebAssembly memory is not collected with the JavaScript objects: each render frees its own.
    resvg.free()
  }
}
