// Case load: caseLoad(groupBy:) three times in one request, one alias per grouping.
// A dashboard token sees the cases of its own territory; counts under the threshold,
// and whatever would reveal them, come back suppressed.
import { query, requireFields } from '../api.js';
import { countTableFields, countTableView } from '../counts.js';
import { h } from '../dom.js';
import { label, t } from '../i18n.js';

const caseLoadQuery = `query DashboardCaseLoad {
  byStatus: caseLoad(groupBy: STATUS) { ${countTableFields} }
  byOrganisation: caseLoad(groupBy: ORGANISATION) { ${countTableFields} }
  byDepartment: caseLoad(groupBy: DEPARTMENT) { ${countTableFields} }
}`;

export const caseLoadPanel = {
  id: 'caseload',
  title: 'caseload.title',
  intro: 'caseload.intro',
  forbidden: 'caseload.forbidden',

  async load(session) {
    return requireFields(await query(session, caseLoadQuery), 'byStatus', 'byOrganisation', 'byDepartment');
  },

  render(data, panel) {
    const charts = panel.charts;
    // Rows of the STATUS table are statuses; the others name an organisation or a
    // department in the API's own words.
    const statusRow = (row) => label('status', row.key, row.label);
    const namedRow = (row) => (row.key === 'NONE' ? label('status', 'NONE', row.label) : row.label);
    return h(
      'div',
      { class: 'grid' },
      h(
        'div',
        { class: 'sub' },
        h('h3', {}, t('caseload.status')),
        countTableView({ table: data.byStatus, name: 'caseload-status', title: t('caseload.status'), rowHeader: t('caseload.rowStatus'), rowLabel: statusRow, captioned: false, charts }),
      ),
      h(
        'div',
        { class: 'sub' },
        h('h3', {}, t('caseload.organisation')),
        countTableView({ table: data.byOrganisation, name: 'caseload-organisation', title: t('caseload.organisation'), rowHeader: t('caseload.rowOrganisation'), rowLabel: namedRow, captioned: false, charts }),
      ),
      h(
        'div',
        { class: 'sub wide' },
        h('h3', {}, t('caseload.department')),
        h('p', { class: 'note' }, t('caseload.departmentNote')),
        countTableView({ table: data.byDepartment, name: 'caseload-department', title: t('caseload.department'), rowHeader: t('caseload.rowDepartment'), rowLabel: namedRow, captioned: false, charts }),
      ),
    );
  },
};
