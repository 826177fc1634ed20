/** Debian's headless Chromium (installed by tools/local-services.ts if missing), never a downloaded browser. */
import { chromium, type Browser } from 'playwright-core';
import { ensureChromium } from '../../tools/local-services';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: ensureChromium(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
