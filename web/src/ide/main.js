// The hub's GraphQL IDE: GraphiQL, bundled and served by the hub itself so that it works
// with no access to the internet. Every request goes to this hub's /graphql with the
// headers typed in the Headers editor: the caller's token and the purpose of use.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import './ide.css';

const exampleQuery = `# ponte GraphQL IDE
#
# Every request needs a token, and the purpose you are asking for:
#   1. open "Headers" below this editor;
#   2. put your token after "Bearer " (ponte demo prints one per role);
#   3. set Ponte-Purpose to one your token grants: statistics, case_management,
#      employment_services, school_attendance, esf_monitoring, esf_audit or
#      data_protection_review (it may be left out when your role has only one).
# Then press the run button (or Ctrl-Enter). The documentation (the book icon on the
# left) loads once the token is accepted.
#
# This query counts cases by status (an anonymous operation: a query typed in its place
# runs whatever its name). Counts below the suppression threshold come
# back as { value: null, suppressed: true }, never as a small number.
{
  caseLoad(groupBy: STATUS) {
    threshold
    columns
    rows {
      key
      label
      total { value suppressed }
    }
    total { value suppressed }
  }
}
`;

// The headers editor's starting content: JSON, sent as HTTP headers with every request.
const headersTemplate = JSON.stringify({ Authorization: 'Bearer <your token>', 'Ponte-Purpose': 'statistics' }, null, 2);

const fetcher = createGraphiQLFetcher({ url: '/graphql' });

const root = document.getElementById('graphiql');
root.textContent = '';
createRoot(root).render(
  createElement(GraphiQL, {
    fetcher,
    defaultQuery: exampleQuery,
    // Every tab starts from the template, with the headers editor open.
    defaultHeaders: headersTemplate,
    defaultEditorToolsVisibility: 'headers',
    // Tokens are credentials: never written to the browser's storage.
    shouldPersistHeaders: false,
  }),
);
