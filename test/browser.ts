import { existsSync } from 'node:fs'

// Chromium as Debian ships it. CI must have it; a developer without it sees the browser tests skipped.
const CHROMIUM = '/usr/bin/chromium'
const INSTALL = 'apt-get update && apt-get install -y chromium'

/** The skip reason of a browser test where Chromium is missing outside CI; false where it must run. */
export const noBrowser = !existsSync(CHROMIUM) && !process.env.CI ? `no Chromium at ${CHROMIUM} (${INSTALL})` : false

/** Playwright's launch options for the machine's Chromium, headless and quiet (no updates, sync or QUIC). */
export function chromiumOptions() {
  if (!existsSync(CHROMIUM))
    throw new Error(`CI must run the browser tests, but there is no Chromium at ${CHROMIUM}: ${INSTALL}`)
  return {
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync'
    ]
  }
}
