// Bar charts with Chart.js. Only the pieces used are registered, so the bundle carries
// no more of the library than the dashboard draws. A chart is a picture of a table shown
// beside it: the canvas is an image named after that table, and the numbers themselves
// — readable by screen readers, copyable — are in the table.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { h } from './dom.js';
import { formatNumber, t } from './i18n.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

// Colour-blind-safe hues (after Okabe and Ito), darkened where needed to keep a 3:1
// contrast with the white background (WCAG 1.4.11).
const palette = ['#0062a3', '#c24e00', '#007a5a', '#8e3f82', '#5c5c5c', '#8a6d00'];

Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily || 'system-ui, sans-serif';
Chart.defaults.color = '#1f2328';

const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;

// barChart returns a <figure> with the chart; series values may be null (suppressed),
// which draws no bar rather than a bar of 0, and gaps says so under the chart.
export function barChart({ title, labels, series, horizontal = false, gaps = false, charts }) {
  const canvas = h('canvas', { role: 'img', 'aria-label': t('chart.label', { title }) });
  const height = horizontal ? Math.max(160, labels.length * (18 + 10 * series.length) + 70) : 260;
  const figure = h(
    'figure',
    { class: 'chart' },
    h('div', { class: 'chart-box', style: `height:${height}px` }, canvas),
    gaps ? h('figcaption', {}, t('chart.note')) : null,
  );
  const chart = new Chart(canvas, {
    type: 'bar',
    data: {
      labels,
      datasets: series.map((s, i) => ({
        label: s.label,
        data: s.values,
        backgroundColor: palette[i % palette.length],
        borderWidth: 0,
        maxBarThickness: 28,
      })),
    },
    options: {
      indexAxis: horizontal ? 'y' : 'x',
      responsive: true,
      maintainAspectRatio: false,
      animation: reducedMotion ? false : { duration: 300 },
      plugins: {
        legend: { display: series.length > 1, position: 'bottom' },
        tooltip: {
          callbacks: {
            label: (ctx) => `${ctx.dataset.label}: ${formatNumber(ctx.raw)}`,
          },
        },
      },
      scales: {
        [horizontal ? 'x' : 'y']: { beginAtZero: true, ticks: { precision: 0, callback: (v) => formatNumber(v) } },
        [horizontal ? 'y' : 'x']: {
          ticks: {
            autoSkip: false,
            // Long names (organisations, departments) are cut short on the axis; the
            // table beside the chart has them in full.
            callback(value) {
              const name = String(this.getLabelForValue(value));
              const max = window.innerWidth < 600 ? 18 : 30;
              return name.length > max ? `${name.slice(0, max - 1)}…` : name;
            },
          },
        },
      },
    },
  });
  charts.push(chart);
  return figure;
}
