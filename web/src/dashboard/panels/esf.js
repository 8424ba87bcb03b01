// ESF+ indicators: esfReport(cutoff:), the common output and result indicators by
// gender for each programme × priority × specific objective × category of region, with
// the participants left out because their record is incomplete. The values are exact
// counts over every participant — what the Commission receives — so only a role that
// sees every participant may compute them (an ESF+ monitoring officer, esf_monitoring);
// a dashboard token is told so.
import { query, requireFields } from '../api.js';
import { barChart } from '../chart.js';
import { h, tableRegion, uid } from '../dom.js';
import { formatNumber, formatPercent, indicatorName, label, t } from '../i18n.js';

const esfQuery = `query DashboardEsf($cutoff: Date!) {
  esfReport(cutoff: $cutoff) {
    cutoff
    groups {
      programme priority specificObjective categoryOfRegion operations
      values { indicator name women men nonBinary total ofWhichEstimated }
      incomplete { women men nonBinary total missing { field count } }
    }
  }
}`;

// Entity indicators count organisations, not people: they have no gender split.
const entityIndicators = new Set(['EECO18', 'EECO19']);

function today() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function groupName(g) {
  return `${g.programme} · ${g.priority} · ${g.specificObjective} · ${label('region', g.categoryOfRegion)}`;
}

export const esfPanel = {
  id: 'esf',
  title: 'esf.title',
  intro: 'esf.intro',
  forbidden: 'esf.forbidden',
  initialState: { cutoff: today(), group: 0 },

  async load(session, panel) {
    const state = panel.state;
    const data = requireFields(await query(session, esfQuery, { cutoff: state.cutoff }), 'esfReport');
    if (state.group >= data.esfReport.groups.length) state.group = 0;
    return data.esfReport;
  },

  render(report, panel) {
    const form = h(
      'form',
      {
        class: 'controls',
        onsubmit: (e) => {
          e.preventDefault();
          const value = new FormData(e.target).get('cutoff');
          if (value) {
            panel.state.cutoff = value;
            panel.refresh();
          }
        },
      },
      h('label', { for: 'esf-cutoff' }, t('esf.cutoff')),
      h('input', { id: 'esf-cutoff', name: 'cutoff', type: 'date', value: panel.state.cutoff, required: true }),
      h('button', { type: 'submit' }, t('esf.apply')),
    );
    if (!report.groups.length) return h('div', {}, form, h('p', { class: 'state' }, t('esf.noGroups')));

    const picker =
      report.groups.length > 1
        ? h(
            'div',
            { class: 'controls' },
            h('label', { for: 'esf-group' }, t('esf.group')),
            h(
              'select',
              {
                id: 'esf-group',
                onchange: (e) => {
                  panel.state.group = Number(e.target.value);
                  panel.redraw();
                },
              },
              report.groups.map((g, i) => h('option', { value: i, selected: i === panel.state.group }, groupName(g))),
            ),
          )
        : null;
    const group = report.groups[panel.state.group];
    return h('div', {}, form, picker, groupView(group, report.cutoff, panel));
  },
};

function groupView(group, cutoff, panel) {
  const people = group.values.filter((v) => !entityIndicators.has(v.indicator));
  const title = `${t('esf.chartTitle')} — ${groupName(group)} (${cutoff})`;
  const chart = barChart({
    title,
    labels: people.map((v) => v.indicator),
    series: [
      { label: t('esf.women'), values: people.map((v) => v.women) },
      { label: t('esf.men'), values: people.map((v) => v.men) },
      { label: t('esf.nonBinary'), values: people.map((v) => v.nonBinary) },
    ],
    horizontal: true,
    charts: panel.charts,
  });

  const captionId = uid('caption');
  const num = (n, key) => h('td', { class: 'num', dataset: { value: n, key } }, formatNumber(n));
  const na = () => h('td', { class: 'num na' }, h('span', { class: 'shown', 'aria-hidden': 'true' }, '—'), h('span', { class: 'sr-only' }, t('esf.notApplicable')));
  const rows = group.values.map((v) => {
    const entity = entityIndicators.has(v.indicator);
    return h(
      'tr',
      { dataset: { key: v.indicator } },
      h('th', { scope: 'row' }, v.indicator),
      h('td', {}, indicatorName(v.indicator, v.name)),
      entity ? [na(), na(), na()] : [num(v.women, 'women'), num(v.men, 'men'), num(v.nonBinary, 'nonBinary')],
      num(v.total, 'total'),
      num(v.ofWhichEstimated, 'ofWhichEstimated'),
    );
  });
  const table = h(
    'table',
    { class: 'counts', dataset: { table: 'esf' } },
    h('caption', { id: captionId }, `${t('esf.title')} — ${groupName(group)} (${cutoff})`),
    h(
      'thead',
      {},
      h('tr', {}, ['esf.indicator', 'esf.name', 'esf.women', 'esf.men', 'esf.nonBinary', 'esf.total', 'esf.estimated'].map((k, i) => h('th', { scope: 'col', class: i > 1 ? 'num' : null }, t(k)))),
    ),
    h('tbody', {}, rows),
  );

  return h(
    'div',
    {},
    h('p', { class: 'note' }, t('esf.operations', { list: group.operations.join(', ') })),
    h('div', { class: 'grid' }, h('div', { class: 'sub' }, chart), h('div', { class: 'sub' }, completeness(group))),
    tableRegion(table, captionId),
    h('p', { class: 'note' }, t('esf.entityNote')),
  );
}

// completeness: EECO01 counts the participants whose record is complete; the incomplete
// ones are counted apart, by gender and by missing field (one participant may lack more
// than one field).
function completeness(group) {
  const counted = group.values.find((v) => v.indicator === 'EECO01')?.total ?? 0;
  const inc = group.incomplete;
  const all = counted + inc.total;
  const unknown = inc.total - inc.women - inc.men - inc.nonBinary;
  const byGenderId = uid('caption');
  const byFieldId = uid('caption');
  const cell = (n) => h('td', { class: 'num', dataset: { value: n } }, formatNumber(n));
  return h(
    'div',
    { class: 'completeness', dataset: { complete: counted, incomplete: inc.total } },
    h('h3', {}, t('esf.completeness')),
    h('p', {}, h('strong', {}, t('esf.completeShare', { complete: formatNumber(counted), all: formatNumber(all), percent: all ? formatPercent(counted / all) : '—' }))),
    h('p', { class: 'note' }, t('esf.incompleteIntro')),
    tableRegion(
      h(
        'table',
        { class: 'counts', dataset: { table: 'esf-incomplete' } },
        h('caption', { id: byGenderId }, t('esf.incompleteByGender')),
        h('thead', {}, h('tr', {}, [t('esf.women'), t('esf.men'), t('esf.nonBinary'), t('esf.unknownGender'), t('esf.total')].map((c) => h('th', { scope: 'col', class: 'num' }, c)))),
        h('tbody', {}, h('tr', {}, cell(inc.women), cell(inc.men), cell(inc.nonBinary), cell(unknown), cell(inc.total))),
      ),
      byGenderId,
    ),
    tableRegion(
      h(
        'table',
        { class: 'counts', dataset: { table: 'esf-missing' } },
        h('caption', { id: byFieldId }, t('esf.missingByField')),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('esf.field')), h('th', { scope: 'col', class: 'num' }, t('esf.count')))),
        h('tbody', {}, inc.missing.map((m) => h('tr', { dataset: { key: m.field } }, h('th', { scope: 'row' }, label('field', m.field)), cell(m.count)))),
      ),
      byFieldId,
    ),
  );
}
