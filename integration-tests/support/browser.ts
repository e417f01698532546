import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { projectRoot } from './broker.js'

/** Debian's chromium, installed by ensure-clients.sh; playwright-core drives it (no browser download). */
export const CHROMIUM = '/usr/bin/chromium'
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
/** Screenshots for people to look at (gitignored). */
export const ARTEFACTS = join(projectRoot, 'test-artefacts')

/** A skip reason when the browser is missing (no root to install it), else false. */
export const noChromium: string | false = existsSync(CHROMIUM) ? false : `chromium is not installed (${CHROMIUM}): run integration-tests/support/ensure-clients.sh as root`

/**
 * Headless Chromium with one page, keeping every console error and uncaught page error: a test
 * ends by asserting there were none. `allow` names browser-made messages a test provokes on
 * purpose (the network error a dropped WebSocket logs), nothing else.
 */
export class BrowserSession {
  readonly consoleErrors: string[] = []
  allow?: RegExp

  private constructor (readonly browser: Browser, readonly context: BrowserContext, readonly page: Page) {
    page.on('console', msg => { if (msg.type() === 'error') this.record(`console: ${msg.text()} (${msg.location().url})`) })
    page.on('pageerror', err => this.record(`page error: ${err.stack ?? err.message}`))
    page.on('requestfailed', req => { if (!req.url().includes('/ws')) this.record(`request failed: ${req.url()} ${req.failure()?.errorText ?? ''}`) })
  }

  static async open (): Promise<BrowserSession> {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true })
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    return new BrowserSession(browser, context, await context.newPage())
  }

  private record (message: string): void {
    if (this.allow?.test(message) === true) return
    this.consoleErrors.push(message)
  }

  /** A PNG of the whole page under test-artefacts/<dir>/<name>.png; returns its path. */
  async screenshot (dir: string, name: string): Promise<string> {
    mkdirSync(join(ARTEFACTS, dir), { recursive: true })
    const path = join(ARTEFACTS, dir, `${name}.png`)
    await this.page.screenshot({ path, fullPage: true })
    return path
  }

  async close (): Promise<void> {
    await this.browser.close()
  }
}
