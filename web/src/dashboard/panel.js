// A panel: one section of the dashboard, fed by one GraphQL request. It loads its data,
// then draws it; switching language redraws from the data already loaded. A request the
// role may not make shows what the role may not see, in place of the panel's content.
import { ApiError } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

export class Panel {
  // spec: { id, title, intro, forbidden (label keys), load(session, panel), render(data, panel) }
  constructor(spec, app) {
    this.spec = spec;
    this.app = app;
    this.charts = [];
    this.heading = h('h2', { id: `${spec.id}-title` });
    this.intro = h('p', { class: 'intro' });
    // Not a live region: a screen reader would read out every table on each reload.
    // Errors announce themselves (role="alert"); aria-busy marks a reload.
    this.body = h('div', { class: 'panel-body' });
    this.element = h(
      'section',
      { class: 'panel', id: spec.id, 'aria-labelledby': `${spec.id}-title`, dataset: { panel: spec.id } },
      this.heading,
      this.intro,
      this.body,
    );
    this.reset();
  }

  // reset forgets the data, the state of the panel's controls and any error.
  reset() {
    this.generation = (this.generation ?? 0) + 1; // answers still on their way are dropped
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
    this.state = structuredClone(this.spec.initialState ?? {});
    this.status = 'idle';
    this.data = null;
    this.error = null;
    this.body.replaceChildren();
    this.element.dataset.status = this.status;
  }

  async refresh() {
    const session = this.app.session;
    if (!session) return;
    const focused = this.focusedId();
    const generation = ++this.generation;
    this.status = 'loading';
    if (this.data) {
      // Asking again (another round, another date): the current content stays, marked
      // busy, so that the control in use keeps the keyboard focus.
      this.element.dataset.status = this.status;
      this.body.setAttribute('aria-busy', 'true');
    } else {
      this.redraw();
    }
    try {
      const data = await this.spec.load(session, this);
      if (generation !== this.generation) return; // signed out, or asked again since
      this.data = data;
      this.status = 'ready';
      this.error = null;
    } catch (err) {
      if (generation !== this.generation) return;
      this.data = null;
      this.error = err instanceof ApiError ? err : new ApiError('error', String(err?.message ?? err));
      this.status = this.error.kind;
      if (this.error.kind === 'unauthenticated' || this.error.kind === 'purpose') {
        this.app.refused(this.error);
        return;
      }
    }
    this.redraw(focused);
  }

  // focusedId is the id of the panel's control that has the keyboard focus, if any.
  focusedId() {
    return this.element.contains(document.activeElement) ? document.activeElement.id : null;
  }

  // redraw renders the panel from its state; the control that had the keyboard focus (a
  // select, a date field) has it again.
  redraw(focused = this.focusedId()) {
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
    this.heading.textContent = t(this.spec.title);
    this.intro.textContent = t(this.spec.intro);
    this.body.setAttribute('aria-busy', String(this.status === 'loading'));
    this.element.dataset.status = this.status;
    this.body.replaceChildren(this.content());
    if (focused) document.getElementById(focused)?.focus();
  }

  content() {
    switch (this.status) {
      case 'ready':
        return this.spec.render(this.data, this);
      case 'loading':
        return h('p', { class: 'state' }, t('state.loading'));
      case 'forbidden':
        return h(
          'div',
          { class: 'state forbidden', role: 'note' },
          h('p', {}, h('strong', {}, t('state.forbidden', { what: t(this.spec.forbidden) }))),
          h('p', { class: 'detail' }, t('state.detail', { message: this.error.message })),
        );
      case 'unreachable':
        return h('p', { class: 'state error', role: 'alert' }, t('state.unreachable', { reason: this.error.message }));
      case 'error':
        return h('p', { class: 'state error', role: 'alert' }, t('state.error', { reason: this.error.message }));
      default:
        return h('p', { class: 'state' });
    }
  }
}
