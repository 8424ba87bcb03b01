// The dashboard: a front end like any other over the hub's public GraphQL API.
//
//   session.js  the caller's token and purpose (sessionStorage, or a #token=… link)
//   api.js      the only network code: POST /graphql with those two headers
//   panel.js    a section fed by one request, which says what a role may not see
//   panels/     case load, services per round, registry freshness, ESF+ indicators
//   counts.js   suppressed count tables (CountTable) and their charts (chart.js)
//   i18n.js     Italian and English labels
//
// Nothing here is privileged: the page holds no secret, and every number it shows is
// one the caller's token may read from /graphql. What the token may not read, the
// panel says so.
import './dashboard.css';
import { h } from './dom.js';
import { language, languages, setLanguage, t } from './i18n.js';
import { Panel } from './panel.js';
import { caseLoadPanel } from './panels/caseload.js';
import { esfPanel } from './panels/esf.js';
import { registryPanel } from './panels/registry.js';
import { servicesPanel } from './panels/services.js';
import { clearSession, purposes, readSession, saveSession } from './session.js';

const $ = (id) => document.getElementById(id);

const app = {
  session: null,
  panels: [],
  problem: null,

  // refused: the hub turned the token or the purpose away; back to the sign-in form.
  refused(err) {
    this.problem = err.kind === 'purpose' ? t('signin.purposeRefused', { reason: err.message }) : t('signin.refused', { reason: err.message });
    this.signOut();
  },

  signIn(session) {
    saveSession(session);
    this.session = readSession();
    this.problem = null;
    this.show();
    for (const p of this.panels) p.refresh();
  },

  signOut() {
    clearSession();
    this.session = null;
    // Forget what the last token could read, down to the rounds it listed.
    for (const p of this.panels) p.reset();
    this.show();
    $('token').focus();
  },

  show() {
    const signedIn = Boolean(this.session);
    $('sign-in').hidden = signedIn;
    $('panels').hidden = !signedIn;
    $('sign-out').hidden = !signedIn;
    $('reload').hidden = !signedIn;
    $('who').hidden = !signedIn;
    $('who').textContent = signedIn ? t('session.as', { purpose: this.session.purpose || t('session.noPurpose') }) : '';
    $('sign-in-problem').hidden = !this.problem;
    $('sign-in-problem').textContent = this.problem ?? '';
    if (signedIn) $('purpose').value = this.session.purpose;
  },

  // translate fills every data-i18n element and redraws the panels in the language.
  translate() {
    document.documentElement.lang = language();
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    const purpose = $('purpose');
    const chosen = purpose.value;
    purpose.replaceChildren(h('option', { value: '' }, t('signin.purposeDefault')), ...purposes.map((p) => h('option', { value: p }, p)));
    purpose.value = chosen;
    this.show();
    for (const p of this.panels) if (p.status !== 'idle') p.redraw();
  },
};

function boot() {
  const lang = $('lang');
  lang.replaceChildren(...Object.entries(languages).map(([code, name]) => h('option', { value: code, lang: code }, name)));
  lang.value = language();
  lang.addEventListener('change', () => {
    setLanguage(lang.value);
    app.translate();
  });

  app.panels = [caseLoadPanel, servicesPanel, registryPanel, esfPanel].map((spec) => new Panel(spec, app));
  $('panels').replaceChildren(...app.panels.map((p) => p.element));

  $('sign-in-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const form = new FormData(e.target);
    const token = String(form.get('token') ?? '').trim();
    if (!token) return;
    e.target.reset();
    app.signIn({ token, purpose: String(form.get('purpose') ?? '') });
  });
  $('sign-out').addEventListener('click', () => app.signOut());
  $('reload').addEventListener('click', () => {
    for (const p of app.panels) p.refresh();
  });

  app.session = readSession();
  app.translate();
  if (app.session) for (const p of app.panels) p.refresh();
}

boot();
