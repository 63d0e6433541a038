// Drives Debian's chromium (no browser download: playwright-core with
// executablePath) through the live dashboard of a running `churnml serve`,
// for tests/e2e/dashboard_e2e_test.sh:
//   node dashboard_check.mjs URL KEY SCREENSHOT SWAP_COMMAND...
// 1. checks that a browser without credentials is asked for HTTP Basic
//    credentials (401, WWW-Authenticate: Basic), then opens URL/dashboard
//    as a person would: the browser answers the challenge with
//    httpCredentials (any user name, the API key as password) and sends
//    them on the page's own requests, the event stream included;
// 2. sends /predict traffic and waits until the figures show it (request
//    count, rate, latency, rate chart points, the shadow comparison);
// 3. runs SWAP_COMMAND (moves the model alias) while sending traffic and
//    waits until the page shows the new version, then checks the figures
//    still move;
// 4. saves a screenshot; fails on any console error, page error, failed
//    request, error response or request to another origin.
// Prints one line per check; exit status 1 when any failed.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';

const [url, key, screenshot, ...swap] = process.argv.slice(2);
if (!url || !key || !screenshot || swap.length === 0) {
  console.error('usage: node dashboard_check.mjs URL KEY SCREENSHOT SWAP_COMMAND...');
  process.exit(2);
}
const origin = new URL(url).origin;
const customer = {
  customerID: '7590-VHVEG', gender: 'Female', SeniorCitizen: 0, Partner: 'Yes', Dependents: 'No',
  tenure: 1, PhoneService: 'No', MultipleLines: 'No phone service', InternetService: 'DSL',
  OnlineSecurity: 'No', OnlineBackup: 'Yes', DeviceProtection: 'No', TechSupport: 'No',
  StreamingTV: 'No', StreamingMovies: 'No', Contract: 'Month-to-month', PaperlessBilling: 'Yes',
  PaymentMethod: 'Electronic check', MonthlyCharges: 29.85, TotalCharges: '29.85',
};

let failures = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok' : 'FAIL'}: ${what}`);
  if (!ok) failures += 1;
};

// Polls `condition` (async, reading the page through Playwright's own
// world: page.waitForFunction would evaluate a string in the page, which the
// page's policy rightly refuses) every 200 ms until it is true or `ms` pass.
async function until(condition, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return condition();
}

const problems = [];
let trafficOn = false;
let trafficSent = 0;
let trafficFailed = 0;
async function traffic() {
  while (trafficOn) {
    const batch = Array.from({ length: 4 }, () =>
      fetch(`${url}/predict`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(customer),
      }).then((r) => { trafficSent += 1; if (r.status !== 200) trafficFailed += 1; return r.arrayBuffer(); })
        .catch(() => { trafficFailed += 1; }));
    await Promise.all(batch);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  // No credentials: the page is refused with a Basic challenge (the
  // browser's sign-in prompt), never served. The browser itself, challenged
  // with nothing to answer, gives up the navigation.
  const anonymous = await browser.newContext();
  const refused = await anonymous.request.get(`${url}/dashboard`);
  const challenge = refused.headers()['www-authenticate'] || '';
  check(refused.status() === 401 && challenge.startsWith('Basic realm="churnml"'),
    `without credentials /dashboard is 401 with a Basic challenge (${refused.status()}, ${challenge})`);
  const navigation = await (await anonymous.newPage()).goto(`${url}/dashboard`)
    .then((r) => `loaded with ${r.status()}`, (e) => e.message);
  check(navigation.includes('ERR_INVALID_AUTH_CREDENTIALS'),
    `a browser without credentials is challenged and shown no page (${navigation.split('\n')[0]})`);
  await anonymous.close();

  const context = await browser.newContext({
    httpCredentials: { username: 'retention-agent', password: key },
    viewport: { width: 1280, height: 1100 },
  });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // The event stream is cut when the page closes at the end; anything else counts.
    problems.push(`request failed: ${r.url()} ${r.failure() ? r.failure().errorText : ''}`);
  });
  page.on('request', (r) => {
    if (new URL(r.url()).origin !== origin) problems.push(`external request: ${r.url()}`);
  });
  // The browser answers the Basic challenges itself (the page never sees
  // those 401s): any error response here is a failure.
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });

  const response = await page.goto(`${url}/dashboard`, { waitUntil: 'load' });
  check(response.status() === 200, `GET /dashboard is 200 (got ${response.status()})`);
  const csp = response.headers()['content-security-policy'];
  check(csp === "default-src 'self'", `page policy is default-src 'self' (got ${csp})`);
  const total = async () => Number(await page.textContent('#requests-total')) || 0;
  const updates = async () => Number(await page.getAttribute('body', 'data-updates'));
  const version = async () => page.getAttribute('body', 'data-model-version');
  const live = await until(async () => (await updates()) >= 1 &&
    (await page.textContent('#connection')) === 'live', 20000);
  check(live, 'the page received a snapshot and the stream is live (Basic credentials on EventSource)');
  const before = await total();
  const versionBefore = await version();

  // --- traffic shows up in the figures ---
  trafficOn = true;
  const sender = traffic();
  await until(async () => (await total()) >= before + 100, 30000);
  const during = await total();
  check(during >= before + 100, `request count rises with traffic (${before} -> ${during})`);
  await until(async () => Number(await page.textContent('#rate')) > 0 &&
    Number(await page.getAttribute('#chart-rate path.line', 'data-points')) >= 2, 15000);
  const rate = await page.textContent('#rate');
  check(Number(rate) > 0, `request rate shown (${rate}/s)`);
  const latency = await page.textContent('#latency');
  check(/^\d/.test(latency), `latency percentiles shown (${latency} ms)`);
  const points = Number(await page.getAttribute('#chart-rate path.line', 'data-points'));
  check(points >= 2, `rate chart has points (${points})`);
  // The server runs a shadow model: its panel shows the comparison.
  const shadowShown = await until(async () => (await page.isVisible('#shadow')) &&
    /class agreement\s*\d/.test(await page.textContent('#shadow')), 15000);
  check(shadowShown, `shadow panel shows the comparison (${(await page.textContent('#shadow-panel')).replace(/\s+/g, ' ').slice(0, 200)})`);

  // --- a hot swap: the page follows the new version and keeps updating ---
  execFileSync(swap[0], swap.slice(1), { stdio: 'inherit' });
  await until(async () => { const v = await version(); return Boolean(v) && v !== versionBefore; }, 30000);
  const versionAfter = await version();
  check(versionAfter !== versionBefore, `model version on the page follows the swap (${versionBefore} -> ${versionAfter})`);
  const afterSwap = await total();
  const updatesAfterSwap = await updates();
  await until(async () => (await total()) >= afterSwap + 50 && (await updates()) >= updatesAfterSwap + 2, 30000);
  const end = await total();
  check(end >= afterSwap + 50, `request count still rises after the swap (${afterSwap} -> ${end})`);
  check(await updates() >= updatesAfterSwap + 2, 'snapshots still arrive after the swap');
  const modelText = await page.textContent('#model');
  check(modelText.includes(`version ${versionAfter}`), `header names the new version (${modelText})`);
  trafficOn = false;
  await sender;
  check(trafficFailed === 0, `every /predict answered 200 (${trafficSent} sent, ${trafficFailed} failed)`);

  await page.screenshot({ path: screenshot, fullPage: true });
  check(true, `screenshot ${screenshot}`);
  check(problems.length === 0, `no console errors, failed, external or error requests${problems.length ? ': ' + problems.join('; ') : ''}`);
  await context.close();
} catch (error) {
  check(false, `browser run: ${error.message}`);
} finally {
  trafficOn = false;
  await browser.close();
}
process.exit(failures === 0 ? 0 : 1);
