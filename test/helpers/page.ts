/**
 * Drives the export's page in a real headless Chromium (Debian's chromium
 * package, through playwright-core: no browser download): opens it from
 * dresnet serve's server, feeds image files through the page's own file
 * input, and reads back what the page shows and keeps in window.dresnet.
 */
import * as fs from 'node:fs';
import * as assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { chromium, Browser, Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** The Chromium binary, or a skip (a failure under CI=true, where .ci/run installs it). */
export function chromiumOrSkip(t: TestContext): string | undefined {
  if (fs.existsSync(CHROMIUM)) return CHROMIUM;
  if (process.env.CI === 'true') assert.fail(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM); CI requires it`);
  t.skip(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
  return undefined;
}

export interface PageResult {
  file: string;
  probs: number[];
  abnormal: number | null;
  ms: number;
}

export interface PageRun {
  /** The backend the page picked (or was asked for and got). */
  backend: string;
  results: PageResult[];
  errors: string[];
}

export function launchChromium(executablePath: string): Promise<Browser> {
  // --no-sandbox: CI and these machines run as root. SwiftShader gives headless Chromium a WebGL without a GPU.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--use-angle=swiftshader'] });
}

/** Opens the page (optionally asking for a backend), classifies the files through its file input, returns what it computed. */
export async function classifyInPage(browser: Browser, url: string, files: readonly string[], opts: { backend?: string; screenshot?: string; timeoutMs?: number } = {}): Promise<PageRun> {
  const page: Page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  try {
    const timeout = opts.timeoutMs ?? 120_000;
    await page.goto(opts.backend ? `${url}?backend=${opts.backend}` : url);
    await page.waitForFunction(() => {
      const s = (globalThis as unknown as { dresnet?: { ready: boolean; errors: string[] } }).dresnet;
      return s !== undefined && (s.ready || s.errors.length > 0);
    }, undefined, { timeout });
    const early = await page.evaluate(() => (globalThis as unknown as { dresnet: { errors: string[] } }).dresnet.errors);
    if (early.length > 0) throw new Error(`page failed to load: ${early.join('; ')}`);
    await page.setInputFiles('#file', [...files]);
    await page.waitForFunction((n) => {
      const s = (globalThis as unknown as { dresnet: { results: unknown[]; errors: string[] } }).dresnet;
      return s.results.length + s.errors.length >= n;
    }, files.length, { timeout });
    if (opts.screenshot) await page.screenshot({ path: opts.screenshot, fullPage: true });
    return await page.evaluate(() => {
      const s = (globalThis as unknown as { dresnet: PageRun }).dresnet;
      return { backend: s.backend, results: s.results, errors: s.errors };
    });
  } finally {
    await page.close();
  }
}
