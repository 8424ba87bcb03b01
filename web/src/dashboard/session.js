// Who is looking: the caller's token and declared purpose of use.
//
// They live in sessionStorage — this tab only, gone when it closes — and are sent only to
// this hub's /graphql (see api.js). A link can hand them over in the URL fragment,
// /dashboard#token=…&purpose=statistics: browsers never send the fragment to a server, so
// the token reaches no access log or proxy; it is removed from the address bar at once.

const tokenKey = 'ponte.dashboard.token';
const purposeKey = 'ponte.dashboard.purpose';

// The purposes of use the hub knows (the Ponte-Purpose header).
export const purposes = [
  'statistics',
  'esf_monitoring',
  'esf_audit',
  'case_management',
  'employment_services',
  'school_attendance',
  'data_protection_review',
];

export function readSession() {
  const fromLink = takeFragment();
  if (fromLink) saveSession(fromLink);
  const token = sessionStorage.getItem(tokenKey);
  return token ? { token, purpose: sessionStorage.getItem(purposeKey) || '' } : null;
}

export function saveSession({ token, purpose }) {
  sessionStorage.setItem(tokenKey, token.trim());
  sessionStorage.setItem(purposeKey, purpose || '');
}

export function clearSession() {
  sessionStorage.removeItem(tokenKey);
  sessionStorage.removeItem(purposeKey);
}

function takeFragment() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const token = params.get('token');
  if (!token) return null;
  history.replaceState(null, '', window.location.pathname + window.location.search);
  return { token, purpose: params.get('purpose') || '' };
}
