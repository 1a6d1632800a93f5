// Debian's chromium driven by playwright-core: the launch (no browser is ever downloaded), one
// context per officer with a CDP virtual authenticator, the guards every page runs under (no
// request to another origin, no page error, no console error such as a CSP violation), the
// axe-core check and the screenshots.

import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

/** Where the run's screenshots go (gitignored). */
export const SCREENSHOTS = join(here, "..", "screenshots");

/** Bounds every Playwright wait (a click, a navigation, an expected element). */
export const WAIT_MS = 20_000;

/** The flags of the probe that works on this kind of machine: headless without a display or
 * a sandbox, and quiet (without the background-networking flags Chromium floods the network). */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches `/usr/bin/chromium` (or $CHROMIUM). Playwright gives it a fresh, temporary
 * user-data-dir, removed at close. */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
    timeout: 60_000,
  });
}

/**
 * A fresh context for one officer on the desk at `origin`, and its page, with:
 * - `problems`: every request to another origin, every page error and every console error
 *   seen so far (the tests assert it stays empty);
 * - a virtual authenticator (CTAP2, resident keys, user verification) if `authenticator`.
 */
export async function officerContext(browser, origin, { javaScriptEnabled = true, authenticator = true } = {}) {
  const context = await browser.newContext({
    baseURL: origin,
    javaScriptEnabled,
    viewport: { width: 1100, height: 760 },
  });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  const page = await context.newPage();
  const problems = guard(page, origin);
  let authenticatorId = null;
  if (authenticator) {
    // Added before any ceremony: without one, navigator.credentials.create() never settles.
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    ({ authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    }));
    page.credentials = async () => (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials;
  }
  return { context, page, problems };
}

/** Records on `page` what must never happen: a request to another origin than `origin`
 * (data: URLs are not requests), an uncaught error, a console error (a CSP violation is
 * one), a stylesheet, script, image or font that fails to load. Pages and the ceremonies'
 * JSON calls may answer 4xx: the tests check those statuses themselves, so Chromium's
 * "Failed to load resource" console line about them is not counted twice. */
export function guard(page, origin) {
  const problems = [];
  page.on("request", (r) => {
    const url = r.url();
    if (url.startsWith("data:")) return;
    if (new URL(url).origin !== origin) problems.push(`request to another origin: ${r.method()} ${url}`);
  });
  page.on("response", (r) => {
    const kind = r.request().resourceType();
    if (r.status() >= 400 && !["document", "fetch"].includes(kind)) problems.push(`${kind} ${r.url()} answered ${r.status()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) return;
    problems.push(`console error on ${page.url()}: ${m.text()}`);
  });
  return problems;
}

const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** WCAG 2.0, 2.1 and 2.2 at levels A and AA. */
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/**
 * Runs axe-core on the page as it is and returns its violations, one line each. axe is
 * evaluated through the DevTools protocol, which the page's CSP (no inline script) does not
 * govern, so the page is checked under its real policy.
 */
export async function axe(page) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) {
    await page.evaluate(AXE);
  }
  const violations = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary}`) }))),
    AXE_TAGS,
  );
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join("\n    ")}`);
}

/** A full-page screenshot, `e2e/screenshots/NAME.png`. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
