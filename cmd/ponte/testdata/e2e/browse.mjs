// Drives the hub's dashboard and GraphQL IDE in headless Chromium and prints, as one JSON
// object on stdout, what a person would have seen: the tables of each panel, the panels'
// states, the IDE's answer, and every request the pages made. The Go test
// (cmd/ponte/dashboard_e2e_test.go) starts the hub, runs this script and checks the output
// against the API.
//
// Input, as environment variables:
//   PONTE_BASE            the hub's base URL (http://127.0.0.1:PORT)
//   PONTE_DASHBOARD_LINK  the signed-in dashboard link the demo prints (…/dashboard#token=…)
//   PONTE_TOKEN           the demo dashboard's token (purpose statistics), for the IDE
//   PONTE_MONITOR_TOKEN   the ESF+ monitoring officer's token (purpose esf_monitoring)
//   PONTE_CHROMIUM        the browser (default /usr/bin/chromium)
//   PONTE_SCREENSHOTS     a directory for screenshots (none when unset)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const base = process.env.PONTE_BASE;
const token = process.env.PONTE_TOKEN;
const monitorToken = process.env.PONTE_MONITOR_TOKEN;
const shots = process.env.PONTE_SCREENSHOTS || '';
const link = process.env.PONTE_DASHBOARD_LINK || `${base}/dashboard#token=${encodeURIComponent(token)}&purpose=statistics`;
if (!base || !token || !monitorToken) throw new Error('PONTE_BASE, PONTE_TOKEN and PONTE_MONITOR_TOKEN are required');
if (shots) mkdirSync(shots, { recursive: true });

const hubHost = new URL(base).host;
const out = { requests: [], offHost: [], consoleErrors: [], pageErrors: [] };

const browser = await chromium.launch({
  executablePath: process.env.PONTE_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    // Any other host fails at once instead of waiting on a network this machine lacks;
    // the request is still recorded, and fails the test.
    `--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE ${new URL(base).hostname}`,
  ],
});

// watch records every request of a context (its pages and their workers) and the errors
// the pages log, Content-Security-Policy violations included, each with the page's path.
function watch(context) {
  const where = (page) => {
    try {
      return new URL(page.url()).pathname;
    } catch {
      return page.url();
    }
  };
  context.on('request', (req) => {
    const url = req.url();
    const page = req.frame()?.page?.() ? where(req.frame().page()) : '(worker)';
    out.requests.push({ page, url, method: req.method() });
    if (!isHub(url)) out.offHost.push({ page, url });
  });
  context.on('page', (page) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error') out.consoleErrors.push({ page: where(page), text: msg.text(), url: msg.location()?.url ?? '' });
    });
    page.on('pageerror', (err) => out.pageErrors.push({ page: where(page), text: String(err) }));
    page.on('worker', (worker) => out.requests.push({ page: where(page), url: worker.url(), method: 'WORKER' }));
  });
}

function isHub(url) {
  if (url.startsWith('data:') || url.startsWith('blob:') || url === 'about:blank') return true;
  try {
    return new URL(url).host === hubHost;
  } catch {
    return false;
  }
}

// settled waits until no panel is loading.
async function settled(page) {
  await page.waitForFunction(() => {
    const panels = [...document.querySelectorAll('[data-panel]')];
    return panels.length > 0 && panels.every((p) => p.dataset.status && !['idle', 'loading'].includes(p.dataset.status));
  });
}

// readDashboard returns each panel's state and each table as the page shows it: per row
// its key and cells, a cell's shown text and what its markup says it holds.
function readDashboard(page) {
  return page.evaluate(() => {
    const panels = {};
    for (const p of document.querySelectorAll('[data-panel]')) {
      panels[p.dataset.panel] = {
        status: p.dataset.status,
        heading: p.querySelector('h2')?.textContent ?? '',
        text: p.querySelector('.panel-body')?.innerText ?? '',
      };
    }
    const tables = {};
    for (const table of document.querySelectorAll('table[data-table]')) {
      tables[table.dataset.table] = {
        caption: table.caption?.textContent ?? '',
        columns: [...table.querySelectorAll('thead th')].map((th) => th.textContent),
        rows: [...table.querySelectorAll('tbody tr, tfoot tr')].map((tr) => ({
          key: tr.dataset.key ?? '',
          header: tr.querySelector('th')?.textContent ?? '',
          cells: [...tr.querySelectorAll('td')].map((td) => ({
            text: (td.querySelector('.shown') ?? td).textContent.trim(),
            spoken: td.textContent.trim(),
            value: td.dataset.value === undefined ? null : Number(td.dataset.value),
            suppressed: td.dataset.suppressed === 'true',
          })),
        })),
      };
    }
    const completeness = document.querySelector('.completeness');
    return {
      lang: document.documentElement.lang,
      hash: window.location.hash,
      storedToken: Boolean(sessionStorage.getItem('ponte.dashboard.token')),
      tokenInLocalStorage: Object.values(localStorage).some((v) => v.startsWith('eyJ')),
      panels,
      tables,
      completeness: completeness ? { complete: Number(completeness.dataset.complete), incomplete: Number(completeness.dataset.incomplete) } : null,
      roundOptions: [...document.querySelectorAll('#services-round option')].map((o) => o.value),
      esfCutoff: document.getElementById('esf-cutoff')?.value ?? '',
      signInVisible: !document.getElementById('sign-in').hidden,
    };
  });
}

// The IDE's editors (Monaco) draw their text as lines; the headers editor is the one
// of the two tools not hidden.
const queryEditor = '.graphiql-query-editor .view-lines';
const headersEditor = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .view-lines';

// typeInto replaces an editor's text, as typed from the keyboard.
async function typeInto(page, editor, text) {
  await page.locator(editor).first().click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

async function shot(page, name, fullPage = true) {
  if (shots) await page.screenshot({ path: join(shots, name), fullPage });
}

// One browser context, as one person's browser; every page of it is watched.
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
watch(context);

// The dashboard with the demo dashboard's token, from the link the demo prints.
const page = await context.newPage();
await page.goto(link);
await settled(page);
out.dashboard = await readDashboard(page);
await shot(page, 'dashboard.png');

// Keyboard: the first Tab reaches the skip link, which moves focus to the content; the
// round is chosen with the arrow keys and the panel loads the other round, keeping focus.
await page.keyboard.press('Tab');
out.dashboard.firstTab = await page.evaluate(() => document.activeElement?.className ?? '');
await page.keyboard.press('Enter');
out.dashboard.afterSkip = await page.evaluate(() => document.activeElement?.id ?? '');
await page.focus('#services-round');
await page.keyboard.press('ArrowDown');
await page.waitForFunction(
  () => document.getElementById('services')?.dataset.status === 'ready' && document.getElementById('services-round')?.selectedIndex === 1,
);
out.dashboard.secondRound = await readDashboard(page);
out.dashboard.focusAfterReload = await page.evaluate(() => document.activeElement?.id ?? '');

// The language switch relabels the page without asking the hub again.
const before = out.requests.length;
await page.selectOption('#lang', 'it');
out.dashboard.italian = await readDashboard(page);
out.dashboard.requestsForLanguage = out.requests.length - before;
await page.selectOption('#lang', 'en');

// Signing out forgets the token; signing in with the ESF+ monitoring officer's token
// through the form shows the ESF+ panel too.
await page.click('#sign-out');
out.afterSignOut = await readDashboard(page);
await page.fill('#token', monitorToken);
await page.selectOption('#purpose', 'esf_monitoring');
await page.click('#sign-in-form button[type=submit]');
await settled(page);
out.monitor = await readDashboard(page);
await shot(page, 'dashboard-esf.png');

// A phone, in Italian (for the screenshots only).
if (shots) {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'it-IT', isMobile: true, hasTouch: true });
  watch(phone);
  const p = await phone.newPage();
  await p.goto(link);
  await settled(p);
  out.phone = await p.evaluate(() => ({ lang: document.documentElement.lang, width: document.documentElement.scrollWidth }));
  await shot(p, 'dashboard-phone.png');
  await phone.close();
}

// The IDE: it opens with the example query and the headers template; with the token
// typed into the headers, a query typed in and run shows the hub's answer.
const ide = await context.newPage();
await ide.goto(`${base}/`);
await ide.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('caseLoad'), queryEditor);
await ide.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('Ponte-Purpose'), headersEditor);
out.ide = {
  exampleQuery: await ide.locator(queryEditor).innerText(),
  headers: await ide.locator(headersEditor).innerText(),
};
await typeInto(ide, '.graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor', JSON.stringify({ Authorization: `Bearer ${token}`, 'Ponte-Purpose': 'statistics' }));
await ide.waitForFunction(([sel, tail]) => document.querySelector(sel)?.textContent.includes(tail), [headersEditor, token.slice(-16)]);
await typeInto(ide, '.graphiql-query-editor .monaco-editor', 'query Typed { caseLoad(groupBy: ORGANISATION) { total { value suppressed } } }');
await ide.waitForFunction((sel) => document.querySelector(sel)?.textContent.includes('ORGANISATION'), queryEditor);
out.ide.typed = await ide.locator(queryEditor).innerText();
await ide.click('.graphiql-execute-button');
await ide.waitForFunction(() => /"(data|errors)"/.test(document.querySelector('.graphiql-response .view-lines')?.textContent ?? ''));
out.ide.response = await ide.locator('.graphiql-response .view-lines').innerText();
if (shots) {
  // Laid out for the screenshot: the prettify button formats the query and the headers.
  await ide.getByRole('button', { name: /^Prettify/ }).first().click();
  await ide.waitForFunction((sel) => document.querySelectorAll(`${sel} .view-line`).length > 3, queryEditor);
  await shot(ide, 'ide.png', false);
}
await context.close();

await browser.close();
process.stdout.write(JSON.stringify(out));
