// The one place the dashboard talks to the hub: a GraphQL POST to this hub's /graphql,
// same origin, with the caller's token and purpose. A front end of its own would do the
// same from anywhere: the API is the whole contract, there is no private endpoint.

// ApiError is a request that produced no data: the hub refused it (401, 403), could not
// be reached, or answered with errors only.
export class ApiError extends Error {
  constructor(kind, message, code) {
    super(message);
    // 'unauthenticated' (the token), 'purpose' (the purpose is not the token's),
    // 'forbidden' (a field the role may not read), 'unreachable' or 'error'.
    this.kind = kind;
    this.code = code;
  }
}

// query runs one GraphQL operation and returns { data, errors }. GraphQL answers a
// partly denied query with the data it may give and an error per denied field, each
// with extensions.code (FORBIDDEN, NOT_FOUND, …) and the path of the field: a panel
// looks its own fields up with fieldError.
export async function query(session, document, variables = {}) {
  const headers = {
    'Content-Type': 'application/json',
    Accept: 'application/graphql-response+json, application/json',
    Authorization: `Bearer ${session.token}`,
  };
  // Left out, the hub takes the role's only purpose (and refuses when it has several).
  if (session.purpose) headers['Ponte-Purpose'] = session.purpose;

  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: document, variables }),
      // Same origin only; no cookies are involved, the token is the credential.
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (err) {
    throw new ApiError('unreachable', err.message);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError('unreachable', `HTTP ${response.status}`);
  }
  const errors = body.errors ?? [];
  const first = errors[0];
  // Refusals of the whole request: the token (401) or the purpose (403).
  if (response.status === 401) throw new ApiError('unauthenticated', first?.message ?? 'unauthenticated', 'UNAUTHENTICATED');
  if (response.status === 403) throw new ApiError('purpose', first?.message ?? 'forbidden', 'FORBIDDEN');
  if (!response.ok && !body.data) throw new ApiError('error', first?.message ?? `HTTP ${response.status}`, first?.extensions?.code);
  return { data: body.data ?? null, errors };
}

// fieldError returns the error reported for a top-level field (by its alias), if any.
export function fieldError(errors, field) {
  return errors.find((e) => Array.isArray(e.path) && e.path[0] === field);
}

// requireFields throws the first error reported for one of the fields: a panel shows all
// of its fields or says why it cannot.
export function requireFields({ data, errors }, ...fields) {
  for (const field of fields) {
    const err = fieldError(errors, field);
    if (err) {
      const code = err.extensions?.code;
      throw new ApiError(code === 'FORBIDDEN' ? 'forbidden' : 'error', err.message, code);
    }
    if (!data || data[field] === null || data[field] === undefined) {
      const other = errors[0];
      throw new ApiError(other?.extensions?.code === 'FORBIDDEN' ? 'forbidden' : 'error', other?.message ?? 'no data', other?.extensions?.code);
    }
  }
  return data;
}
