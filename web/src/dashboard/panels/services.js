// Services activated per round: the rounds come from operations { rounds }, and the
// chosen round's interventions from servicesActivated(roundId:), by service type and
// status. Changing the round asks the API again.
import { query, requireFields } from '../api.js';
import { countTableFields, countTableView } from '../counts.js';
import { h } from '../dom.js';
import { formatDate, label, t } from '../i18n.js';

const roundsDocument = `query DashboardRounds {
  operations(first: 100) {
    edges { node { code name rounds { id number startsOn endsOn } } }
  }
}`;

const servicesDocument = `query DashboardServices($roundId: ID!) {
  servicesActivated(roundId: $roundId) { ${countTableFields} }
}`;

export const servicesPanel = {
  id: 'services',
  title: 'services.title',
  intro: 'services.intro',
  forbidden: 'services.forbidden',
  initialState: { rounds: null, roundId: null },

  async load(session, panel) {
    // The state as it was when asked: a sign-out meanwhile replaces panel.state.
    const state = panel.state;
    if (!state.rounds) {
      const data = requireFields(await query(session, roundsDocument), 'operations');
      state.rounds = data.operations.edges.flatMap(({ node }) =>
        node.rounds.map((r) => ({ ...r, operationCode: node.code, operationName: node.name })),
      );
      state.roundId = state.rounds[0]?.id ?? null;
    }
    if (!state.roundId) return { table: null };
    const data = requireFields(await query(session, servicesDocument, { roundId: state.roundId }), 'servicesActivated');
    return { table: data.servicesActivated };
  },

  render(data, panel) {
    const { rounds, roundId } = panel.state;
    if (!rounds.length) return h('p', { class: 'state' }, t('services.noRounds'));
    const round = rounds.find((r) => r.id === roundId);
    const picker = h(
      'div',
      { class: 'controls' },
      h('label', { for: 'services-round' }, t('services.round')),
      h(
        'select',
        {
          id: 'services-round',
          onchange: (e) => {
            panel.state.roundId = e.target.value;
            panel.refresh();
          },
        },
        rounds.map((r) =>
          h(
            'option',
            { value: r.id, selected: r.id === roundId, title: r.operationName },
            t('services.roundOption', { code: r.operationCode, number: r.number, startsOn: formatDate(r.startsOn) }),
          ),
        ),
      ),
    );
    const title = `${t('services.title')} — ${t('services.roundOption', { code: round.operationCode, number: round.number, startsOn: formatDate(round.startsOn) })}`;
    return h(
      'div',
      {},
      picker,
      countTableView({
        table: data.table,
        name: 'services',
        title,
        rowHeader: t('services.rowHeader'),
        rowLabel: (row) => label('service', row.key, row.label),
        // Eleven service types by four statuses: the chart shows each type's total.
        chartTotals: true,
        charts: panel.charts,
      }),
    );
  },
};
