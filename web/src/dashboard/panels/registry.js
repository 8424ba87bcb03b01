// Registry freshness: registryStatus, one row per source. The hub reads the registries
// into its own database, so a source that stopped answering shows here — as data growing
// old — rather than as slow or failing queries.
import { query, requireFields } from '../api.js';
import { h, tableRegion, uid } from '../dom.js';
import { formatDateTime, formatDuration, formatNumber, label, t } from '../i18n.js';

const registryQuery = `query DashboardRegistries {
  registryStatus {
    source status maxAge breakerState lastSuccessAt recentFailures consecutiveFailures
    queueWaiting queueRunning
    collections { collection lastSuccessAt }
  }
}`;

export const registryPanel = {
  id: 'registry',
  title: 'registry.title',
  intro: 'registry.intro',
  forbidden: 'registry.forbidden',

  async load(session) {
    const data = requireFields(await query(session, registryQuery), 'registryStatus');
    return { sources: data.registryStatus, at: Date.now() };
  },

  render(data) {
    const captionId = uid('caption');
    const rows = data.sources.map((s) => {
      const age = s.lastSuccessAt ? (data.at - Date.parse(s.lastSuccessAt)) / 1000 : null;
      return h(
        'tr',
        { dataset: { key: s.source, status: s.status } },
        h('th', { scope: 'row' }, label('source', s.source), h('div', { class: 'sub-label' }, t('registry.collections', { list: s.collections.map((c) => c.collection).join(', ') }))),
        // The status is spelled out, with a mark beside it: colour is never the only cue.
        h('td', {}, h('span', { class: `badge badge-${s.status.toLowerCase()}` }, h('span', { 'aria-hidden': 'true' }, statusMark[s.status] ?? '•'), ' ', label('health', s.status))),
        h('td', {}, s.lastSuccessAt ? h('time', { datetime: s.lastSuccessAt }, formatDateTime(s.lastSuccessAt)) : t('registry.never')),
        h('td', { class: 'num' }, age === null ? '—' : formatDuration(Math.max(0, age))),
        h('td', { class: 'num' }, formatDuration(s.maxAge)),
        h('td', { class: 'num', dataset: { value: s.recentFailures } }, formatNumber(s.recentFailures)),
        h('td', {}, label('breaker', s.breakerState)),
        h('td', { class: 'num' }, `${formatNumber(s.queueWaiting)} / ${formatNumber(s.queueRunning)}`),
      );
    });
    const table = h(
      'table',
      { class: 'counts', dataset: { table: 'registry' } },
      h('caption', { id: captionId, class: 'sr-only' }, t('registry.title')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['registry.source', 'registry.status', 'registry.lastSuccess', 'registry.age', 'registry.maxAge', 'registry.failures', 'registry.breaker', 'registry.queue'].map((k) =>
            h('th', { scope: 'col' }, t(k)),
          ),
        ),
      ),
      h('tbody', {}, rows),
    );
    return tableRegion(table, captionId);
  },
};

const statusMark = { HEALTHY: '✓', STALE: '!', FAILING: '✕', NEVER_SYNCED: '?' };
