// The system Chromium (Debian's `chromium` package; tools/setup/install-chromium.sh installs it, and
// .ci/run calls that) driven by playwright-core, which downloads no browser of its own.
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH || CANDIDATES.find((p) => existsSync(p));
  if (!path || !existsSync(path))
    throw new Error(
      "No Chromium found for the browser tests: run tools/setup/install-chromium.sh (Debian's chromium package) or set CHROMIUM_PATH",
    );
  return path;
}

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Containers often run as root without a user namespace for Chromium's sandbox.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
