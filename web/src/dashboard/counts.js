// Tables of suppressed counts — the API's CountTable — and their charts.
//
// A CountTable cell is { value, suppressed }: a suppressed cell has value null and
// suppressed true. It is shown as "< threshold" (with a spoken explanation), never as 0
// and never left blank, and it is not drawn in the chart. A 0 is a real zero.
import { barChart } from './chart.js';
import { h, tableRegion, uid } from './dom.js';
import { formatNumber, label, t } from './i18n.js';

// The fields every count table query selects.
export const countTableFields = `
  threshold
  columns
  rows { key label counts { value suppressed } total { value suppressed } }
  columnTotals { value suppressed }
  total { value suppressed }`;

// countCell is one cell; data-value / data-suppressed say what it holds, for tests and
// for anyone reading the page's markup.
export function countCell(count, threshold, tag = 'td') {
  if (count.suppressed) {
    return h(
      tag,
      { class: 'num suppressed', dataset: { suppressed: 'true' } },
      h('span', { class: 'shown', 'aria-hidden': 'true' }, t('suppressed.short', { n: threshold })),
      h('span', { class: 'sr-only' }, t('suppressed.long', { n: threshold })),
    );
  }
  if (count.value === null || count.value === undefined) {
    return h(tag, { class: 'num' }, h('span', { class: 'shown' }, '—'));
  }
  return h(tag, { class: 'num', dataset: { value: count.value } }, h('span', { class: 'shown' }, formatNumber(count.value)));
}

// countTableView renders a CountTable: a chart of its rows (one bar series per column),
// then the table with row and column totals, and the legend of suppressed cells.
//   name         identifies the table (data-table), e.g. "caseload-status"
//   title        the table's caption and the chart's name
//   rowHeader    header of the row-label column
//   rowLabel     (row) => the label shown for a row
//   chartTotals  chart the row totals rather than each column (wide tables)
//   captioned    show the caption (false when a heading above says the same; screen
//                readers still read it)
export function countTableView({ table, name, title, rowHeader, rowLabel, chartTotals = false, captioned = true, charts }) {
  const singleColumn = table.columns.length === 1;
  const columnLabels = table.columns.map((c) => label('status', c));
  const captionId = uid('caption');

  const chartSeries =
    chartTotals || singleColumn
      ? [{ label: singleColumn ? columnLabels[0] : t('table.total'), values: table.rows.map((r) => (singleColumn ? r.counts[0] : r.total)).map(plotted) }]
      : table.columns.map((_, i) => ({ label: columnLabels[i], values: table.rows.map((r) => plotted(r.counts[i])) }));
  const horizontal = table.rows.length > 4 || table.rows.some((r) => rowLabel(r).length > 18);

  const head = h(
    'tr',
    {},
    h('th', { scope: 'col' }, rowHeader),
    columnLabels.map((c) => h('th', { scope: 'col', class: 'num' }, c)),
    singleColumn ? null : h('th', { scope: 'col', class: 'num' }, t('table.total')),
  );
  const body = table.rows.map((row) =>
    h(
      'tr',
      { dataset: { key: row.key } },
      h('th', { scope: 'row' }, rowLabel(row)),
      row.counts.map((c) => countCell(c, table.threshold)),
      singleColumn ? null : countCell(row.total, table.threshold),
    ),
  );
  const foot = h(
    'tr',
    { dataset: { key: '__total' } },
    h('th', { scope: 'row' }, t('table.total')),
    singleColumn ? countCell(table.total, table.threshold) : table.columnTotals.map((c) => countCell(c, table.threshold)),
    singleColumn ? null : countCell(table.total, table.threshold),
  );
  const tableEl = h(
    'table',
    { class: 'counts', dataset: { table: name } },
    h('caption', { id: captionId, class: captioned ? null : 'sr-only' }, title),
    h('thead', {}, head),
    h('tbody', {}, body),
    h('tfoot', {}, foot),
  );
  const anySuppressed = [...table.rows.flatMap((r) => [...r.counts, r.total]), ...table.columnTotals, table.total].some((c) => c.suppressed);

  return h(
    'div',
    { class: 'count-view' },
    table.rows.length ? barChart({ title, labels: table.rows.map(rowLabel), series: chartSeries, horizontal, gaps: anySuppressed, charts }) : null,
    tableRegion(tableEl, captionId),
    anySuppressed ? h('p', { class: 'legend' }, t('suppressed.legend', { n: table.threshold })) : null,
  );
}

function plotted(count) {
  return count.suppressed ? null : count.value;
}
